package http_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	alexhttp "github.com/alex-advisor/alex/http"
)

// A known path with a wrong method is 405 with Allow, on /api/v1 and the
// /api alias; an unknown path is a 404 problem.
func TestWrongMethodIs405WithAllow(t *testing.T) {
	a := newTestAPI(t)
	tok := a.token(t, "user_405")
	for _, tc := range []struct{ method, path, allow string }{
		{http.MethodPatch, "/api/v1/accounts", "GET, POST"},
		{http.MethodDelete, "/api/accounts", "GET, POST"},
		{http.MethodPost, "/api/v1/jobs/4b0c8f5e-0d6c-4f7e-9a43-5f9a3c1d2e7f", "GET"},
		{http.MethodDelete, "/health", "GET"},
	} {
		resp, raw := a.do(t, tc.method, tc.path, tok, nil)
		p := requireProblem(t, resp, raw, http.StatusMethodNotAllowed)
		require.Equal(t, tc.allow, resp.Header.Get("Allow"), "%s %s", tc.method, tc.path)
		require.Contains(t, p.Detail, tc.method)
	}
	for _, path := range []string{"/api/v1/nothing-here", "/api/v1/jobs/x/y/z", "/nope"} {
		resp, raw := a.do(t, http.MethodGet, path, tok, nil)
		requireProblem(t, resp, raw, http.StatusNotFound)
		require.Empty(t, resp.Header.Get("Allow"))
	}
}

// Every answer carries nosniff and no-referrer; what a user's token opened
// is no-store.
func TestSecurityHeadersOnEveryAnswer(t *testing.T) {
	a := newTestAPI(t)
	tok := a.token(t, "user_headers")
	for _, tc := range []struct {
		method, path, token string
		noStore             bool
	}{
		{http.MethodGet, "/api/v1/accounts", tok, true},
		{http.MethodGet, "/api/user", tok, true},
		{http.MethodPost, "/api/v1/accounts", tok, true},
		{http.MethodGet, "/health", "", false},
		{http.MethodGet, "/openapi.json", "", false},
		{http.MethodGet, "/api/v1/accounts", "", false},
		{http.MethodGet, "/no/such/route", "", false},
	} {
		resp, _ := a.do(t, tc.method, tc.path, tc.token, nil)
		require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"), "%s %s", tc.method, tc.path)
		require.Equal(t, "no-referrer", resp.Header.Get("Referrer-Policy"), "%s %s", tc.method, tc.path)
		if tc.noStore {
			require.Equal(t, "no-store", resp.Header.Get("Cache-Control"), "%s %s", tc.method, tc.path)
		}
		require.Empty(t, resp.Header.Get("Strict-Transport-Security"), "no HSTS without an https PUBLIC_URL")
	}

	behindTLS := newTestAPI(t, withConfig(func(c *alexhttp.Config) { c.PublicURL = "https://alex.example.com" }))
	resp, _ := behindTLS.do(t, http.MethodGet, "/health", "", nil)
	require.Equal(t, "max-age=63072000; includeSubDomains", resp.Header.Get("Strict-Transport-Security"))
}

// A request past its deadline has its database calls cancelled and
// answers 503 with Retry-After, not a 500.
func TestRequestPastItsDeadlineAnswers503(t *testing.T) {
	a := newTestAPI(t, localMode(), withConfig(func(c *alexhttp.Config) { c.RequestTimeout = time.Nanosecond }))
	tok, _, err := a.issuer.Sign("user_deadline", "deadline@example.com", "Deadline", time.Now())
	require.NoError(t, err)
	resp, raw := a.do(t, http.MethodGet, "/api/v1/accounts", tok, nil)
	requireProblem(t, resp, raw, http.StatusServiceUnavailable)
	require.NotEmpty(t, resp.Header.Get("Retry-After"))
}
