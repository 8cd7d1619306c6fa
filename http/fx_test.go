package http_test

import (
	"net/http"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex/market"
)

// sampleRate is the rate from → to of the sample ECB file the fake serves,
// worked out here from the file's own figures (1 EUR = x of each).
func sampleRate(t testing.TB, from, to string) decimal.Decimal {
	t.Helper()
	rates, err := market.ParseECB(market.SampleRatesFile)
	require.NoError(t, err)
	return rates.PerEUR[to].DivRound(rates.PerEUR[from], 10)
}

func TestBuyRupeeFundFromADollarAccount(t *testing.T) {
	t.Parallel()
	f := newFundFixture(t)
	tok := f.api.token(t, "user_fx")
	acc := f.api.createAccount(t, tok, map[string]any{"account_name": "Brokerage", "cash_balance": 1000})
	require.Equal(t, "USD", acc.Currency, "accounts default to dollars")

	tr := f.api.trade(t, tok, acc.ID, map[string]any{"side": "buy", "symbol": "MF119063", "quantity": 3})
	rate := sampleRate(t, "INR", "USD")
	want := decimal.NewFromInt(3).Mul(decimal.RequireFromString("1123.087")).Mul(rate).Round(2)
	assert.Equal(t, 1123.087, tr.Price, "the NAV as published")
	assert.Equal(t, "INR", tr.PriceCurrency)
	assert.Equal(t, rate.InexactFloat64(), tr.FXRate)
	require.NotNil(t, tr.FXAsOf)
	assert.Equal(t, "2026-11-20", *tr.FXAsOf, "the day of the ECB rate used")
	assert.Equal(t, "USD", tr.Currency)
	assert.Equal(t, want.InexactFloat64(), tr.Amount, "units × NAV × rate, in dollars")
	assert.Less(t, tr.Amount, 50.0, "3 units of a ₹1,123 fund cost about $40, not $3,369")
	assert.Equal(t, cents(1000-tr.Amount), cents(f.api.account(t, tok, acc.ID).CashBalance))

	// Bought by amount: dollars turned into units at NAV × rate.
	tr = f.api.trade(t, tok, acc.ID, map[string]any{"side": "buy", "symbol": "MF119063", "amount": 100})
	unitUSD := decimal.RequireFromString("1123.087").Mul(rate)
	assert.Equal(t, decimal.NewFromInt(100).DivRound(unitUSD, 8).Truncate(6).InexactFloat64(), tr.Quantity)
	assert.LessOrEqual(t, tr.Amount, 100.0)
}

func TestTradeWithoutAnyRateIsRefused(t *testing.T) {
	t.Parallel()
	f := newFundFixture(t)
	f.ecb.down.Store(true) // and nothing cached yet
	tok := f.api.token(t, "user_fx_down")
	acc := f.api.createAccount(t, tok, map[string]any{"account_name": "Brokerage", "cash_balance": 1000})

	resp, raw := f.api.do(t, http.MethodPost, "/api/v1/accounts/"+acc.ID+"/transactions", tok,
		map[string]any{"side": "buy", "symbol": "MF119063", "quantity": 3})
	p := requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "body.symbol")
	assert.Contains(t, p.Detail, "No exchange rate from INR to USD")

	assert.Equal(t, 1000.0, f.api.account(t, tok, acc.ID).CashBalance, "balance unchanged")
	assert.Empty(t, f.api.positions(t, tok, acc.ID), "no units bought")
	txs := mustDo[transactionsJSON](t, f.api, http.MethodGet, "/api/v1/accounts/"+acc.ID+"/transactions", tok, nil, http.StatusOK)
	assert.Empty(t, txs.Transactions, "nothing written")

	// A trade in the account's own currency needs no rate.
	f.api.trade(t, tok, acc.ID, map[string]any{"side": "buy", "symbol": "SPY", "quantity": 1})
}

func TestFXRates(t *testing.T) {
	t.Parallel()
	f := newFundFixture(t)
	tok := f.api.token(t, "user_fx_rates")
	type ratesJSON struct {
		Base  string             `json:"base"`
		AsOf  string             `json:"as_of"`
		Stale bool               `json:"stale"`
		Rates map[string]float64 `json:"rates"`
	}
	got := mustDo[ratesJSON](t, f.api, http.MethodGet, "/api/v1/fx/rates?base=USD", tok, nil, http.StatusOK)
	assert.Equal(t, "USD", got.Base)
	assert.Equal(t, "2026-11-20", got.AsOf)
	assert.False(t, got.Stale, "fetched from the source just now")
	assert.Equal(t, 1.0, got.Rates["USD"])
	assert.Equal(t, sampleRate(t, "USD", "JPY").InexactFloat64(), got.Rates["JPY"])
	assert.Equal(t, sampleRate(t, "USD", "EUR").InexactFloat64(), got.Rates["EUR"])

	// The source goes down: yesterday's copy, marked stale, once it expired.
	f.ecb.down.Store(true)
	resp, raw := f.api.do(t, http.MethodGet, "/api/v1/fx/rates?base=XXX", tok, nil)
	requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "query.base")
	resp, raw = f.api.do(t, http.MethodGet, "/api/v1/fx/rates?base=usd", tok, nil)
	requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "query.base")
}
