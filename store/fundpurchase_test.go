package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/store"
	"github.com/alex-advisor/alex/store/storetest"
)

func hdfcLargeCap() *alex.Instrument {
	return &alex.Instrument{
		Name: "HDFC Large Cap Fund - Growth Option - Direct Plan", InstrumentType: "mutual_fund", Currency: "INR",
		CurrentPrice:         decimal.NewNullDecimal(decimal.RequireFromString("25.5")),
		AllocationAssetClass: alex.Allocation{"equity": 100}, AllocationRegions: alex.Allocation{"asia": 100},
		AllocationSectors: alex.Allocation{"diversified": 100}, AllocationInferred: true,
	}
}

// Two first purchases at once share one fund account, and each is a
// deposit of its cost followed by the buy: the cash ends where it began.
func TestConcurrentFirstFundPurchasesShareOneAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.MustOpenDB(t)
	_, _, err := s.GetOrCreateUser(ctx, "user_1", "One")
	require.NoError(t, err)

	const n = 4
	accounts := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			a, _, err := s.BuyFundUnits(ctx, store.FundPurchase{UserID: "user_1", Symbol: "MF119063",
				Units: decimal.NewFromInt(2), Currency: "INR", NewInstrument: hdfcLargeCap()})
			accounts[i], errs[i] = a.ID, err
		})
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		assert.Equal(t, accounts[0], accounts[i])
	}

	all, err := s.Accounts(ctx, "user_1")
	require.NoError(t, err)
	require.Len(t, all, 1)
	assert.Equal(t, "INR", all[0].Currency)
	assert.True(t, all[0].CashBalance.IsZero(), "each deposit paid for its buy: %s", all[0].CashBalance)

	page, err := s.Transactions(ctx, "user_1", all[0].ID, "", 100)
	require.NoError(t, err)
	require.Len(t, page.Transactions, 2*n)
	for i, tr := range page.Transactions {
		assert.Equal(t, "51", tr.Amount.String())
		if i%2 == 0 {
			assert.Equal(t, alex.SideBuy, tr.Side, "newest first: the buy, then its deposit")
			assert.Equal(t, "MF119063", tr.Symbol)
		} else {
			assert.Equal(t, alex.SideDeposit, tr.Side)
			assert.Empty(t, tr.Symbol)
			assert.True(t, tr.Quantity.IsZero())
		}
	}

	_, holdings, found, err := s.FundHoldings(ctx, "user_1")
	require.NoError(t, err)
	require.True(t, found)
	require.Len(t, holdings, 1)
	assert.Equal(t, "8", holdings[0].Position.Quantity.String())
	assert.Equal(t, "204", holdings[0].Cost.Decimal.String())
}

// A failed purchase leaves nothing behind: no account, no deposit.
func TestFailedFundPurchaseLeavesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.MustOpenDB(t)
	_, _, err := s.GetOrCreateUser(ctx, "user_1", "One")
	require.NoError(t, err)

	_, _, err = s.BuyFundUnits(ctx, store.FundPurchase{UserID: "user_1", Symbol: "MF1", Units: decimal.NewFromInt(1), Currency: "INR"})
	require.Equal(t, alex.EINVALID, alex.ErrorCode(err), "an unknown symbol: %v", err)
	all, err := s.Accounts(ctx, "user_1")
	require.NoError(t, err)
	assert.Empty(t, all)
	_, _, found, err := s.FundHoldings(ctx, "user_1")
	require.NoError(t, err)
	assert.False(t, found)
}

// The cost of held units is their average cost; units the ledger does not
// explain have an unknown cost, not zero.
func TestFundHoldingsCost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.MustOpenDB(t)
	_, _, err := s.GetOrCreateUser(ctx, "user_1", "One")
	require.NoError(t, err)
	a, _, err := s.BuyFundUnits(ctx, store.FundPurchase{UserID: "user_1", Symbol: "MF119063",
		Units: decimal.NewFromInt(4), Currency: "INR", NewInstrument: hdfcLargeCap()})
	require.NoError(t, err)
	one := decimal.NewFromInt(1)
	_, err = s.ExecuteTrade(ctx, store.Trade{UserID: "user_1", AccountID: a.ID, Side: alex.SideSell, Symbol: "MF119063", Quantity: &one})
	require.NoError(t, err)

	_, holdings, _, err := s.FundHoldings(ctx, "user_1")
	require.NoError(t, err)
	require.Len(t, holdings, 1)
	assert.Equal(t, "76.5", holdings[0].Cost.Decimal.String(), "3 of 4 units that cost 102")

	_, err = s.UpsertPosition(ctx, "user_1", a.ID, "MF119063", decimal.NewFromInt(10))
	require.NoError(t, err)
	_, holdings, _, err = s.FundHoldings(ctx, "user_1")
	require.NoError(t, err)
	assert.False(t, holdings[0].Cost.Valid)
}
