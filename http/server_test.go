package http_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex/internal/faultproxy"
	"github.com/alex-advisor/alex/store"
	"github.com/alex-advisor/alex/store/storetest"
)

// The Alex frontend calls /api/...: every route answers the same there.
func TestAPIAliasServesTheSameRoutes(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")

	first := mustDo[getUserJSON](t, api, http.MethodGet, "/api/user", tok, nil, http.StatusOK)
	require.True(t, first.Created)
	again := mustDo[getUserJSON](t, api, http.MethodGet, "/api/v1/user", tok, nil, http.StatusOK)
	require.False(t, again.Created)
	require.Equal(t, first.User.UserID, again.User.UserID)
	u := mustDo[userJSON](t, api, http.MethodPut, "/api/user", tok, map[string]any{"years_until_retirement": 12}, http.StatusOK)
	require.Equal(t, 12, u.YearsUntilRetirement)

	acc := mustDo[accountJSON](t, api, http.MethodPost, "/api/accounts", tok, map[string]any{"account_name": "Via alias", "cash_balance": 2000}, http.StatusCreated)
	pos := mustDo[positionJSON](t, api, http.MethodPost, "/api/positions", tok, map[string]any{"account_id": acc.ID, "symbol": "GLD", "quantity": 2}, http.StatusCreated)
	pos = mustDo[positionJSON](t, api, http.MethodPut, "/api/positions/"+pos.ID, tok, map[string]any{"quantity": 3}, http.StatusOK)
	require.Equal(t, 3.0, pos.Quantity)
	acc = mustDo[accountJSON](t, api, http.MethodPut, "/api/accounts/"+acc.ID, tok, map[string]any{"cash_interest": 0.01}, http.StatusOK)
	require.Equal(t, 0.01, acc.CashInterest)
	tr := mustDo[transactionJSON](t, api, http.MethodPost, "/api/accounts/"+acc.ID+"/transactions", tok,
		map[string]any{"side": "buy", "symbol": "SLV", "quantity": 1}, http.StatusCreated)
	require.Equal(t, 22.4, tr.Amount)

	for _, path := range []string{
		"/user",
		"/accounts",
		"/accounts/" + acc.ID + "/positions",
		"/accounts/" + acc.ID + "/transactions",
		"/instruments?q=v&limit=3",
		"/accounts/" + unknownUUID + "/positions",
		"/accounts/not-a-uuid/positions",
	} {
		respV1, rawV1 := api.do(t, http.MethodGet, "/api/v1"+path, tok, nil)
		resp, raw := api.do(t, http.MethodGet, "/api"+path, tok, nil)
		require.Equal(t, respV1.StatusCode, resp.StatusCode, path)
		require.Equal(t, respV1.Header.Get("Content-Type"), resp.Header.Get("Content-Type"), path)
		require.JSONEq(t, string(rawV1), string(raw), path)
	}

	msg := mustDo[messageJSON](t, api, http.MethodDelete, "/api/positions/"+pos.ID, tok, nil, http.StatusOK)
	require.Equal(t, "Position deleted", msg.Message)
	msg = mustDo[messageJSON](t, api, http.MethodDelete, "/api/accounts/"+acc.ID, tok, nil, http.StatusOK)
	require.Equal(t, "Account deleted successfully", msg.Message)
	resp, raw := api.do(t, http.MethodPost, "/api/populate-test-data", tok, nil)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", raw)
	resp, raw = api.do(t, http.MethodDelete, "/api/reset-accounts", tok, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.JSONEq(t, `{"message":"Deleted 3 account(s)","accounts_deleted":3}`, string(raw))

	// The alias needs the token as much as the canonical route.
	resp, raw = api.do(t, http.MethodGet, "/api/accounts", "", nil)
	requireUnauthorized(t, resp, raw)
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	for _, tc := range []struct {
		method, path, token string
		status              int
	}{
		{http.MethodGet, "/health", "", http.StatusOK},
		{http.MethodGet, "/api/v1/accounts", tok, http.StatusOK},
		{http.MethodGet, "/api/v1/accounts", "", http.StatusUnauthorized},
		{http.MethodGet, "/no/such/route", "", http.StatusNotFound},
		{http.MethodPut, "/api/v1/accounts/" + unknownUUID, tok, http.StatusNotFound},
	} {
		h := http.Header{"X-Request-Id": {"req-from-client-42"}}
		if tc.token != "" {
			h.Set("Authorization", "Bearer "+tc.token)
		}
		var body any
		if tc.method == http.MethodPut {
			h.Set("Content-Type", "application/json")
			body = map[string]any{"account_name": "x"}
		}
		resp, _ := api.send(t, tc.method, tc.path, h, body)
		require.Equal(t, tc.status, resp.StatusCode, tc.path)
		require.Equal(t, "req-from-client-42", resp.Header.Get("X-Request-ID"), "echoed on %s %s", tc.method, tc.path)

		h.Del("X-Request-Id")
		resp1, _ := api.send(t, tc.method, tc.path, h, body)
		resp2, _ := api.send(t, tc.method, tc.path, h, body)
		id1, id2 := resp1.Header.Get("X-Request-ID"), resp2.Header.Get("X-Request-ID")
		require.NotEmpty(t, id1, "generated on %s %s", tc.method, tc.path)
		require.NotEqual(t, id1, id2, "one id per request")
	}
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	before := time.Now().UTC().Truncate(time.Second)
	health := mustDo[struct {
		Status    string `json:"status"`
		Timestamp string `json:"timestamp"`
	}](t, api, http.MethodGet, "/health", "", nil, http.StatusOK)
	require.Equal(t, "ok", health.Status)
	at, err := time.Parse(time.RFC3339, health.Timestamp)
	require.NoError(t, err, "RFC 3339: %s", health.Timestamp)
	require.True(t, strings.HasSuffix(health.Timestamp, "Z"), "UTC: %s", health.Timestamp)
	require.False(t, at.Before(before), "now, not a fixed time: %s", health.Timestamp)
	resp, raw := api.do(t, http.MethodGet, "/ready", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.JSONEq(t, `{"status":"ready"}`, string(raw))

	down := newTestAPI(t, withReady(func(context.Context) error { return errors.New("redis: connection refused to 10.0.0.7:6379") }))
	resp, raw = down.do(t, http.MethodGet, "/ready", "", nil)
	requireProblem(t, resp, raw, http.StatusServiceUnavailable)
	require.Equal(t, "5", resp.Header.Get("Retry-After"))
	require.NotContains(t, string(raw), "10.0.0.7", "no internals")
	resp, _ = down.do(t, http.MethodGet, "/health", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "liveness does not depend on the dependencies")
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")

	resp, raw := api.do(t, http.MethodGet, "/no/such/route", "", nil)
	p := requireProblem(t, resp, raw, http.StatusNotFound)
	require.Equal(t, "No route matches GET /no/such/route.", p.Detail)

	resp, raw = api.do(t, http.MethodGet, "/api/v1/no-such-route", tok, nil)
	requireProblem(t, resp, raw, http.StatusNotFound)
	resp, raw = api.do(t, http.MethodGet, "/api/v1/no-such-route", "", nil)
	requireUnauthorized(t, resp, raw)

	resp, raw = api.do(t, http.MethodPatch, "/api/v1/accounts", tok, map[string]any{})
	require.Contains(t, []int{http.StatusNotFound, http.StatusMethodNotAllowed}, resp.StatusCode, "%s", raw)
	requireProblem(t, resp, raw, resp.StatusCode)
}

func TestOpenAPIAndDocs(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	resp, raw := api.do(t, http.MethodGet, "/openapi.json", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(raw, &doc), "valid JSON")
	require.True(t, strings.HasPrefix(doc.OpenAPI, "3."), doc.OpenAPI)
	want := map[string][]string{
		"/health":                            {"get"},
		"/ready":                             {"get"},
		"/api/v1/user":                       {"get", "put"},
		"/api/v1/accounts":                   {"get", "post"},
		"/api/v1/accounts/{id}":              {"put", "delete"},
		"/api/v1/accounts/{id}/positions":    {"get"},
		"/api/v1/accounts/{id}/transactions": {"get", "post"},
		"/api/v1/positions":                  {"post"},
		"/api/v1/positions/{id}":             {"put", "delete"},
		"/api/v1/instruments":                {"get"},
		"/api/v1/instruments/{symbol}":       {"get"},
		"/api/v1/reset-accounts":             {"delete"},
		"/api/v1/populate-test-data":         {"post"},
		"/api/v1/auth/register":              {"post"},
		"/api/v1/auth/login":                 {"post"},
	}
	for path, methods := range want {
		ops, ok := doc.Paths[path]
		require.True(t, ok, "path %s documented", path)
		for _, m := range methods {
			op, ok := ops[m]
			require.True(t, ok, "%s %s documented", m, path)
			if strings.Contains(path, "{id}") {
				require.Contains(t, jsonString(t, op["parameters"]), `"in":"path","name":"id"`,
					"%s %s documents its path parameter", m, path)
			}
			if strings.HasPrefix(path, "/api/") && !strings.HasPrefix(path, "/api/v1/auth/") {
				require.NotNil(t, op["security"], "%s %s needs a bearer token", m, path)
			}
		}
	}

	resp, raw = api.do(t, http.MethodGet, "/docs", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, strings.ToLower(string(raw)), "<html")
}

func TestCORSPreflight(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	preflight := func(path, origin string) *http.Response {
		resp, _ := api.send(t, http.MethodOptions, path, http.Header{
			"Origin":                         {origin},
			"Access-Control-Request-Method":  {"POST"},
			"Access-Control-Request-Headers": {"authorization, content-type"},
		}, nil)
		return resp
	}
	// Both frontends' paths: the Alex frontend's /api alias, the canonical
	// /api/v1, the Mutual Fund Broker's /v1.
	for _, path := range []string{"/api/accounts", "/api/v1/accounts", "/api/jobs/" + unknownUUID, "/v1/buy", "/v1/portfolio"} {
		resp := preflight(path, "http://localhost:3000")
		require.Equal(t, http.StatusNoContent, resp.StatusCode, "%s: preflights need no token", path)
		require.Equal(t, "http://localhost:3000", resp.Header.Get("Access-Control-Allow-Origin"), path)
		allowed := strings.Split(strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")), ",")
		for i := range allowed {
			allowed[i] = strings.TrimSpace(allowed[i])
		}
		require.Contains(t, allowed, "authorization", path)
		require.Contains(t, allowed, "content-type", path)
		require.Contains(t, resp.Header.Get("Access-Control-Allow-Methods"), "POST", path)

		resp = preflight(path, "https://evil.example")
		require.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"), path)
	}

	resp, _ := api.send(t, http.MethodGet, "/api/v1/accounts", http.Header{
		"Origin": {"http://localhost:3000"}, "Authorization": {"Bearer " + api.token(t, "user_ada")},
	}, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "http://localhost:3000", resp.Header.Get("Access-Control-Allow-Origin"))
	require.Contains(t, resp.Header.Get("Access-Control-Expose-Headers"), "X-Request-ID")
}

// A body over Fiber's own limit (2 MiB) is refused before it is read, still as
// a 413 problem; over a real connection, as clients send it.
func TestBodyOverServerLimit(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- api.app.Listener(ln) }()
	t.Cleanup(func() {
		require.NoError(t, api.app.Shutdown())
		require.NoError(t, <-served)
	})

	// Only the head is sent: the server judges the announced length, and
	// a client still writing a body it refuses would race its reset.
	conn, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "PUT /api/v1/user HTTP/1.1\r\nHost: alex.test\r\n"+
		"Authorization: Bearer "+api.token(t, "user_ada")+"\r\n"+
		"Content-Type: application/json\r\nContent-Length: 3145728\r\n\r\n{")
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	p := requireProblem(t, resp, raw, http.StatusRequestEntityTooLarge)
	require.Equal(t, "The request body is too large for this route.", p.Detail)
}

// When PostgreSQL stops answering, the API says 503 with Retry-After (the
// contract), not 500, and /ready fails; /health still answers. When it is
// back, so is the API.
func TestDatabaseDown(t *testing.T) {
	t.Parallel()
	proxy := faultproxy.Start(t, "127.0.0.1:5432")
	schema := storetest.NewSchema(t)
	url := strings.Replace(storetest.URL(), "127.0.0.1:5432", proxy.Addr(), 1)
	require.NotEqual(t, storetest.URL(), url, "the test database is on 127.0.0.1:5432")
	s, err := store.Open(context.Background(), store.Options{URL: url, Schema: schema, MaxOpenConns: 4})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	require.NoError(t, s.Migrate(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil))))
	api := newTestAPI(t, withStore(s))
	tok := api.token(t, "user_ada")
	api.createAccount(t, tok, map[string]any{"account_name": "Before the outage"})

	proxy.Cut()

	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/api/v1/accounts"},
		{http.MethodGet, "/api/v1/user"},
		{http.MethodGet, "/api/v1/instruments"},
		{http.MethodGet, "/ready"},
	} {
		resp, raw := api.do(t, tc.method, tc.path, tok, nil)
		requireProblem(t, resp, raw, http.StatusServiceUnavailable)
		require.Equal(t, "5", resp.Header.Get("Retry-After"), tc.path)
		require.NotContains(t, string(raw), proxy.Addr(), "no internals")
	}
	resp, _ := api.do(t, http.MethodGet, "/health", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	// Back without a restart: the pool dials again.
	proxy.Restore()
	require.Len(t, api.accounts(t, tok), 1)
	resp, raw := api.do(t, http.MethodGet, "/ready", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)
}
