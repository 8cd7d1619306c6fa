package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/store"
	"github.com/alex-advisor/alex/store/storetest"
)

func ratesOn(day int, jpyPerEUR string) alex.Rates {
	return alex.Rates{AsOf: time.Date(2026, 11, day, 0, 0, 0, 0, time.UTC),
		PerEUR: map[string]decimal.Decimal{"USD": decimal.RequireFromString("1.05"), "JPY": decimal.RequireFromString(jpyPerEUR)}}
}

// A yen stock bought from a dollar account: the cost is fixed at the trade
// day's rate and stays so; what the holding is worth moves with today's.
func TestCostBasisKeepsTheTradeDayRate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.MustOpenDB(t)
	_, _, err := s.GetOrCreateUser(ctx, "user_yen", "Yen")
	require.NoError(t, err)
	a, err := s.CreateAccount(ctx, alex.Account{UserID: "user_yen", AccountName: "US", CashBalance: decimal.NewFromInt(10000)})
	require.NoError(t, err)
	require.Equal(t, "USD", a.Currency)
	price := decimal.NewFromInt(3000)
	_, err = s.UpsertPosition(ctx, "user_yen", a.ID, "7203T", decimal.NewFromInt(1)) // creates the instrument
	require.NoError(t, err)
	require.NoError(t, s.UpdateInstruments(ctx, []store.InstrumentUpdate{{Symbol: "7203T", Price: &price, Currency: "JPY",
		PriceAt: time.Now(), AsOf: time.Now(), Source: alex.PriceMarket}}))

	tradeDay := ratesOn(20, "157.5") // 1 JPY = 1/150 USD
	qty := decimal.NewFromInt(10)
	tr, err := s.ExecuteTrade(ctx, store.Trade{UserID: "user_yen", AccountID: a.ID, Side: "buy", Symbol: "7203T", Quantity: &qty,
		Rates: func(context.Context) (alex.Rates, error) { return tradeDay, nil }})
	require.NoError(t, err)
	assert.Equal(t, "200.00", tr.Amount.StringFixed(2), "10 × ¥3,000 at ¥150 a dollar")
	assert.Equal(t, "JPY", tr.PriceCurrency)
	assert.Equal(t, "USD", tr.Currency)
	require.NotNil(t, tr.FXAsOf)
	assert.Equal(t, "2026-11-20", tr.FXAsOf.Format(time.DateOnly))

	// The yen falls to 210 a dollar: today's value moves, the cost does not.
	today := ratesOn(27, "220.5")
	value, err := alex.Convert(qty.Add(decimal.NewFromInt(1)).Mul(price), "JPY", "USD", today)
	require.NoError(t, err)
	assert.Equal(t, "157.14", value.Amount.Round(2).StringFixed(2), "11 × ¥3,000 at ¥210")
	page, err := s.Transactions(ctx, "user_yen", a.ID, "", 10)
	require.NoError(t, err)
	require.Len(t, page.Transactions, 1)
	stored := page.Transactions[0]
	assert.Equal(t, "200.00", stored.Amount.StringFixed(2), "the cost keeps the trade day's rate")
	assert.True(t, tr.FXRate.Equal(stored.FXRate), "%s = %s", tr.FXRate, stored.FXRate)
	assert.Equal(t, "2026-11-20", stored.FXAsOf.Format(time.DateOnly))
}

// An account's currency can change while it is empty, not once it holds
// positions bought in it.
func TestAccountCurrencyChangesOnlyWithoutPositions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.MustOpenDB(t)
	_, _, err := s.GetOrCreateUser(ctx, "user_cur", "Cur")
	require.NoError(t, err)
	a, err := s.CreateAccount(ctx, alex.Account{UserID: "user_cur", AccountName: "A"})
	require.NoError(t, err)
	eur := "EUR"
	a, err = s.UpdateAccount(ctx, "user_cur", a.ID, store.AccountUpdate{Currency: &eur})
	require.NoError(t, err)
	assert.Equal(t, "EUR", a.Currency)
	_, err = s.UpsertPosition(ctx, "user_cur", a.ID, "SPY", decimal.NewFromInt(1))
	require.NoError(t, err)
	usd := "USD"
	_, err = s.UpdateAccount(ctx, "user_cur", a.ID, store.AccountUpdate{Currency: &usd})
	assert.Equal(t, alex.ECONFLICT, alex.ErrorCode(err))
	_, err = s.UpdateAccount(ctx, "user_cur", a.ID, store.AccountUpdate{Currency: &eur})
	assert.NoError(t, err, "the same currency is no change")
	_, err = s.UpdateAccount(ctx, "someone_else", a.ID, store.AccountUpdate{Currency: &usd})
	assert.Equal(t, alex.ENOTFOUND, alex.ErrorCode(err))
}
