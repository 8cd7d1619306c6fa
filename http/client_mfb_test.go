package http_test

// The Mutual Fund Broker frontend's contract: every call it makes (CLIENTS.md
// section 2), with the body it sends and the fields it reads, against the
// real service in local auth mode with the fund fixture. It runs on
// PostgreSQL, and on the embedded SQLite store with TEST_STORE=sqlite.

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// mfbCall is one call of the frontend and what it reads of the answer:
// top-level fields with their JSON types, and, for a list of objects under
// list, the fields of each item.
type mfbCall struct {
	method, path string
	body         any
	status       int
	reads        map[string]string
	list         string
	itemReads    map[string]string
}

// mfbScheme is what the dashboard reads of a scheme and sends back to buy it.
var mfbScheme = map[string]string{
	"Scheme_Code": "number", "ISIN_Div_Payout_ISIN_Growth": "string", "ISIN_Div_Reinvestment": "string",
	"Scheme_Name": "string", "Net_Asset_Value": "number", "Date": "string", "Scheme_Type": "string",
	"Scheme_Category": "string", "Mutual_Fund_Family": "string",
}

func TestMutualFundBrokerClientContract(t *testing.T) {
	t.Parallel()
	f := newFundFixture(t, localMode())
	email, password := "investor@example.com", "a-long-password"
	login := map[string]any{"email": email, "password": password}
	buy := map[string]any{
		"Scheme_Code": 119598, "Scheme_Name": "SBI BLUECHIP FUND - DIRECT PLAN - GROWTH", "Date": "22-Nov-2026",
		"Scheme_Category": "Equity Scheme - Large Cap Fund", "Mutual_Fund_Family": "SBI Mutual Fund",
		"units": 1, "nav": 98.7612, "ISIN_Div_Payout_ISIN_Growth": "INF200K01QX4", "ISIN_Div_Reinvestment": "",
	}
	calls := []mfbCall{
		{method: http.MethodPost, path: "/v1/auth/register", body: login, status: http.StatusCreated,
			reads: map[string]string{"message": "string"}},
		{method: http.MethodPost, path: "/v1/auth/login", body: login, status: http.StatusOK,
			reads: map[string]string{"access_token": "string", "token_type": "string"}},
		{method: http.MethodGet, path: "/v1/auth/check_login", status: http.StatusOK,
			reads: map[string]string{"message": "string"}},
		{method: http.MethodGet, path: "/v1/fund_families", status: http.StatusOK,
			reads: map[string]string{"status": "string", "fund_families": "array"}},
		{method: http.MethodPost, path: "/v1/fund_schemes/latest/open_ended", body: map[string]any{"fund_family": "SBI Mutual Fund"},
			status: http.StatusOK, reads: map[string]string{"status": "string", "data": "array"}, list: "data", itemReads: mfbScheme},
		{method: http.MethodPost, path: "/v1/buy", body: buy, status: http.StatusOK,
			reads: map[string]string{"message": "string"}},
		{method: http.MethodGet, path: "/v1/portfolio", status: http.StatusOK,
			reads: map[string]string{"status": "string", "portfolio": "array"}, list: "portfolio", itemReads: map[string]string{
				"Scheme_Code": "number", "Scheme_Name": "string", "Scheme_Category": "string", "Mutual_Fund_Family": "string",
				"units": "number", "Net_Asset_Value": "number", "total_cost": "number", "current_value": "number", "Date": "string",
			}},
	}
	token := ""
	for _, c := range calls {
		resp, raw := f.api.do(t, c.method, c.path, token, c.body)
		require.Equal(t, c.status, resp.StatusCode, "%s %s: %s", c.method, c.path, raw)
		require.Equal(t, "application/json", mediaType(resp), "%s %s", c.method, c.path)
		got := object(t, raw)
		requireTypes(t, c.method+" "+c.path, got, c.reads)
		if c.list != "" {
			items, _ := got[c.list].([]any)
			require.NotEmpty(t, items, "%s %s lists something to read: %s", c.method, c.path, raw)
			for _, item := range items {
				obj, ok := item.(map[string]any)
				require.True(t, ok, "%s %s: an item is an object: %s", c.method, c.path, raw)
				requireTypes(t, c.method+" "+c.path+" "+c.list+"[]", obj, c.itemReads)
			}
		}
		if c.path == "/v1/auth/login" {
			require.Equal(t, "bearer", got["token_type"])
			token = got["access_token"].(string)
		}
		if status, ok := got["status"]; ok {
			require.Equal(t, "success", status, "%s %s", c.method, c.path)
		}
	}
}

// The frontend shows detail (login, register, dashboard) or message
// (portfolio) of a failure: every /v1 error carries both, the same sentence.
func TestMutualFundBrokerClientErrors(t *testing.T) {
	t.Parallel()
	f := newFundFixture(t, localMode())
	token := mfbLogin(t, f.api, "errors@example.com")
	for _, c := range []struct {
		method, path, token string
		body                any
		status              int
	}{
		{http.MethodPost, "/v1/auth/register", "", map[string]any{"email": "errors@example.com", "password": "a-long-password"}, http.StatusConflict},
		{http.MethodPost, "/v1/auth/register", "", map[string]any{"email": "short@example.com", "password": "short"}, http.StatusUnprocessableEntity},
		{http.MethodPost, "/v1/auth/login", "", map[string]any{"email": "errors@example.com", "password": "wrong-password"}, http.StatusUnauthorized},
		{http.MethodGet, "/v1/auth/check_login", "", nil, http.StatusUnauthorized},
		{http.MethodGet, "/v1/portfolio", "not-a-token", nil, http.StatusUnauthorized},
		{http.MethodPost, "/v1/buy", token, map[string]any{"Scheme_Code": 119598, "units": 0, "nav": 98.7612}, http.StatusUnprocessableEntity},
		{http.MethodPost, "/v1/buy", token, map[string]any{"Scheme_Code": 999999, "units": 1}, http.StatusUnprocessableEntity},
		{http.MethodPost, "/v1/buy", token, "{not json", http.StatusBadRequest},
		{http.MethodGet, "/v1/no_such_route", token, nil, http.StatusNotFound},
	} {
		resp, raw := f.api.do(t, c.method, c.path, c.token, c.body)
		requireV1Problem(t, resp, raw, c.status)
	}
}

// requireV1Problem requires a problem of status whose message is its detail.
func requireV1Problem(t testing.TB, resp *http.Response, raw []byte, status int) v1ProblemJSON {
	t.Helper()
	require.Equal(t, status, resp.StatusCode, "body: %s", raw)
	require.Equal(t, "application/problem+json", mediaType(resp), "body: %s", raw)
	p := decodeStrict[v1ProblemJSON](t, raw)
	requireSentence(t, p.Detail)
	require.Equal(t, p.Detail, p.Message, "message repeats detail: %s", raw)
	return p
}

// v1ProblemJSON is a /v1 problem: the usual members and message.
type v1ProblemJSON struct {
	problem
	Message string `json:"message"`
}

// mfbLogin registers and logs in as the frontend does; it returns the
// access token.
func mfbLogin(t testing.TB, a *testAPI, email string) string {
	t.Helper()
	creds := map[string]any{"email": email, "password": "a-long-password"}
	mustDo[messageJSON](t, a, http.MethodPost, "/v1/auth/register", "", creds, http.StatusCreated)
	return mustDo[v1TokenJSON](t, a, http.MethodPost, "/v1/auth/login", "", creds, http.StatusOK).AccessToken
}

type v1TokenJSON struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
}

// requireTypes requires m to have each field with its JSON type.
func requireTypes(t testing.TB, what string, m map[string]any, types map[string]string) {
	t.Helper()
	for field, want := range types {
		v, ok := m[field]
		require.True(t, ok, "%s: %s is there: %v", what, field, m)
		require.Equal(t, want, jsonType(v), "%s: %s is a JSON %s: %v", what, field, want, v)
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	}
	return "object"
}
