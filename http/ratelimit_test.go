package http_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	alexhttp "github.com/alex-advisor/alex/http"
	"github.com/alex-advisor/alex/queue"
	"github.com/alex-advisor/alex/queue/redistest"
)

// withRateLimit limits mutations to perMinute per user, counted in the
// Redis of q.
func withRateLimit(q *queue.Queue, perMinute int) apiOption {
	return withConfig(func(c *alexhttp.Config) {
		c.Queue = q
		c.RateLimitPerMinute = perMinute
	})
}

func openQueue(t testing.TB, redis *redistest.Server) *queue.Queue {
	t.Helper()
	q, err := queue.Open(redis.URL())
	require.NoError(t, err)
	t.Cleanup(func() { q.Close() })
	return q
}

func newAccount(name string) map[string]any {
	return map[string]any{"account_name": name, "cash_balance": 10}
}

// requireRateLimited requires a 429 problem whose Retry-After is a whole
// number of seconds within the time one request's allowance takes to come
// back (a minute over the limit).
func requireRateLimited(t testing.TB, resp *http.Response, raw []byte, perMinute int) {
	t.Helper()
	requireProblem(t, resp, raw, http.StatusTooManyRequests)
	retryAfter, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	require.NoError(t, err, "Retry-After %q", resp.Header.Get("Retry-After"))
	assert.GreaterOrEqual(t, retryAfter, 1)
	assert.LessOrEqual(t, retryAfter, 60/perMinute)
}

func TestRateLimitHoldsEachUserToTheirMutations(t *testing.T) {
	t.Parallel()
	const limit = 3
	api := newTestAPI(t, withRateLimit(openQueue(t, redistest.Start(t)), limit))
	alice, bob := api.token(t, "user_rl_alice"), api.token(t, "user_rl_bob")

	first := api.createAccount(t, alice, newAccount("One"))
	api.createAccount(t, alice, newAccount("Two"))
	api.createAccount(t, alice, newAccount("Three"))

	resp, raw := api.do(t, http.MethodPost, "/api/v1/accounts", alice, newAccount("Four"))
	requireRateLimited(t, resp, raw, limit)
	resp, raw = api.do(t, http.MethodPost, "/api/accounts", alice, newAccount("Four"))
	requireRateLimited(t, resp, raw, limit) // the unversioned alias shares the allowance
	resp, raw = api.do(t, http.MethodPut, "/api/v1/accounts/"+first.ID, alice, map[string]any{"account_name": "Renamed"})
	requireRateLimited(t, resp, raw, limit)
	resp, raw = api.do(t, http.MethodDelete, "/api/v1/accounts/"+first.ID, alice, nil)
	requireRateLimited(t, resp, raw, limit)

	assert.Len(t, api.accounts(t, alice), 3, "reads are not limited, and no refused change happened")
	api.createAccount(t, bob, newAccount("Bob's")) // another user has an allowance of their own
}

// Two API replicas on one Redis share each user's allowance.
func TestRateLimitHoldsAcrossReplicas(t *testing.T) {
	t.Parallel()
	const limit = 2
	redis := redistest.Start(t)
	one := newTestAPI(t, withRateLimit(openQueue(t, redis), limit))
	two := newTestAPI(t, withStore(one.store), withRateLimit(openQueue(t, redis), limit),
		withConfig(func(c *alexhttp.Config) { c.Verifier = one.verifier }))
	tok := one.token(t, "user_rl_replicas")

	one.createAccount(t, tok, newAccount("On one"))
	two.createAccount(t, tok, newAccount("On two"))
	resp, raw := two.do(t, http.MethodPost, "/api/v1/accounts", tok, newAccount("Over"))
	requireRateLimited(t, resp, raw, limit)
	resp, raw = one.do(t, http.MethodPost, "/api/v1/accounts", tok, newAccount("Over"))
	requireRateLimited(t, resp, raw, limit)
}

// Without Redis the limit cannot be counted; changes go through rather
// than fail.
func TestRateLimitFailsOpenWhenRedisIsDown(t *testing.T) {
	t.Parallel()
	redis := redistest.Start(t)
	api := newTestAPI(t, withRateLimit(openQueue(t, redis), 1))
	tok := api.token(t, "user_rl_outage")
	api.createAccount(t, tok, newAccount("Before"))

	redis.Stop()
	api.createAccount(t, tok, newAccount("During one"))
	api.createAccount(t, tok, newAccount("During two"))
	assert.Len(t, api.accounts(t, tok), 3)
}

// Registering and logging in are not counted: they have no user yet.
func TestRateLimitLeavesAuthRoutesAlone(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, localMode(), withRateLimit(openQueue(t, redistest.Start(t)), 1))
	body := map[string]any{"email": "rl@example.com", "password": "correct horse battery"}
	resp, raw := api.do(t, http.MethodPost, "/api/v1/auth/register", "", body)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", raw)
	for range 3 {
		resp, raw = api.do(t, http.MethodPost, "/api/v1/auth/login", "", body)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)
	}
}

// The OpenAPI document tells clients which operations may answer 429.
func TestRateLimitIsDocumented(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, withRateLimit(openQueue(t, redistest.Start(t)), 10))
	resp, raw := api.do(t, http.MethodGet, "/openapi.json", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]any `json:"responses"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	assert.Contains(t, doc.Paths["/api/v1/accounts"]["post"].Responses, "429")
	assert.NotContains(t, doc.Paths["/api/v1/accounts"]["get"].Responses, "429", "reads are not limited")
	assert.Contains(t, doc.Paths["/api/v1/auth/login"]["post"].Responses, "429", "sign-ins have limits of their own")
}
