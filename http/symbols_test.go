package http_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex/store"
)

// Symbols people type into the Alex frontend: share classes, index tickers
// and currency pairs work in bodies, in paths (escaped or not) and in
// queries, and are stored upper-cased.
func TestSymbolsWithPunctuation(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	acc := api.createAccount(t, tok, map[string]any{"account_name": "Brokerage", "cash_balance": 10000})

	for sent, stored := range map[string]string{"brk.b": "BRK.B", "brk/b": "BRK/B", "^gspc": "^GSPC", "EURUSD=X": "EURUSD=X", " bf-b ": "BF-B"} {
		p := api.upsertPosition(t, tok, acc.ID, sent, 2)
		require.Equal(t, stored, p.Symbol, sent)
		require.Equal(t, stored+" - User Added", p.InstrumentName)
		require.Equal(t, stored, p.Instrument.Symbol)
	}
	require.Equal(t, []string{"BF-B", "BRK.B", "BRK/B", "EURUSD=X", "^GSPC"}, symbols(api.positions(t, tok, acc.ID)))

	for path, symbol := range map[string]string{
		"/api/instruments/BRK.B":      "BRK.B",
		"/api/instruments/BRK%2FB":    "BRK/B",
		"/api/v1/instruments/brk%2fb": "BRK/B",
		"/api/instruments/%5EGSPC":    "^GSPC",
		"/api/v1/instruments/^GSPC":   "^GSPC",
		"/api/instruments/EURUSD=X":   "EURUSD=X",
		"/api/instruments/EURUSD%3DX": "EURUSD=X",
		"/api/v1/instruments/spy":     "SPY",
	} {
		in := mustDo[instrumentJSON](t, api, http.MethodGet, path, tok, nil, http.StatusOK)
		require.Equal(t, symbol, in.Symbol, path)
	}
	resp, raw := api.do(t, http.MethodGet, "/api/instruments/BRK%2FC", tok, nil)
	requireProblem(t, resp, raw, http.StatusNotFound)
	resp, raw = api.do(t, http.MethodGet, "/api/instruments/BRK%20B", tok, nil)
	requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "path.symbol")

	for q, want := range map[string][]string{"^g": {"^GSPC"}, "brk/": {"BRK/B"}, "eurusd=": {"EURUSD=X"}} {
		ins := mustDo[[]instrumentJSON](t, api, http.MethodGet, "/api/instruments?q="+url.QueryEscape(q), tok, nil, http.StatusOK)
		require.Equal(t, want, instrumentSymbols(ins), q)
	}

	// A trade takes the symbol too, once it has a price.
	price := decimal.NewFromInt(400)
	now := time.Now()
	require.NoError(t, api.store.UpdateInstruments(t.Context(), []store.InstrumentUpdate{
		{Symbol: "BRK/B", Price: &price, Currency: "USD", PriceAt: now, AsOf: now, Source: "market"}}))
	tx := api.trade(t, tok, acc.ID, map[string]any{"side": "buy", "symbol": "brk/b", "quantity": 1})
	require.Equal(t, "BRK/B", tx.Symbol)
	p, ok := positionOf(api.positions(t, tok, acc.ID), "BRK/B")
	require.True(t, ok)
	require.Equal(t, 3.0, p.Quantity)
}

func TestSymbolsOutsideTheRuleAreRefused(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	acc := api.createAccount(t, tok, map[string]any{"account_name": "Brokerage", "cash_balance": 100})

	for _, bad := range []string{"", "BRK B", "SPY%", "A_B", "ABCDEFGHIJ01234567890", "SPY';--", "Ä"} {
		resp, raw := api.do(t, http.MethodPost, "/api/positions", tok, map[string]any{"account_id": acc.ID, "symbol": bad, "quantity": 1})
		requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "body.symbol")
		resp, raw = api.do(t, http.MethodPost, "/api/accounts/"+acc.ID+"/transactions", tok, map[string]any{"side": "buy", "symbol": bad, "quantity": 1})
		requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "body.symbol")
	}
	require.Empty(t, api.positions(t, tok, acc.ID))
}
