package store_test

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/store"
	"github.com/alex-advisor/alex/store/storetest"
)

// BenchmarkHoldingsOf is the planner's read of a user's holdings: three
// accounts of five or six positions each, as the sample data has.
func BenchmarkHoldingsOf(b *testing.B) {
	s, _ := storetest.MustOpenSchema(b)
	ctx := context.Background()
	if _, _, err := s.GetOrCreateUser(ctx, "user_bench", "Bench"); err != nil {
		b.Fatal(err)
	}
	seeds := []store.SeedAccount{
		{Account: alex.Account{AccountName: "401k"}, Positions: quantities("SPY", "VTI", "BND", "QQQ", "IWM")},
		{Account: alex.Account{AccountName: "Roth IRA"}, Positions: quantities("VTI", "VXUS", "VNQ", "GLD", "TLT", "VIG")},
		{Account: alex.Account{AccountName: "Brokerage"}, Positions: quantities("TSLA", "AAPL", "AMZN", "NVDA", "MSFT", "GOOGL")},
	}
	if _, err := s.CreateAccountsWithPositions(ctx, "user_bench", seeds); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		h, err := s.HoldingsOf(ctx, "user_bench")
		if err != nil {
			b.Fatal(err)
		}
		if len(h.Accounts) != 3 || len(h.Positions) != 3 {
			b.Fatalf("read %d accounts, %d with positions", len(h.Accounts), len(h.Positions))
		}
	}
}

func quantities(symbols ...string) map[string]decimal.Decimal {
	q := map[string]decimal.Decimal{}
	for i, s := range symbols {
		q[s] = decimal.NewFromInt(int64(10 * (i + 1)))
	}
	return q
}
