package http

import (
	"context"

	"github.com/shopspring/decimal"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/store"
)

type populateOutput struct {
	Body struct {
		Message         string                `json:"message"`
		AccountsCreated int                   `json:"accounts_created"`
		Accounts        []AccountWithHoldings `json:"accounts"`
	}
}

// AccountWithHoldings is an account with its positions.
type AccountWithHoldings struct {
	Account
	Positions []Position `json:"positions"`
}

// sampleAccounts are the three accounts of the Alex test data.
func sampleAccounts() []store.SeedAccount {
	qty := func(m map[string]int64) map[string]decimal.Decimal {
		out := make(map[string]decimal.Decimal, len(m))
		for k, v := range m {
			out[k] = decimal.NewFromInt(v)
		}
		return out
	}
	return []store.SeedAccount{
		{
			Account:   alex.Account{AccountName: "401k Long-term", AccountPurpose: "Long-term retirement savings", CashBalance: decimal.NewFromInt(5000)},
			Positions: qty(map[string]int64{"SPY": 150, "VTI": 100, "BND": 200, "QQQ": 75, "IWM": 50}),
		},
		{
			Account:   alex.Account{AccountName: "Roth IRA", AccountPurpose: "Tax-free retirement growth", CashBalance: decimal.NewFromInt(2500)},
			Positions: qty(map[string]int64{"VTI": 80, "VXUS": 60, "VNQ": 40, "GLD": 25, "TLT": 30, "VIG": 45}),
		},
		{
			Account:   alex.Account{AccountName: "Brokerage Account", AccountPurpose: "General investing", CashBalance: decimal.NewFromInt(10000)},
			Positions: qty(map[string]int64{"TSLA": 15, "AAPL": 50, "AMZN": 10, "NVDA": 25, "MSFT": 30, "GOOGL": 20}),
		},
	}
}

func (s *Server) populateTestData(ctx context.Context, _ *struct{}) (*populateOutput, error) {
	if _, _, err := s.ensureUser(ctx); err != nil {
		return nil, err
	}
	created, err := s.cfg.Store.CreateAccountsWithPositions(ctx, userID(ctx), sampleAccounts())
	if err != nil {
		return nil, err
	}
	out := &populateOutput{}
	out.Body.Message = "Test data populated successfully"
	out.Body.AccountsCreated = len(created)
	for _, a := range created {
		positions, err := s.cfg.Store.Positions(ctx, userID(ctx), a.ID)
		if err != nil {
			return nil, err
		}
		out.Body.Accounts = append(out.Body.Accounts, AccountWithHoldings{Account: accountOf(a), Positions: positionsOf(positions)})
	}
	return out, nil
}
