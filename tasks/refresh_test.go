package tasks_test

import (
	"context"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/analysis"
	"github.com/alex-advisor/alex/store"
	"github.com/alex-advisor/alex/store/storetest"
	"github.com/alex-advisor/alex/tasks"
)

// recordingPrices is a price provider that quotes every symbol at price and
// records each call's symbols in the order asked.
type recordingPrices struct {
	mu    sync.Mutex
	calls [][]string
	price float64
}

func (p *recordingPrices) Prices(_ context.Context, symbols []string) (map[string]analysis.Quote, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, append([]string(nil), symbols...))
	quotes := make(map[string]analysis.Quote, len(symbols))
	for _, s := range symbols {
		quotes[s] = analysis.Quote{Price: p.price}
	}
	return quotes, nil
}

// hold gives user an account holding each symbol at its quantity.
func hold(t *testing.T, s *store.Store, user string, quantities map[string]int64) {
	t.Helper()
	ctx := t.Context()
	_, _, err := s.GetOrCreateUser(ctx, user, user)
	require.NoError(t, err)
	acc, err := s.CreateAccount(ctx, alex.Account{UserID: user, AccountName: "A", Currency: "USD"})
	require.NoError(t, err)
	for sym, q := range quantities {
		_, err := s.UpsertPosition(ctx, user, acc.ID, sym, decimal.NewFromInt(q))
		require.NoError(t, err, sym)
	}
}

// The refresher spends the provider's quota on what people hold: most
// holders first, then the value held; nobody's holdings, positions at 0
// and funds are never quoted, and an unconfirmed symbol counts as one
// holder however many accounts hold it, after a public one held by as many.
func TestRefreshPricesQuotesTheMostHeldWithinTheBudget(t *testing.T) {
	t.Parallel()
	s := storetest.MustOpenDB(t)
	ctx := t.Context()
	// SPY: 3 holders. QQQ: 2. BND and IWM: 1 each, BND worth more
	// (100 × 72.50 against 1 × 205.75). ZZFAKE: unconfirmed, held by 3.
	hold(t, s, "user_1", map[string]int64{"SPY": 1, "QQQ": 1, "BND": 100, "ZZFAKE": 5})
	hold(t, s, "user_2", map[string]int64{"SPY": 1, "QQQ": 1, "ZZFAKE": 5})
	hold(t, s, "user_3", map[string]int64{"SPY": 1, "IWM": 1, "ZZFAKE": 5, "VTI": 1})
	u3, err := s.Positions(ctx, "user_3", accountOf(t, s, "user_3"))
	require.NoError(t, err)
	for _, p := range u3 {
		if p.Symbol == "VTI" {
			_, err := s.UpdatePositionQuantity(ctx, "user_3", p.ID, decimal.Zero)
			require.NoError(t, err)
		}
	}

	prices := &recordingPrices{price: 10}
	r := &tasks.Refresher{Store: s, Prices: prices, PriceBudget: 4, Log: testLog()}
	require.NoError(t, r.RefreshPrices(ctx))
	require.Equal(t, [][]string{{"SPY", "QQQ", "BND", "IWM"}}, prices.calls,
		"one call, the most held first, within the budget of 4")
	fake, err := s.Instrument(ctx, "ZZFAKE")
	require.NoError(t, err)
	assert.False(t, fake.CurrentPrice.Valid, "not quoted: beyond the budget")
	require.NotNil(t, fake.OwnerUserID, "still unconfirmed")

	prices.calls = nil
	r.PriceBudget = 100
	require.NoError(t, r.RefreshPrices(ctx))
	require.Equal(t, [][]string{{"SPY", "QQQ", "BND", "IWM", "ZZFAKE"}}, prices.calls,
		"VTI held at 0 and the unheld seeds are not quoted")
	fake, err = s.Instrument(ctx, "ZZFAKE")
	require.NoError(t, err)
	assert.Equal(t, "10", fake.CurrentPrice.Decimal.String())
	assert.Nil(t, fake.OwnerUserID, "a provider's quote confirms the symbol: public")
}

// A private symbol held by many accounts of one user, and by several users,
// counts as one holder, and a public instrument held by as many comes
// first, whatever the values.
func TestRefreshPricesPrefersPublicInstrumentsOverUnconfirmedOnes(t *testing.T) {
	t.Parallel()
	s := storetest.MustOpenDB(t)
	ctx := t.Context()
	hold(t, s, "user_1", map[string]int64{"ZZMADE": 1_000_000})
	hold(t, s, "user_1", map[string]int64{"ZZMADE": 1_000_000})
	hold(t, s, "user_2", map[string]int64{"ZZMADE": 1_000_000, "TLT": 1})

	prices := &recordingPrices{price: 10}
	r := &tasks.Refresher{Store: s, Prices: prices, PriceBudget: 1, Log: testLog()}
	require.NoError(t, r.RefreshPrices(ctx))
	require.Equal(t, [][]string{{"TLT"}}, prices.calls)

	none := &recordingPrices{}
	empty := &tasks.Refresher{Store: storetest.MustOpenDB(t), Prices: none, Log: testLog()}
	require.NoError(t, empty.RefreshPrices(ctx))
	assert.Empty(t, none.calls, "nobody holds anything: the provider is not called")
}

func accountOf(t *testing.T, s *store.Store, user string) string {
	t.Helper()
	accs, err := s.Accounts(t.Context(), user)
	require.NoError(t, err)
	require.Len(t, accs, 1)
	return accs[0].ID
}
