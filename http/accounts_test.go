package http_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAccountsCreateAndList(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")

	require.Equal(t, []accountJSON{}, api.accounts(t, tok), "a new user has no accounts: [] not null")
	_, raw := api.do(t, http.MethodGet, "/api/v1/accounts", tok, nil)
	require.JSONEq(t, `[]`, string(raw))

	before := time.Now().Add(-time.Second)
	resp, raw := api.do(t, http.MethodPost, "/api/v1/accounts", tok, map[string]any{
		"account_name":    "401k",
		"account_purpose": "Retirement",
		"cash_balance":    1234.56,
		"cash_interest":   0.045,
	})
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", raw)
	requireKeys(t, object(t, raw), "id", "clerk_user_id", "account_name", "account_purpose",
		"currency", "cash_balance", "cash_interest", "created_at", "updated_at")
	first := decodeStrict[accountJSON](t, raw)
	require.Len(t, first.ID, 36)
	require.Equal(t, "user_ada", first.UserID)
	require.Equal(t, "401k", first.AccountName)
	require.Equal(t, "Retirement", first.AccountPurpose)
	require.Equal(t, 1234.56, first.CashBalance)
	require.Equal(t, 0.045, first.CashInterest)
	require.True(t, first.CreatedAt.After(before))
	require.True(t, first.UpdatedAt.Equal(first.CreatedAt))

	// Defaults: no purpose, no cash, no interest.
	second := api.createAccount(t, tok, map[string]any{"account_name": "Checking"})
	require.Equal(t, "", second.AccountPurpose)
	require.Equal(t, 0.0, second.CashBalance)
	require.Equal(t, 0.0, second.CashInterest)
	third := api.createAccount(t, tok, map[string]any{"account_name": "Brokerage", "cash_balance": 0, "cash_interest": 1})
	require.Equal(t, 1.0, third.CashInterest)

	// Creating an account creates the user too.
	u := mustDo[getUserJSON](t, api, http.MethodGet, "/api/v1/user", tok, nil, http.StatusOK)
	require.False(t, u.Created)

	list := api.accounts(t, tok)
	require.Equal(t, []accountJSON{third, second, first}, list, "newest first, as created")

	// Other users see none of them.
	require.Empty(t, api.accounts(t, api.token(t, "user_bob")))
}

func TestAccountsCreateRejectsInvalidInput(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	cases := []struct {
		name     string
		body     any
		location string
	}{
		{"empty name", map[string]any{"account_name": ""}, "body.account_name"},
		{"name of 256 characters", map[string]any{"account_name": strings.Repeat("n", 256)}, "body.account_name"},
		{"missing name", map[string]any{"cash_balance": 10}, "body.account_name"},
		{"name of the wrong type", map[string]any{"account_name": 401}, "body.account_name"},
		{"negative cash", map[string]any{"account_name": "A", "cash_balance": -0.01}, "body.cash_balance"},
		{"cash of the wrong type", map[string]any{"account_name": "A", "cash_balance": "100"}, "body.cash_balance"},
		{"interest above 1", map[string]any{"account_name": "A", "cash_interest": 1.5}, "body.cash_interest"},
		{"negative interest", map[string]any{"account_name": "A", "cash_interest": -0.1}, "body.cash_interest"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, raw := api.do(t, http.MethodPost, "/api/v1/accounts", tok, tc.body)
			requireProblem(t, resp, raw, http.StatusUnprocessableEntity, tc.location)
		})
	}
	t.Run("every failing field is listed", func(t *testing.T) {
		resp, raw := api.do(t, http.MethodPost, "/api/v1/accounts", tok,
			map[string]any{"account_name": "", "cash_balance": -1, "cash_interest": 2})
		requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "body.account_name", "body.cash_balance", "body.cash_interest")
	})
	t.Run("malformed JSON", func(t *testing.T) {
		resp, raw := api.do(t, http.MethodPost, "/api/v1/accounts", tok, `{"account_name":"A",`)
		requireProblem(t, resp, raw, http.StatusBadRequest)
	})

	// A name of exactly 255 characters is fine, in any script.
	acc := api.createAccount(t, tok, map[string]any{"account_name": strings.Repeat("n", 255)})
	require.Len(t, acc.AccountName, 255)
	wide := api.createAccount(t, tok, map[string]any{"account_name": strings.Repeat("é", 255)})
	require.Equal(t, strings.Repeat("é", 255), wide.AccountName)
	resp, raw := api.do(t, http.MethodPost, "/api/v1/accounts", tok, map[string]any{"account_name": strings.Repeat("é", 256)})
	requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "body.account_name")
	require.Len(t, api.accounts(t, tok), 2, "only the valid accounts were created")
}

func TestAccountsUpdatePartial(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	acc := api.createAccount(t, tok, map[string]any{"account_name": "Savings", "account_purpose": "Rainy days", "cash_balance": 500, "cash_interest": 0.02})
	path := "/api/v1/accounts/" + acc.ID

	got := mustDo[accountJSON](t, api, http.MethodPut, path, tok, map[string]any{"cash_balance": 750.25}, http.StatusOK)
	require.Equal(t, acc.ID, got.ID)
	require.Equal(t, 750.25, got.CashBalance)
	require.Equal(t, "Savings", got.AccountName, "fields not sent stay")
	require.Equal(t, "Rainy days", got.AccountPurpose)
	require.Equal(t, 0.02, got.CashInterest)
	require.True(t, acc.CreatedAt.Equal(got.CreatedAt))
	require.True(t, got.UpdatedAt.After(acc.UpdatedAt))

	got = mustDo[accountJSON](t, api, http.MethodPut, path, tok,
		map[string]any{"account_name": "Emergency fund", "account_purpose": "", "cash_interest": 0.5, "id": "ignored"}, http.StatusOK)
	require.Equal(t, "Emergency fund", got.AccountName)
	require.Equal(t, "", got.AccountPurpose, "an empty purpose clears it")
	require.Equal(t, 0.5, got.CashInterest)
	require.Equal(t, 750.25, got.CashBalance)
	require.Equal(t, got, api.account(t, tok, acc.ID), "the list reads what the update returned")

	// An empty update changes nothing but is fine.
	same := mustDo[accountJSON](t, api, http.MethodPut, path, tok, map[string]any{}, http.StatusOK)
	require.Equal(t, got.AccountName, same.AccountName)
	require.Equal(t, got.CashBalance, same.CashBalance)
	got = same

	for _, tc := range []struct {
		body     map[string]any
		location string
	}{
		{map[string]any{"account_name": ""}, "body.account_name"},
		{map[string]any{"account_name": strings.Repeat("n", 256)}, "body.account_name"},
		{map[string]any{"cash_balance": -1}, "body.cash_balance"},
		{map[string]any{"cash_interest": 1.5}, "body.cash_interest"},
	} {
		resp, raw := api.do(t, http.MethodPut, path, tok, tc.body)
		requireProblem(t, resp, raw, http.StatusUnprocessableEntity, tc.location)
	}
	require.Equal(t, got, api.account(t, tok, acc.ID), "rejected updates change nothing")
}

func TestAccountsUnknownAndMalformedIDs(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	api.createAccount(t, tok, map[string]any{"account_name": "Mine"})

	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		var body any
		if method == http.MethodPut {
			body = map[string]any{"account_name": "x"}
		}
		resp, raw := api.do(t, method, "/api/v1/accounts/not-a-uuid", tok, body)
		requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "path.id")

		resp, raw = api.do(t, method, "/api/v1/accounts/"+unknownUUID, tok, body)
		p := requireProblem(t, resp, raw, http.StatusNotFound)
		require.Equal(t, "Account not found.", p.Detail)
	}
	for _, path := range []string{"/api/v1/accounts/not-a-uuid/positions", "/api/v1/accounts/not-a-uuid/transactions"} {
		resp, raw := api.do(t, http.MethodGet, path, tok, nil)
		requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "path.id")
	}
	require.Len(t, api.accounts(t, tok), 1)
}

// GET /accounts/{id} answers the owner's account, and 404 to anyone else.
func TestAccountsGetOne(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_one")
	created := api.createAccount(t, tok, map[string]any{"account_name": "Roth IRA", "cash_balance": 12.5})
	got := mustDo[accountJSON](t, api, http.MethodGet, "/api/accounts/"+created.ID, tok, nil, http.StatusOK)
	require.Equal(t, created, got)
	resp, raw := api.do(t, http.MethodGet, "/api/v1/accounts/"+created.ID, api.token(t, "user_other"), nil)
	requireProblem(t, resp, raw, http.StatusNotFound)
}

func TestAccountsDeleteRemovesPositions(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	keep := api.createAccount(t, tok, map[string]any{"account_name": "Keep"})
	gone := api.createAccount(t, tok, map[string]any{"account_name": "Gone", "cash_balance": 1000})
	keptPos := api.upsertPosition(t, tok, keep.ID, "SPY", 1)
	spy := api.upsertPosition(t, tok, gone.ID, "SPY", 10)
	bnd := api.upsertPosition(t, tok, gone.ID, "BND", 5)

	got := mustDo[messageJSON](t, api, http.MethodDelete, "/api/v1/accounts/"+gone.ID, tok, nil, http.StatusOK)
	require.Equal(t, messageJSON{Message: "Account deleted successfully"}, got)

	require.Equal(t, []accountJSON{keep}, api.accounts(t, tok))
	resp, raw := api.do(t, http.MethodGet, "/api/v1/accounts/"+gone.ID+"/positions", tok, nil)
	requireProblem(t, resp, raw, http.StatusNotFound)
	for _, p := range []positionJSON{spy, bnd} {
		resp, raw := api.do(t, http.MethodPut, "/api/v1/positions/"+p.ID, tok, map[string]any{"quantity": 1})
		requireProblem(t, resp, raw, http.StatusNotFound)
		resp, raw = api.do(t, http.MethodDelete, "/api/v1/positions/"+p.ID, tok, nil)
		requireProblem(t, resp, raw, http.StatusNotFound)
	}
	require.Equal(t, []string{keptPos.ID}, []string{api.positions(t, tok, keep.ID)[0].ID}, "other accounts keep theirs")

	// Deleting it again: not found.
	resp, raw = api.do(t, http.MethodDelete, "/api/v1/accounts/"+gone.ID, tok, nil)
	requireProblem(t, resp, raw, http.StatusNotFound)
}

func TestResetAccounts(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	ada, bob := api.token(t, "user_ada"), api.token(t, "user_bob")
	bobs := api.createAccount(t, bob, map[string]any{"account_name": "Bob's"})

	type resetJSON struct {
		Message         string `json:"message"`
		AccountsDeleted int    `json:"accounts_deleted"`
	}
	got := mustDo[resetJSON](t, api, http.MethodDelete, "/api/v1/reset-accounts", ada, nil, http.StatusOK)
	require.Equal(t, resetJSON{Message: "Deleted 0 account(s)", AccountsDeleted: 0}, got)

	a1 := api.createAccount(t, ada, map[string]any{"account_name": "One"})
	api.createAccount(t, ada, map[string]any{"account_name": "Two"})
	api.createAccount(t, ada, map[string]any{"account_name": "Three"})
	p := api.upsertPosition(t, ada, a1.ID, "QQQ", 3)

	got = mustDo[resetJSON](t, api, http.MethodDelete, "/api/v1/reset-accounts", ada, nil, http.StatusOK)
	require.Equal(t, resetJSON{Message: "Deleted 3 account(s)", AccountsDeleted: 3}, got)
	require.Empty(t, api.accounts(t, ada))
	resp, raw := api.do(t, http.MethodDelete, "/api/v1/positions/"+p.ID, ada, nil)
	requireProblem(t, resp, raw, http.StatusNotFound)

	require.Equal(t, []accountJSON{bobs}, api.accounts(t, bob), "another user's accounts stay")
}

func TestPopulateTestData(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")

	resp, raw := api.do(t, http.MethodPost, "/api/v1/populate-test-data", tok, nil)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", raw)
	type accountWithPositions struct {
		accountJSON
		Positions []positionJSON `json:"positions"`
	}
	got := decodeStrict[struct {
		Message         string                 `json:"message"`
		AccountsCreated int                    `json:"accounts_created"`
		Accounts        []accountWithPositions `json:"accounts"`
	}](t, raw)
	require.Equal(t, "Test data populated successfully", got.Message, "as the Alex backend's own tests expect")
	require.Equal(t, 3, got.AccountsCreated)
	requireKeys(t, object(t, raw), "message", "accounts_created", "accounts")

	want := []struct {
		name     string
		cash     float64
		holdings map[string]float64
	}{
		{"401k Long-term", 5000, map[string]float64{"SPY": 150, "VTI": 100, "BND": 200, "QQQ": 75, "IWM": 50}},
		{"Roth IRA", 2500, map[string]float64{"VTI": 80, "VXUS": 60, "VNQ": 40, "GLD": 25, "TLT": 30, "VIG": 45}},
		{"Brokerage Account", 10000, map[string]float64{"TSLA": 15, "AAPL": 50, "AMZN": 10, "NVDA": 25, "MSFT": 30, "GOOGL": 20}},
	}
	require.Len(t, got.Accounts, len(want))
	byName := map[string]accountWithPositions{}
	for _, a := range got.Accounts {
		byName[a.AccountName] = a
	}
	for _, w := range want {
		a, ok := byName[w.name]
		require.True(t, ok, "account %q in %s", w.name, raw)
		require.Equal(t, "user_ada", a.UserID)
		require.Equal(t, w.cash, a.CashBalance, w.name)
		require.Equal(t, w.holdings, quantities(a.Positions), w.name)
		require.IsIncreasing(t, symbols(a.Positions), "positions by symbol")
		for _, p := range a.Positions {
			require.Equal(t, a.ID, p.AccountID)
		}
		// The API serves the same positions.
		require.Equal(t, a.Positions, api.positions(t, tok, a.ID), w.name)
	}

	spy, _ := positionOf(byName["401k Long-term"].Positions, "SPY")
	require.Equal(t, "SPDR S&P 500 ETF Trust", spy.InstrumentName)
	require.Equal(t, "etf", spy.InstrumentType)
	require.Equal(t, 450.25, *spy.CurrentPrice)
	vti, _ := positionOf(byName["Roth IRA"].Positions, "VTI")
	require.Equal(t, "Vanguard Total Stock Market ETF", vti.InstrumentName, "every populated symbol is a seed instrument")
	require.Equal(t, "etf", vti.InstrumentType)
	require.Equal(t, 289.40, *vti.CurrentPrice)
	for _, a := range byName {
		for _, p := range a.Positions {
			require.NotNil(t, p.CurrentPrice, "%s has a price", p.Symbol)
			require.Equal(t, "seed", *p.Instrument.PriceSource, p.Symbol)
		}
	}
	for sym, typ := range map[string]string{"VTI": "etf", "VXUS": "etf", "VIG": "etf", "VNQ": "etf", "GLD": "etf", "TLT": "etf",
		"AAPL": "stock", "AMZN": "stock", "GOOGL": "stock", "MSFT": "stock", "NVDA": "stock", "TSLA": "stock"} {
		found := false
		for _, a := range byName {
			if p, ok := positionOf(a.Positions, sym); ok {
				require.Equal(t, typ, p.InstrumentType, sym)
				found = true
			}
		}
		require.True(t, found, sym)
	}

	accounts := api.accounts(t, tok)
	require.Len(t, accounts, 3)
	for _, a := range accounts {
		require.Equal(t, byName[a.AccountName].accountJSON, a)
	}
}
