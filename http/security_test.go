package http_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex/auth"
	"github.com/alex-advisor/alex/auth/authtest"
)

// requireUnauthorized requires a 401 problem with WWW-Authenticate: Bearer.
func requireUnauthorized(t testing.TB, resp *http.Response, raw []byte) problem {
	t.Helper()
	p := requireProblem(t, resp, raw, http.StatusUnauthorized)
	require.Equal(t, "Bearer", resp.Header.Get("WWW-Authenticate"))
	return p
}

func TestAuthRejectsBadTokens(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	now := time.Now()
	impostor := authtest.NewKeyPair(t) // a key the JWKS does not hold
	sameKID := authtest.NewKeyPair(t)  // a foreign key under the trusted kid
	sameKID.KID = api.keys.KID
	tokenFor := func(edit func(c map[string]any)) string { return api.tokenWith(t, "user_ada", edit) }
	unsigned := func(header map[string]any) string {
		enc := func(v any) string {
			b, err := json.Marshal(v)
			require.NoError(t, err)
			return base64.RawURLEncoding.EncodeToString(b)
		}
		return enc(header) + "." + enc(claims("user_ada")) + "."
	}

	cases := []struct {
		name   string
		header string // the Authorization header; "" sends none
	}{
		{"no Authorization header", ""},
		{"Basic scheme", "Basic " + base64.StdEncoding.EncodeToString([]byte("user_ada:secret"))},
		{"bearer without token", "Bearer "},
		{"token without scheme", api.token(t, "user_ada")},
		{"malformed token", "Bearer not-a-jwt"},
		{"three junk segments", "Bearer aaa.bbb.ccc"},
		{"header not JSON", "Bearer " + base64.RawURLEncoding.EncodeToString([]byte("{alg")) + ".e30.sig"},
		{"long junk", "Bearer " + strings.Repeat("a", 3000)},
		{"expired", "Bearer " + tokenFor(func(c map[string]any) {
			c["iat"], c["nbf"], c["exp"] = now.Add(-2*time.Hour).Unix(), now.Add(-2*time.Hour).Unix(), now.Add(-time.Minute).Unix()
		})},
		{"without exp", "Bearer " + tokenFor(func(c map[string]any) { delete(c, "exp") })},
		{"without sub", "Bearer " + tokenFor(func(c map[string]any) { delete(c, "sub") })},
		{"nbf in the future", "Bearer " + tokenFor(func(c map[string]any) { c["nbf"] = now.Add(time.Minute).Unix() })},
		{"iat in the future", "Bearer " + tokenFor(func(c map[string]any) { c["iat"] = now.Add(time.Minute).Unix() })},
		{"alg none", "Bearer " + api.keys.SignWith(t, "none", claims("user_ada"))},
		{"alg none without kid", "Bearer " + unsigned(map[string]any{"alg": "none", "typ": "JWT"})},
		{"HS256 with the public key as secret", "Bearer " + api.keys.SignWith(t, "HS256", claims("user_ada"))},
		{"signed by an unknown key", "Bearer " + impostor.Token(t, claims("user_ada"))},
		{"signed by another key under the trusted kid", "Bearer " + sameKID.Token(t, claims("user_ada"))},
		{"signature of another token", "Bearer " + func() string {
			good := strings.Split(api.token(t, "user_ada"), ".")
			other := strings.Split(api.token(t, "user_bob"), ".")
			return good[0] + "." + good[1] + "." + other[2]
		}()},
		{"payload swapped under a valid signature", "Bearer " + func() string {
			good := strings.Split(api.token(t, "user_ada"), ".")
			other := strings.Split(api.token(t, "user_bob"), ".")
			return good[0] + "." + other[1] + "." + good[2]
		}()},
		{"issuer not Clerk's", "Bearer " + tokenFor(func(c map[string]any) { c["iss"] = "https://evil.example" })},
		{"issuer missing", "Bearer " + tokenFor(func(c map[string]any) { delete(c, "iss") })},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.header != "" {
				h.Set("Authorization", tc.header)
			}
			for _, path := range []string{"/api/v1/user", "/api/v1/accounts", "/api/accounts"} {
				resp, raw := api.send(t, http.MethodGet, path, h, nil)
				p := requireUnauthorized(t, resp, raw)
				require.NotContains(t, p.Detail, "eyJ", "the token is never echoed")
			}
		})
	}

	// None of it created a user or reached a handler.
	resp, raw := api.do(t, http.MethodGet, "/api/v1/user", api.token(t, "user_ada"), nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)
	require.True(t, decodeStrict[getUserJSON](t, raw).Created)
}

func TestAuthAcceptsValidTokens(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	now := time.Now()
	for name, tok := range map[string]string{
		"fresh":                 api.token(t, "user_a"),
		"lowercase scheme":      api.token(t, "user_b"),
		"nbf within the leeway": api.tokenWith(t, "user_c", func(c map[string]any) { c["nbf"] = now.Add(2 * time.Second).Unix() }),
		"expired within leeway": api.tokenWith(t, "user_d", func(c map[string]any) { c["exp"] = now.Add(-2 * time.Second).Unix() }),
		"satellite issuer":      api.tokenWith(t, "user_e", func(c map[string]any) { c["iss"] = "https://grown-fox-12.clerk.accounts.dev" }),
	} {
		scheme := "Bearer "
		if name == "lowercase scheme" {
			scheme = "bearer "
		}
		resp, raw := api.send(t, http.MethodGet, "/api/v1/user", http.Header{"Authorization": {scheme + tok}}, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", name, raw)
	}
}

func TestAuthExactIssuer(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, withVerifier(auth.VerifierOptions{Issuer: testIssuer}))
	resp, raw := api.do(t, http.MethodGet, "/api/v1/user", api.token(t, "user_ada"), nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)

	for _, iss := range []string{"https://clerk.other.example", testIssuer + "/", "https://CLERK.test.example", ""} {
		tok := api.tokenWith(t, "user_ada", func(c map[string]any) { c["iss"] = iss })
		resp, raw := api.do(t, http.MethodGet, "/api/v1/user", tok, nil)
		requireUnauthorized(t, resp, raw)
	}
}

func TestAuthAuthorizedParties(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, withVerifier(auth.VerifierOptions{
		RequireClerkIssuer: true,
		AuthorizedParties:  []string{"http://localhost:3000", "https://app.alex.example"},
	}))
	for _, azp := range []string{"http://localhost:3000", "https://app.alex.example"} {
		tok := api.tokenWith(t, "user_ada", func(c map[string]any) { c["azp"] = azp })
		resp, raw := api.do(t, http.MethodGet, "/api/v1/user", tok, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, "azp %s: %s", azp, raw)
	}
	for _, edit := range []func(c map[string]any){
		func(c map[string]any) { c["azp"] = "https://evil.example" },
		func(c map[string]any) { c["azp"] = "" },
		func(c map[string]any) { delete(c, "azp") },
	} {
		resp, raw := api.do(t, http.MethodGet, "/api/v1/accounts", api.tokenWith(t, "user_ada", edit), nil)
		requireUnauthorized(t, resp, raw)
	}
}

// The key set is fetched once and cached, not once per request; an unknown
// kid triggers one rate-limited refetch.
func TestJWKSIsFetchedOnce(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	for range 10 {
		resp, raw := api.do(t, http.MethodGet, "/api/v1/accounts", tok, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)
	}
	require.EqualValues(t, 1, api.jwksFetches.Load())

	rotated := authtest.NewKeyPair(t).Token(t, claims("user_ada"))
	for range 5 {
		resp, raw := api.do(t, http.MethodGet, "/api/v1/accounts", rotated, nil)
		requireUnauthorized(t, resp, raw)
	}
	require.EqualValues(t, 2, api.jwksFetches.Load(), "one refetch for the unknown kid, then rate-limited")

	resp, raw := api.do(t, http.MethodGet, "/api/v1/accounts", tok, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)
	require.EqualValues(t, 2, api.jwksFetches.Load())
}

// Path tricks do not reach a route without a token.
func TestAuthCannotBeBypassedByPath(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	api.createAccount(t, tok, map[string]any{"account_name": "Secret"})
	for _, path := range []string{
		"/api/v1/accounts/",
		"/API/V1/ACCOUNTS",
		"/Api/v1/accounts",
		"/api/v1/auth/../accounts",
		"/api/v1/auth/%2e%2e/accounts",
		"/api/auth/../v1/accounts",
		"//api/v1/accounts",
		"/api/v1//accounts",
		"/api/v1/accounts?x=/api/v1/auth/",
		"/api/v1/accounts%3f/api/v1/auth/",
	} {
		resp, raw := api.do(t, http.MethodGet, path, "", nil)
		require.NotEqual(t, http.StatusOK, resp.StatusCode, "%s answered without a token: %s", path, raw)
		require.NotContains(t, string(raw), "Secret", path)
		if resp.StatusCode == http.StatusUnauthorized {
			requireUnauthorized(t, resp, raw)
		} else {
			requireProblem(t, resp, raw, http.StatusNotFound)
		}
	}
}

// ownership holds user_bob's data that user_ada goes after.
type ownership struct {
	api          *testAPI
	ada, bob     string
	bobAccount   accountJSON
	bobPosition  positionJSON
	bobTrade     transactionJSON
	adaAccount   accountJSON
	bobPositions []positionJSON
	bobTrades    transactionsJSON
}

func newOwnership(t *testing.T) *ownership {
	t.Helper()
	api := newTestAPI(t)
	o := &ownership{api: api, ada: api.token(t, "user_ada"), bob: api.token(t, "user_bob")}
	o.bobAccount = api.createAccount(t, o.bob, map[string]any{"account_name": "Bob Secret Savings", "account_purpose": "Bob private purpose", "cash_balance": 4321.5})
	o.bobPosition = api.upsertPosition(t, o.bob, o.bobAccount.ID, "VIG", 12)
	o.bobTrade = api.trade(t, o.bob, o.bobAccount.ID, map[string]any{"side": "buy", "symbol": "SLV", "quantity": 3})
	o.bobAccount = api.account(t, o.bob, o.bobAccount.ID)
	o.bobPositions = api.positions(t, o.bob, o.bobAccount.ID)
	o.bobTrades = api.transactions(t, o.bob, o.bobAccount.ID, "")
	o.adaAccount = api.createAccount(t, o.ada, map[string]any{"account_name": "Ada's", "cash_balance": 100000})
	return o
}

// requireUntouched requires Bob's data as it was.
func (o *ownership) requireUntouched(t *testing.T) {
	t.Helper()
	require.Equal(t, []accountJSON{o.bobAccount}, o.api.accounts(t, o.bob))
	require.Equal(t, o.bobPositions, o.api.positions(t, o.bob, o.bobAccount.ID))
	require.Equal(t, o.bobTrades, o.api.transactions(t, o.bob, o.bobAccount.ID, ""))
}

// requireNothingOfBob requires a 404 problem that shows nothing of Bob's.
func (o *ownership) requireNothingOfBob(t *testing.T, resp *http.Response, raw []byte) {
	t.Helper()
	requireProblem(t, resp, raw, http.StatusNotFound)
	for _, secret := range []string{"Bob Secret Savings", "Bob private purpose", "user_bob", "4321",
		o.bobAccount.ID, o.bobPosition.ID, o.bobTrade.ID, "VIG", "SLV"} {
		require.NotContains(t, string(raw), secret)
	}
}

func TestOtherUsersResourcesAreNotFound(t *testing.T) {
	t.Parallel()
	o := newOwnership(t)
	api, ada := o.api, o.ada
	acc, pos := o.bobAccount.ID, o.bobPosition.ID

	for _, prefix := range []string{"/api/v1", "/api"} {
		for _, tc := range []struct {
			method, path string
			body         any
		}{
			{http.MethodGet, "/accounts/" + acc + "/positions", nil},
			{http.MethodPut, "/accounts/" + acc, map[string]any{"account_name": "Pwned", "cash_balance": 0}},
			{http.MethodDelete, "/accounts/" + acc, nil},
			{http.MethodPut, "/positions/" + pos, map[string]any{"quantity": 1}},
			{http.MethodDelete, "/positions/" + pos, nil},
			{http.MethodPost, "/positions", map[string]any{"account_id": acc, "symbol": "VIG", "quantity": 1000}},
			{http.MethodPost, "/positions", map[string]any{"account_id": acc, "symbol": "SPY", "quantity": 1}},
			{http.MethodPost, "/accounts/" + acc + "/transactions", map[string]any{"side": "sell", "symbol": "VIG", "quantity": 12}},
			{http.MethodPost, "/accounts/" + acc + "/transactions", map[string]any{"side": "buy", "symbol": "SPY", "quantity": 1}},
			{http.MethodGet, "/accounts/" + acc + "/transactions", nil},
			{http.MethodGet, "/accounts/" + acc + "/transactions?cursor=" + "x", nil},
		} {
			resp, raw := api.do(t, tc.method, prefix+tc.path, ada, tc.body)
			if resp.StatusCode == http.StatusUnprocessableEntity && strings.Contains(tc.path, "cursor=") {
				// A bad cursor may be judged before ownership; it shows nothing either way.
				requireProblem(t, resp, raw, http.StatusUnprocessableEntity)
				continue
			}
			o.requireNothingOfBob(t, resp, raw)
		}
	}

	// Ada's own lists and bulk routes do not reach Bob's data either.
	_, raw := api.do(t, http.MethodGet, "/api/v1/accounts", ada, nil)
	require.NotContains(t, string(raw), "Bob Secret Savings")
	_, raw = api.do(t, http.MethodGet, "/api/v1/accounts/"+o.adaAccount.ID+"/positions", ada, nil)
	require.NotContains(t, string(raw), pos)
	_, raw = api.do(t, http.MethodGet, "/api/v1/accounts/"+o.adaAccount.ID+"/transactions", ada, nil)
	require.NotContains(t, string(raw), o.bobTrade.ID)
	resp, raw := api.do(t, http.MethodDelete, "/api/v1/reset-accounts", ada, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)
	require.Contains(t, string(raw), `"accounts_deleted":1`, "only Ada's own account")

	o.requireUntouched(t)
}

// A token's sub decides whose data it is: a forged sub without a valid
// signature reaches nothing.
func TestForgedSubjectIsRejected(t *testing.T) {
	t.Parallel()
	o := newOwnership(t)
	parts := strings.Split(o.ada, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	forged := strings.Replace(string(payload), "user_ada", "user_bob", 1)
	tok := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(forged)) + "." + parts[2]
	resp, raw := o.api.do(t, http.MethodGet, "/api/v1/accounts", tok, nil)
	requireUnauthorized(t, resp, raw)
	require.NotContains(t, string(raw), "Bob Secret Savings")
	o.requireUntouched(t)
}
