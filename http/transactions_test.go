package http_test

import (
	"encoding/base64"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// tradeSetup is an account of user_ada holding cash.
func tradeSetup(t *testing.T, cash float64) (*testAPI, string, accountJSON) {
	t.Helper()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	acc := api.createAccount(t, tok, map[string]any{"account_name": "Brokerage", "cash_balance": cash})
	return api, tok, acc
}

func TestTransactionsBuyByQuantity(t *testing.T) {
	t.Parallel()
	api, tok, acc := tradeSetup(t, 10000)
	before := time.Now().Add(-time.Second)

	resp, raw := api.do(t, http.MethodPost, "/api/v1/accounts/"+acc.ID+"/transactions", tok,
		map[string]any{"side": "buy", "symbol": "spy", "quantity": 3})
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", raw)
	requireKeys(t, object(t, raw), "id", "account_id", "side", "symbol", "quantity", "price", "price_currency", "fx_rate", "fx_as_of", "amount", "currency", "created_at")
	tr := decodeStrict[transactionJSON](t, raw)
	require.Len(t, tr.ID, 36)
	require.Equal(t, acc.ID, tr.AccountID)
	require.Equal(t, "buy", tr.Side)
	require.Equal(t, "SPY", tr.Symbol)
	require.Equal(t, 3.0, tr.Quantity)
	require.Equal(t, 450.25, tr.Price)
	require.Equal(t, 1350.75, tr.Amount)
	require.True(t, tr.CreatedAt.After(before))

	require.Equal(t, cents(10000-1350.75), cents(api.account(t, tok, acc.ID).CashBalance))
	ps := api.positions(t, tok, acc.ID)
	require.Equal(t, map[string]float64{"SPY": 3}, quantities(ps))

	// Buying more adds to the position.
	tr2 := api.trade(t, tok, acc.ID, map[string]any{"side": "buy", "symbol": "SPY", "quantity": 2})
	require.Equal(t, 900.5, tr2.Amount)
	require.Equal(t, cents(10000-1350.75-900.5), cents(api.account(t, tok, acc.ID).CashBalance))
	ps2 := api.positions(t, tok, acc.ID)
	require.Equal(t, map[string]float64{"SPY": 5}, quantities(ps2))
	require.Equal(t, ps[0].ID, ps2[0].ID, "the same position grows")

	// A fraction costs price × quantity rounded to cents: 0.5 × 450.25 = 225.125.
	tr3 := api.trade(t, tok, acc.ID, map[string]any{"side": "buy", "symbol": "SPY", "quantity": 0.5})
	require.Equal(t, 225.13, tr3.Amount)
	require.Equal(t, cents(10000-1350.75-900.5-225.13), cents(api.account(t, tok, acc.ID).CashBalance))
	require.Equal(t, map[string]float64{"SPY": 5.5}, quantities(api.positions(t, tok, acc.ID)))
}

func TestTransactionsBuyByAmount(t *testing.T) {
	t.Parallel()
	api, tok, acc := tradeSetup(t, 5000)

	// $1000 of SPY at 450.25 is 2.220988 units (to six places, rounded
	// down), which cost 999.999847 → $1000.00.
	tr := api.trade(t, tok, acc.ID, map[string]any{"side": "buy", "symbol": "SPY", "amount": 1000})
	require.Equal(t, 2.220988, tr.Quantity)
	require.Equal(t, 450.25, tr.Price)
	require.Equal(t, 1000.0, tr.Amount)
	require.Equal(t, cents(4000), cents(api.account(t, tok, acc.ID).CashBalance))
	require.Equal(t, map[string]float64{"SPY": 2.220988}, quantities(api.positions(t, tok, acc.ID)))

	// $100 of BND at 72.50 is 1.379310 units for $100.00.
	tr = api.trade(t, tok, acc.ID, map[string]any{"side": "buy", "symbol": "BND", "amount": 100})
	require.Equal(t, 1.37931, tr.Quantity)
	require.Equal(t, 100.0, tr.Amount)
	require.Equal(t, cents(3900), cents(api.account(t, tok, acc.ID).CashBalance))

	// An amount too small to buy any unit.
	resp, raw := api.do(t, http.MethodPost, "/api/v1/accounts/"+acc.ID+"/transactions", tok,
		map[string]any{"side": "buy", "symbol": "SPY", "amount": 0.0001})
	requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "body.amount")
}

// A trade reports the quantity that was stored: the database keeps eight
// decimal places, so finer input is either refused or rounded before the
// trade, never reported as something the position does not hold.
func TestTransactionsQuantityIsWhatIsStored(t *testing.T) {
	t.Parallel()
	api, tok, acc := tradeSetup(t, 1000)
	resp, raw := api.do(t, http.MethodPost, "/api/v1/accounts/"+acc.ID+"/transactions", tok,
		map[string]any{"side": "buy", "symbol": "SLV", "quantity": 0.123456789})
	if resp.StatusCode == http.StatusUnprocessableEntity {
		requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "body.quantity")
		return
	}
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", raw)
	tr := decodeStrict[transactionJSON](t, raw)
	listed := api.transactions(t, tok, acc.ID, "").Transactions
	require.Len(t, listed, 1)
	require.Equal(t, listed[0].Quantity, tr.Quantity, "the answer and the history agree")
	require.Equal(t, map[string]float64{"SLV": tr.Quantity}, quantities(api.positions(t, tok, acc.ID)))
	require.Equal(t, listed[0].Amount, tr.Amount)
	require.Equal(t, cents(1000-tr.Amount), cents(api.account(t, tok, acc.ID).CashBalance))
}

func TestTransactionsSell(t *testing.T) {
	t.Parallel()
	api, tok, acc := tradeSetup(t, 1000)
	api.upsertPosition(t, tok, acc.ID, "QQQ", 5)
	api.upsertPosition(t, tok, acc.ID, "BND", 10)

	tr := api.trade(t, tok, acc.ID, map[string]any{"side": "sell", "symbol": "QQQ", "quantity": 2})
	require.Equal(t, "sell", tr.Side)
	require.Equal(t, 385.5, tr.Price)
	require.Equal(t, 771.0, tr.Amount)
	require.Equal(t, cents(1771), cents(api.account(t, tok, acc.ID).CashBalance))
	require.Equal(t, map[string]float64{"BND": 10, "QQQ": 3}, quantities(api.positions(t, tok, acc.ID)))

	// Selling every unit closes the position.
	api.trade(t, tok, acc.ID, map[string]any{"side": "sell", "symbol": "qqq", "quantity": 3})
	require.Equal(t, cents(1771+1156.5), cents(api.account(t, tok, acc.ID).CashBalance))
	require.Equal(t, map[string]float64{"BND": 10}, quantities(api.positions(t, tok, acc.ID)))

	// Selling by amount: $145 of BND at 72.50 is 2 units.
	tr = api.trade(t, tok, acc.ID, map[string]any{"side": "sell", "symbol": "BND", "amount": 145})
	require.Equal(t, 2.0, tr.Quantity)
	require.Equal(t, 145.0, tr.Amount)
	require.Equal(t, cents(1771+1156.5+145), cents(api.account(t, tok, acc.ID).CashBalance))
	require.Equal(t, map[string]float64{"BND": 8}, quantities(api.positions(t, tok, acc.ID)))
}

// A rejected trade changes neither cash nor positions nor the history.
func TestTransactionsRejected(t *testing.T) {
	t.Parallel()
	api, tok, acc := tradeSetup(t, 500)
	api.upsertPosition(t, tok, acc.ID, "BND", 4)
	api.upsertPosition(t, tok, acc.ID, "ZZZZ", 1) // user-added: no price
	path := "/api/v1/accounts/" + acc.ID + "/transactions"
	wantPositions := api.positions(t, tok, acc.ID)

	cases := []struct {
		name     string
		body     any
		location string
	}{
		{"buying more than the cash pays for", map[string]any{"side": "buy", "symbol": "SPY", "quantity": 2}, "body.quantity"},
		{"buying for more than the cash", map[string]any{"side": "buy", "symbol": "SPY", "amount": 500.01}, "body.amount"},
		{"selling more than held", map[string]any{"side": "sell", "symbol": "BND", "quantity": 4.5}, "body.quantity"},
		{"selling for more than held", map[string]any{"side": "sell", "symbol": "BND", "amount": 1000}, "body.amount"},
		{"selling what is not held", map[string]any{"side": "sell", "symbol": "SPY", "quantity": 1}, "body.quantity"},
		{"unknown symbol", map[string]any{"side": "buy", "symbol": "NOPE", "quantity": 1}, "body.symbol"},
		{"symbol without a price", map[string]any{"side": "buy", "symbol": "ZZZZ", "quantity": 1}, "body.symbol"},
		{"bad side", map[string]any{"side": "hold", "symbol": "SPY", "quantity": 1}, "body.side"},
		{"zero quantity", map[string]any{"side": "buy", "symbol": "SPY", "quantity": 0}, "body.quantity"},
		{"negative amount", map[string]any{"side": "buy", "symbol": "SPY", "amount": -10}, "body.amount"},
		{"bad symbol", map[string]any{"side": "buy", "symbol": "S&P", "quantity": 1}, "body.symbol"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, raw := api.do(t, http.MethodPost, path, tok, tc.body)
			requireProblem(t, resp, raw, http.StatusUnprocessableEntity, tc.location)
		})
	}
	for _, body := range []map[string]any{
		{"side": "buy", "symbol": "SPY", "quantity": 1, "amount": 100},
		{"side": "buy", "symbol": "SPY"},
	} {
		resp, raw := api.do(t, http.MethodPost, path, tok, body)
		p := requireProblem(t, resp, raw, http.StatusUnprocessableEntity)
		require.NotEmpty(t, p.Errors, "both or neither of quantity and amount: %s", raw)
		require.Contains(t, p.Errors[0].Location, "body")
	}
	resp, raw := api.do(t, http.MethodPost, "/api/v1/accounts/"+unknownUUID+"/transactions", tok,
		map[string]any{"side": "buy", "symbol": "SPY", "quantity": 1})
	requireProblem(t, resp, raw, http.StatusNotFound)

	require.Equal(t, cents(500), cents(api.account(t, tok, acc.ID).CashBalance))
	require.Equal(t, wantPositions, api.positions(t, tok, acc.ID))
	require.Empty(t, api.transactions(t, tok, acc.ID, "").Transactions)
}

func TestTransactionsListPagination(t *testing.T) {
	t.Parallel()
	api, tok, acc := tradeSetup(t, 10000)

	resp, raw := api.do(t, http.MethodGet, "/api/v1/accounts/"+acc.ID+"/transactions", tok, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.JSONEq(t, `{"transactions":[],"next_cursor":null}`, string(raw))

	var made []transactionJSON
	for i, sym := range []string{"SPY", "QQQ", "BND", "SPY", "GLD"} {
		side := "buy"
		if i == 3 {
			side = "sell"
		}
		made = append(made, api.trade(t, tok, acc.ID, map[string]any{"side": side, "symbol": sym, "quantity": 1}))
	}
	newestFirst := make([]transactionJSON, len(made))
	for i, tr := range made {
		newestFirst[len(made)-1-i] = tr
	}

	all := api.transactions(t, tok, acc.ID, "")
	require.Nil(t, all.NextCursor)
	require.Len(t, all.Transactions, 5)
	for i := range all.Transactions {
		require.Equal(t, newestFirst[i].ID, all.Transactions[i].ID)
		require.Equal(t, newestFirst[i].Amount, all.Transactions[i].Amount)
		require.True(t, newestFirst[i].CreatedAt.Equal(all.Transactions[i].CreatedAt))
	}

	var paged []transactionJSON
	query := "?limit=2"
	for pages := 1; ; pages++ {
		require.LessOrEqual(t, pages, 3)
		page := api.transactions(t, tok, acc.ID, query)
		paged = append(paged, page.Transactions...)
		if page.NextCursor == nil {
			require.Equal(t, 3, pages)
			require.Len(t, page.Transactions, 1)
			break
		}
		require.Len(t, page.Transactions, 2)
		require.NotEmpty(t, *page.NextCursor)
		query = "?limit=2&cursor=" + *page.NextCursor
	}
	require.Equal(t, all.Transactions, paged, "the pages are the list, without duplicates or gaps")

	// A page that ends exactly at the last transaction has no next cursor.
	page := api.transactions(t, tok, acc.ID, "?limit=5")
	require.Nil(t, page.NextCursor)
	_, raw = api.do(t, http.MethodGet, "/api/v1/accounts/"+acc.ID+"/transactions?limit=5", tok, nil)
	require.Contains(t, string(raw), `"next_cursor":null`)

	// Through the alias too.
	aliased := mustDo[transactionsJSON](t, api, http.MethodGet, "/api/accounts/"+acc.ID+"/transactions?limit=2", tok, nil, http.StatusOK)
	require.Equal(t, all.Transactions[:2], aliased.Transactions)
}

func TestTransactionsListRejectsBadQueries(t *testing.T) {
	t.Parallel()
	api, tok, acc := tradeSetup(t, 1000)
	api.trade(t, tok, acc.ID, map[string]any{"side": "buy", "symbol": "SLV", "quantity": 1})
	path := "/api/v1/accounts/" + acc.ID + "/transactions"
	for _, tc := range []struct {
		query    string
		location string
	}{
		{"?cursor=not-a-cursor!", "query.cursor"},
		{"?cursor=" + base64.RawURLEncoding.EncodeToString([]byte("yesterday|x")), "query.cursor"},
		{"?cursor=" + base64.RawURLEncoding.EncodeToString([]byte("2024-01-01T00:00:00Z|not-a-uuid")), "query.cursor"},
		{"?limit=0", "query.limit"},
		{"?limit=101", "query.limit"},
	} {
		resp, raw := api.do(t, http.MethodGet, path+tc.query, tok, nil)
		requireProblem(t, resp, raw, http.StatusUnprocessableEntity, tc.location)
	}
	resp, raw := api.do(t, http.MethodGet, "/api/v1/accounts/"+unknownUUID+"/transactions", tok, nil)
	requireProblem(t, resp, raw, http.StatusNotFound)
}

// Fifty concurrent buys through the router on one account never overdraw it:
// the cash that left is exactly what the successful buys cost.
func TestTransactionsConcurrentBuysNeverOverdraw(t *testing.T) {
	t.Parallel()
	const initial = 10000.0
	api, tok, acc := tradeSetup(t, initial)
	results := api.concurrently(t, 50, tok, func(int) (string, string, any) {
		return http.MethodPost, "/api/v1/accounts/" + acc.ID + "/transactions",
			map[string]any{"side": "buy", "symbol": "SPY", "quantity": 1}
	})
	ok := 0
	for _, r := range results {
		if r.resp.StatusCode == http.StatusCreated {
			ok++
			continue
		}
		requireProblem(t, r.resp, r.raw, http.StatusUnprocessableEntity, "body.quantity")
	}
	const cost = 450.25
	final := api.account(t, tok, acc.ID).CashBalance
	require.Equal(t, cents(initial), int64(ok)*cents(cost)+cents(final), "successes × cost + final cash == initial cash")
	require.GreaterOrEqual(t, final, 0.0)
	require.Equal(t, 22, ok, "every buy the cash covers succeeds: ⌊10000 / 450.25⌋")
	require.Equal(t, map[string]float64{"SPY": float64(ok)}, quantities(api.positions(t, tok, acc.ID)))
	require.Len(t, api.transactions(t, tok, acc.ID, "?limit=100").Transactions, ok)
}

// Concurrent buys and sells of one symbol in one account all succeed when cash
// and units cover them: none may fail on the database (a lock-order deadlock
// between the buy and the sell paths is a 500).
func TestTransactionsConcurrentBuysAndSells(t *testing.T) {
	t.Parallel()
	api, tok, acc := tradeSetup(t, 100000)
	api.upsertPosition(t, tok, acc.ID, "SPY", 100)
	side := func(i int) string {
		if i%2 == 1 {
			return "sell"
		}
		return "buy"
	}
	results := api.concurrently(t, 20, tok, func(i int) (string, string, any) {
		return http.MethodPost, "/api/v1/accounts/" + acc.ID + "/transactions",
			map[string]any{"side": side(i), "symbol": "SPY", "quantity": 1}
	})
	failed := 0
	for i, r := range results {
		if r.resp.StatusCode != http.StatusCreated {
			failed++
			t.Errorf("%s: %d %s", side(i), r.resp.StatusCode, r.raw)
		}
	}
	require.Zero(t, failed)
	require.Equal(t, cents(100000), cents(api.account(t, tok, acc.ID).CashBalance))
	require.Equal(t, map[string]float64{"SPY": 100}, quantities(api.positions(t, tok, acc.ID)))
}
