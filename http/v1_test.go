package http_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex/queue/redistest"
)

type v1FamiliesJSON struct {
	Status       string   `json:"status"`
	FundFamilies []string `json:"fund_families"`
}

type v1SchemeJSON struct {
	SchemeCode       int64   `json:"Scheme_Code"`
	ISINGrowth       string  `json:"ISIN_Div_Payout_ISIN_Growth"`
	ISINReinvestment string  `json:"ISIN_Div_Reinvestment"`
	Name             string  `json:"Scheme_Name"`
	NAV              float64 `json:"Net_Asset_Value"`
	Date             string  `json:"Date"`
	Type             string  `json:"Scheme_Type"`
	Category         string  `json:"Scheme_Category"`
	Family           string  `json:"Mutual_Fund_Family"`
}

type v1SchemesJSON struct {
	Status string         `json:"status"`
	Data   []v1SchemeJSON `json:"data"`
}

type v1HoldingJSON struct {
	SchemeCode   int64    `json:"Scheme_Code"`
	SchemeName   string   `json:"Scheme_Name"`
	Category     string   `json:"Scheme_Category"`
	Family       string   `json:"Mutual_Fund_Family"`
	Units        float64  `json:"units"`
	NAV          *float64 `json:"Net_Asset_Value"`
	TotalCost    *float64 `json:"total_cost"`
	CurrentValue *float64 `json:"current_value"`
	Date         *string  `json:"Date"`
	Currency     string   `json:"currency"`
}

type v1PortfolioJSON struct {
	Status    string          `json:"status"`
	Portfolio []v1HoldingJSON `json:"portfolio"`
}

// sbiBluechip is the scheme row the dashboard shows and sends back to buy.
func sbiBluechip(units, nav any) map[string]any {
	return map[string]any{
		"Scheme_Code": 119598, "Scheme_Name": "SBI BLUECHIP FUND - DIRECT PLAN - GROWTH", "Date": "22-Nov-2026",
		"Scheme_Category": "Equity Scheme - Large Cap Fund", "Mutual_Fund_Family": "SBI Mutual Fund",
		"units": units, "nav": nav, "ISIN_Div_Payout_ISIN_Growth": "INF200K01QX4", "ISIN_Div_Reinvestment": "",
	}
}

// The Mutual Fund Broker's flow end to end: the purchase lands in a rupee
// fund account whose ledger shows the deposit that paid for it and the buy.
func TestV1MutualFundBrokerFlow(t *testing.T) {
	t.Parallel()
	f := newFundFixture(t, localMode())
	a := f.api
	token := mfbLogin(t, a, "flow@example.com")
	require.Equal(t, "Token is valid", mustDo[messageJSON](t, a, http.MethodGet, "/v1/auth/check_login", token, nil, http.StatusOK).Message)

	families := mustDo[v1FamiliesJSON](t, a, http.MethodGet, "/v1/fund_families", token, nil, http.StatusOK)
	assert.Equal(t, "success", families.Status)
	assert.Contains(t, families.FundFamilies, "SBI Mutual Fund")

	schemes := mustDo[v1SchemesJSON](t, a, http.MethodPost, "/v1/fund_schemes/latest/open_ended", token,
		map[string]any{"fund_family": "SBI Mutual Fund"}, http.StatusOK)
	assert.Equal(t, "success", schemes.Status)
	codes := map[int64]v1SchemeJSON{}
	for _, s := range schemes.Data {
		assert.Equal(t, "SBI Mutual Fund", s.Family)
		assert.Equal(t, "Open Ended Schemes", s.Type)
		codes[s.SchemeCode] = s
	}
	assert.NotContains(t, codes, int64(119599), "a scheme without a NAV cannot be bought and is left out")
	assert.Equal(t, v1SchemeJSON{SchemeCode: 119598, ISINGrowth: "INF200K01QX4", Name: "SBI BLUECHIP FUND - DIRECT PLAN - GROWTH",
		NAV: 98.7612, Date: "22-Nov-2026", Type: "Open Ended Schemes", Category: "Equity Scheme - Large Cap Fund",
		Family: "SBI Mutual Fund"}, codes[119598])

	bought := mustDo[messageJSON](t, a, http.MethodPost, "/v1/buy", token, sbiBluechip(3, 98.7612), http.StatusOK)
	assert.Equal(t, "Bought 3 units of scheme 119598 at NAV 98.7612 INR for 296.28 INR.", bought.Message)

	portfolio := mustDo[v1PortfolioJSON](t, a, http.MethodGet, "/v1/portfolio", token, nil, http.StatusOK)
	assert.Equal(t, "success", portfolio.Status)
	require.Len(t, portfolio.Portfolio, 1)
	h := portfolio.Portfolio[0]
	assert.Equal(t, int64(119598), h.SchemeCode)
	assert.Equal(t, "SBI BLUECHIP FUND - DIRECT PLAN - GROWTH", h.SchemeName)
	assert.Equal(t, "Equity Scheme - Large Cap Fund", h.Category)
	assert.Equal(t, "SBI Mutual Fund", h.Family)
	assert.Equal(t, 3.0, h.Units)
	assert.Equal(t, "INR", h.Currency)
	require.NotNil(t, h.NAV)
	assert.Equal(t, 98.7612, *h.NAV)
	require.NotNil(t, h.TotalCost)
	assert.Equal(t, int64(29628), cents(*h.TotalCost))
	require.NotNil(t, h.CurrentValue)
	assert.Equal(t, int64(29628), cents(*h.CurrentValue))
	require.NotNil(t, h.Date)
	assert.Equal(t, "22-Nov-2026", *h.Date)

	// The same purchase seen through /api/v1: a rupee account with no cash
	// left over, whose ledger is the deposit and the buy.
	accounts := a.accounts(t, token)
	require.Len(t, accounts, 1)
	fund := accounts[0]
	assert.Equal(t, "INR", fund.Currency)
	assert.Equal(t, int64(0), cents(fund.CashBalance))
	_, raw := a.do(t, http.MethodGet, "/api/v1/accounts/"+fund.ID+"/transactions", token, nil)
	ledger := object(t, raw)["transactions"].([]any)
	require.Len(t, ledger, 2, "%s", raw)
	buy, deposit := ledger[0].(map[string]any), ledger[1].(map[string]any)
	assert.Equal(t, "buy", buy["side"])
	assert.Equal(t, "MF119598", buy["symbol"])
	assert.Equal(t, 3.0, buy["quantity"])
	assert.Equal(t, 98.7612, buy["price"])
	assert.Equal(t, 296.28, buy["amount"])
	assert.Equal(t, "INR", buy["currency"])
	assert.Equal(t, "deposit", deposit["side"])
	assert.Equal(t, 296.28, deposit["amount"])
	assert.Equal(t, "INR", deposit["currency"])
	for _, field := range []string{"symbol", "quantity", "price"} {
		v, ok := deposit[field]
		assert.True(t, ok && v == nil, "a deposit's %s is null: %s", field, raw)
	}
	assert.Len(t, a.positions(t, token, fund.ID), 1)
}

// The purchase is made at the service's NAV; a buyer who saw another one
// is told which was used. Later purchases find the same account and the
// portfolio keeps one row per scheme.
func TestV1BuyAtTheCurrentNAV(t *testing.T) {
	t.Parallel()
	f := newFundFixture(t, localMode())
	token := mfbLogin(t, f.api, "nav@example.com")
	mustDo[messageJSON](t, f.api, http.MethodPost, "/v1/buy", token, sbiBluechip(1, 98.7612), http.StatusOK)

	bought := mustDo[messageJSON](t, f.api, http.MethodPost, "/v1/buy", token, sbiBluechip(2, 95), http.StatusOK)
	assert.Equal(t, "Bought 2 units of scheme 119598 at the current NAV 98.7612 INR (not 95, the NAV sent) for 197.52 INR.", bought.Message)
	// Without a nav the message just names the NAV used.
	bought = mustDo[messageJSON](t, f.api, http.MethodPost, "/v1/buy", token, map[string]any{"Scheme_Code": 119063, "units": 0.5}, http.StatusOK)
	assert.Equal(t, "Bought 0.5 units of scheme 119063 at NAV 1123.087 INR for 561.54 INR.", bought.Message)

	portfolio := mustDo[v1PortfolioJSON](t, f.api, http.MethodGet, "/v1/portfolio", token, nil, http.StatusOK)
	require.Len(t, portfolio.Portfolio, 2)
	byCode := map[int64]v1HoldingJSON{}
	for _, h := range portfolio.Portfolio {
		byCode[h.SchemeCode] = h
	}
	assert.Equal(t, 3.0, byCode[119598].Units)
	assert.Equal(t, int64(29628), cents(*byCode[119598].TotalCost))
	assert.Equal(t, 0.5, byCode[119063].Units)
	assert.Len(t, f.api.accounts(t, token), 1, "one fund account for every purchase")
}

// Two first purchases at once make one fund account.
func TestV1ConcurrentFirstBuysMakeOneAccount(t *testing.T) {
	t.Parallel()
	f := newFundFixture(t, localMode())
	token := mfbLogin(t, f.api, "race@example.com")
	results := f.api.concurrently(t, 4, token, func(int) (string, string, any) {
		return http.MethodPost, "/v1/buy", sbiBluechip(1, 98.7612)
	})
	for _, r := range results {
		require.Equal(t, http.StatusOK, r.resp.StatusCode, "%s", r.raw)
	}
	accounts := f.api.accounts(t, token)
	require.Len(t, accounts, 1)
	assert.Equal(t, 4.0, f.api.positions(t, token, accounts[0].ID)[0].Quantity)
	assert.Len(t, f.api.transactions(t, token, accounts[0].ID, "").Transactions, 8)
}

func TestV1BuyValidation(t *testing.T) {
	t.Parallel()
	f := newFundFixture(t, localMode())
	token := mfbLogin(t, f.api, "invalid@example.com")
	for _, c := range []struct {
		name   string
		body   map[string]any
		status int
		field  string
	}{
		{"no units", sbiBluechip(0, 98.7612), http.StatusUnprocessableEntity, "body.units"},
		{"negative units", sbiBluechip(-2, 98.7612), http.StatusUnprocessableEntity, "body.units"},
		{"units too fine to cost a cent", sbiBluechip(0.00001, 98.7612), http.StatusUnprocessableEntity, "body.units"},
		{"unknown scheme", map[string]any{"Scheme_Code": 999999, "units": 1}, http.StatusUnprocessableEntity, "body.Scheme_Code"},
		{"scheme without a NAV", map[string]any{"Scheme_Code": 119599, "units": 1}, http.StatusUnprocessableEntity, "body.Scheme_Code"},
		{"no scheme code", map[string]any{"units": 1}, http.StatusUnprocessableEntity, "body.Scheme_Code"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, raw := f.api.do(t, http.MethodPost, "/v1/buy", token, c.body)
			p := requireV1Problem(t, resp, raw, c.status)
			assert.True(t, p.names(c.field), "names %s: %s", c.field, raw)
		})
	}
	assert.Empty(t, f.api.accounts(t, token), "no failed purchase made an account")
	portfolio := mustDo[v1PortfolioJSON](t, f.api, http.MethodGet, "/v1/portfolio", token, nil, http.StatusOK)
	assert.Empty(t, portfolio.Portfolio)
}

// An expired token is answered in the words the frontend knows, on every
// /v1 route that takes one.
func TestV1ExpiredToken(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, localMode())
	mfbLogin(t, a, "expired@example.com")
	expired, _, err := a.issuer.Sign("user_expired", "expired@example.com", "Expired", time.Now().Add(-2*time.Hour))
	require.NoError(t, err)
	for _, path := range []string{"/v1/auth/check_login", "/v1/portfolio", "/v1/fund_families"} {
		resp, raw := a.do(t, http.MethodGet, path, expired, nil)
		p := requireV1Problem(t, resp, raw, http.StatusUnauthorized)
		assert.Equal(t, "Token has expired.", p.Detail, path)
		assert.Equal(t, "Bearer", resp.Header.Get("WWW-Authenticate"))
	}
}

// In Clerk mode the /v1 auth routes answer 404 and the rest take Clerk
// tokens.
func TestV1InClerkMode(t *testing.T) {
	t.Parallel()
	f := newFundFixture(t)
	token := f.api.token(t, "user_clerk_mfb")
	for _, c := range []struct{ method, path, token string }{
		{http.MethodPost, "/v1/auth/register", ""},
		{http.MethodPost, "/v1/auth/login", ""},
		{http.MethodGet, "/v1/auth/check_login", token},
		{http.MethodGet, "/v1/auth/check_login", ""},
	} {
		var body any
		if c.method == http.MethodPost {
			body = map[string]any{"email": "clerk@example.com", "password": "a-long-password"}
		}
		resp, raw := f.api.do(t, c.method, c.path, c.token, body)
		requireV1Problem(t, resp, raw, http.StatusNotFound)
	}
	mustDo[messageJSON](t, f.api, http.MethodPost, "/v1/buy", token, sbiBluechip(3, 98.7612), http.StatusOK)
	portfolio := mustDo[v1PortfolioJSON](t, f.api, http.MethodGet, "/v1/portfolio", token, nil, http.StatusOK)
	require.Len(t, portfolio.Portfolio, 1)
	assert.Equal(t, 3.0, portfolio.Portfolio[0].Units)
	resp, raw := f.api.do(t, http.MethodGet, "/v1/portfolio", "", nil)
	requireV1Problem(t, resp, raw, http.StatusUnauthorized)
}

// The OpenAPI document lists the /v1 routes under their own tag, with
// their errors' message.
func TestV1InOpenAPI(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, localMode())
	_, raw := a.do(t, http.MethodGet, "/openapi.json", "", nil)
	doc := object(t, raw)
	paths := doc["paths"].(map[string]any)
	for path, method := range map[string]string{
		"/v1/auth/register": "post", "/v1/auth/login": "post", "/v1/auth/check_login": "get", "/v1/fund_families": "get",
		"/v1/fund_schemes/latest/open_ended": "post", "/v1/buy": "post", "/v1/portfolio": "get",
	} {
		op := paths[path].(map[string]any)[method].(map[string]any)
		assert.Equal(t, []any{"Mutual Fund Broker (v1)"}, op["tags"], path)
		for code, r := range op["responses"].(map[string]any) {
			if code >= "400" {
				content := r.(map[string]any)["content"].(map[string]any)["application/problem+json"].(map[string]any)
				assert.Equal(t, "#/components/schemas/V1Problem", content["schema"].(map[string]any)["$ref"], "%s %s", path, code)
			}
		}
		_, secured := op["security"]
		assert.Equal(t, !strings.HasSuffix(path, "/register") && !strings.HasSuffix(path, "/login"), secured, path)
	}
	props := doc["components"].(map[string]any)["schemas"].(map[string]any)["V1Problem"].(map[string]any)["properties"].(map[string]any)
	assert.Contains(t, props, "message")
	assert.Contains(t, props, "detail")
}

// Purchases count against the user's allowance of changes, and sign-in
// attempts against theirs; the 429s carry message too. Reads are free.
func TestV1RateLimits(t *testing.T) {
	t.Parallel()
	const limit = 2
	f := newFundFixture(t, localMode(), withRateLimit(openQueue(t, redistest.Start(t)), limit))
	token := mfbLogin(t, f.api, "limited@example.com")
	for range limit {
		mustDo[messageJSON](t, f.api, http.MethodPost, "/v1/buy", token, sbiBluechip(1, 98.7612), http.StatusOK)
	}
	resp, raw := f.api.do(t, http.MethodPost, "/v1/buy", token, sbiBluechip(1, 98.7612))
	requireV1Problem(t, resp, raw, http.StatusTooManyRequests)
	assert.NotEmpty(t, resp.Header.Get("Retry-After"))
	mustDo[v1SchemesJSON](t, f.api, http.MethodPost, "/v1/fund_schemes/latest/open_ended", token,
		map[string]any{"fund_family": "SBI Mutual Fund"}, http.StatusOK)
	mustDo[v1PortfolioJSON](t, f.api, http.MethodGet, "/v1/portfolio", token, nil, http.StatusOK)

	for i := 1; ; i++ {
		require.LessOrEqual(t, i, 30, "30 wrong logins were all let through")
		resp, raw = f.api.do(t, http.MethodPost, "/v1/auth/login", "",
			map[string]any{"email": "limited@example.com", "password": "wrong password"})
		if resp.StatusCode == http.StatusTooManyRequests {
			requireV1Problem(t, resp, raw, http.StatusTooManyRequests)
			break
		}
		requireV1Problem(t, resp, raw, http.StatusUnauthorized)
	}
}
