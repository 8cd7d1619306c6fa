package store_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/store"
	"github.com/alex-advisor/alex/store/storetest"
)

func TestSeedInstrumentsAllocationsAddUpTo100(t *testing.T) {
	t.Parallel()
	s := storetest.MustOpenDB(t)
	ins, err := s.SearchInstruments(context.Background(), store.InstrumentFilter{})
	require.NoError(t, err)
	// The contract's 22 and the 8 more that populate-test-data uses.
	require.Len(t, ins, 30)
	for _, in := range ins {
		assert.Equal(t, "USD", in.Currency, in.Symbol)
		if assert.NotNil(t, in.PriceSource, in.Symbol) {
			assert.Equal(t, alex.PriceSeed, *in.PriceSource, in.Symbol)
		}
		assert.NotNil(t, in.PriceAsOf, in.Symbol)
		for name, alloc := range map[string]alex.Allocation{"regions": in.AllocationRegions, "sectors": in.AllocationSectors, "asset_class": in.AllocationAssetClass} {
			sum := 0.0
			for _, v := range alloc {
				sum += v
			}
			assert.InDelta(t, 100, sum, 1e-9, "%s %s", in.Symbol, name)
		}
		assert.True(t, in.CurrentPrice.Valid, in.Symbol)
	}
}

// Migrating a migrated database applies nothing and says so, with the
// version it stands at.
func TestMigrateTwiceIsANoOp(t *testing.T) {
	t.Parallel()
	s := storetest.MustOpenDB(t)
	var logged bytes.Buffer
	require.NoError(t, s.Migrate(context.Background(), slog.New(slog.NewJSONHandler(&logged, nil))))
	require.NotContains(t, logged.String(), "migration applied")
	require.Regexp(t, `"msg":"database migrated","applied":0,"version":\d+`, logged.String())
}

// Concurrent buys race for the same cash: the conditional update must let
// exactly as many through as the cash pays for.
func TestConcurrentBuysNeverOverdraw(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.MustOpenDB(t)
	_, _, err := s.GetOrCreateUser(ctx, "user_1", "One")
	require.NoError(t, err)
	// SPY costs 450.25: 10,000 pays for 22 single units.
	a, err := s.CreateAccount(ctx, alex.Account{UserID: "user_1", AccountName: "A", CashBalance: decimal.NewFromInt(10000)})
	require.NoError(t, err)
	one := decimal.NewFromInt(1)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, rejected := 0, 0
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.ExecuteTrade(ctx, store.Trade{UserID: "user_1", AccountID: a.ID, Side: "buy", Symbol: "SPY", Quantity: &one})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ok++
				return
			}
			assert.Equal(t, alex.EINVALID, alex.ErrorCode(err), err)
			rejected++
		}()
	}
	wg.Wait()
	assert.Equal(t, 22, ok)
	assert.Equal(t, 28, rejected)
	got, err := s.Account(ctx, "user_1", a.ID)
	require.NoError(t, err)
	assert.Equal(t, "94.50", got.CashBalance.StringFixed(2))
	positions, err := s.Positions(ctx, "user_1", a.ID)
	require.NoError(t, err)
	require.Len(t, positions, 1)
	assert.Equal(t, "22", positions[0].Quantity.String())
}
