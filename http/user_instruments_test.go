package http_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/store"
)

// listed is what a user's list and search of instruments show of symbol.
func listed(t *testing.T, api *testAPI, tok, symbol string) (inList, inSearch bool) {
	t.Helper()
	all := instrumentSymbols(mustDo[[]instrumentJSON](t, api, http.MethodGet, "/api/v1/instruments", tok, nil, http.StatusOK))
	found := instrumentSymbols(mustDo[[]instrumentJSON](t, api, http.MethodGet, "/api/v1/instruments?q="+symbol, tok, nil, http.StatusOK))
	return slices.Contains(all, symbol), slices.Contains(found, symbol)
}

// A symbol a user adds is theirs until a provider quotes it: another user
// neither lists, finds, looks up nor trades it (the answers are those of a
// symbol nobody added); who adds it too holds the same instrument; a quote
// makes it everyone's.
func TestUserAddedSymbolIsPrivateUntilAProviderQuotesIt(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	ann, bob, cat := api.token(t, "user_ann"), api.token(t, "user_bob"), api.token(t, "user_cat")
	annAcc := api.createAccount(t, ann, map[string]any{"account_name": "Ann's", "cash_balance": 1000})
	bobAcc := api.createAccount(t, bob, map[string]any{"account_name": "Bob's", "cash_balance": 1000})
	api.createAccount(t, cat, map[string]any{"account_name": "Cat's"})

	p := api.upsertPosition(t, ann, annAcc.ID, "zzqx", 3)
	require.Equal(t, "ZZQX", p.Instrument.Symbol)
	require.Equal(t, "ZZQX - User Added", p.InstrumentName)
	inList, inSearch := listed(t, api, ann, "ZZQX")
	require.True(t, inList, "the user who added it lists it")
	require.True(t, inSearch, "and finds it")
	mustDo[instrumentJSON](t, api, http.MethodGet, "/api/v1/instruments/zzqx", ann, nil, http.StatusOK)

	inList, inSearch = listed(t, api, bob, "ZZQX")
	require.False(t, inList, "another user does not list it")
	require.False(t, inSearch, "nor find it")
	resp, raw := api.do(t, http.MethodGet, "/api/v1/instruments/ZZQX", bob, nil)
	requireProblem(t, resp, raw, http.StatusNotFound)
	resp, unknown := api.do(t, http.MethodGet, "/api/v1/instruments/ZZQY", bob, nil)
	requireProblem(t, resp, unknown, http.StatusNotFound)
	require.Equal(t, problemDetail(t, unknown, "ZZQY"), problemDetail(t, raw, "ZZQX"), "the same answer as a symbol nobody added")
	resp, raw = api.do(t, http.MethodPost, "/api/v1/accounts/"+bobAcc.ID+"/transactions", bob,
		map[string]any{"side": "buy", "symbol": "ZZQX", "quantity": 1})
	requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "body.symbol")
	resp, unknown = api.do(t, http.MethodPost, "/api/v1/accounts/"+bobAcc.ID+"/transactions", bob,
		map[string]any{"side": "buy", "symbol": "ZZQY", "quantity": 1})
	requireProblem(t, resp, unknown, http.StatusUnprocessableEntity, "body.symbol")
	require.Equal(t, problemDetail(t, unknown, "ZZQY"), problemDetail(t, raw, "ZZQX"), "the same answer as a symbol nobody added")

	bp := api.upsertPosition(t, bob, bobAcc.ID, "ZZQX", 1)
	require.Equal(t, "ZZQX - User Added", bp.InstrumentName, "the same name as for anyone who adds it")
	inList, _ = listed(t, api, bob, "ZZQX")
	require.True(t, inList, "who holds it sees it")
	inList, inSearch = listed(t, api, cat, "ZZQX")
	require.False(t, inList || inSearch, "who does not hold it still does not")

	price := decimal.NewFromFloat(12.5)
	require.NoError(t, api.store.UpdateInstruments(t.Context(), []store.InstrumentUpdate{{Symbol: "ZZQX", Price: &price,
		Currency: "USD", PriceAt: time.Now(), AsOf: time.Now(), Source: alex.PriceMarket}}))
	inList, inSearch = listed(t, api, cat, "ZZQX")
	require.True(t, inList && inSearch, "a provider's quote makes it public")
	in := mustDo[instrumentJSON](t, api, http.MethodGet, "/api/v1/instruments/ZZQX", cat, nil, http.StatusOK)
	require.NotNil(t, in.CurrentPrice)
	require.Equal(t, 12.5, *in.CurrentPrice)
}

// problemDetail is a problem's detail with symbol written as SYM, so two
// answers about different symbols compare.
func problemDetail(t *testing.T, raw []byte, symbol string) string {
	t.Helper()
	p := decodeStrict[problem](t, raw)
	out := p.Detail
	for _, e := range p.Errors {
		out += "|" + e.Location + ":" + e.Message
	}
	return strings.ReplaceAll(out, symbol, "SYM")
}

// A user holds at most store.MaxPrivateInstruments unconfirmed symbols; a
// public symbol, or one already held, is always fine, and letting one go
// frees its place.
func TestUserAddedSymbolsAreCappedPerUser(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ann")
	mustDo[getUserJSON](t, api, http.MethodGet, "/api/user", tok, nil, http.StatusOK)
	added := map[string]decimal.Decimal{}
	for i := range store.MaxPrivateInstruments {
		added[fmt.Sprintf("ZZ%03d", i)] = decimal.NewFromInt(1)
	}
	accs, err := api.store.CreateAccountsWithPositions(t.Context(), "user_ann",
		[]store.SeedAccount{{Account: alex.Account{AccountName: "Many", Currency: "USD"}, Positions: added}})
	require.NoError(t, err)
	acc := accs[0].ID

	resp, raw := api.do(t, http.MethodPost, "/api/v1/positions", tok, map[string]any{"account_id": acc, "symbol": "ZZNEW", "quantity": 1})
	p := requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "body.symbol")
	require.Contains(t, p.Detail, "100")
	_, err = api.store.VisibleInstrument(t.Context(), "user_ann", "ZZNEW")
	require.Error(t, err, "nothing stored")

	api.upsertPosition(t, tok, acc, "ZZ007", 2)
	api.upsertPosition(t, tok, acc, "SPY", 2)
	other := api.createAccount(t, tok, map[string]any{"account_name": "Other"})
	api.upsertPosition(t, tok, other.ID, "ZZ008", 1)

	zz9, ok := positionOf(api.positions(t, tok, acc), "ZZ009")
	require.True(t, ok)
	mustDo[map[string]any](t, api, http.MethodDelete, "/api/v1/positions/"+zz9.ID, tok, nil, http.StatusOK)
	api.upsertPosition(t, tok, acc, "ZZNEW", 1)
}
