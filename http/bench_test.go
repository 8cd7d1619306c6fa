package http_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/alex-advisor/alex/store"
)

// BenchmarkAuthMiddleware measures bearer-token verification: the Verifier
// alone (keys cached after the first fetch), and through the router on a
// route that needs nothing but the token (an unknown /api route answers 404
// after authentication), next to the unauthenticated baseline and a rejected
// token.
func BenchmarkAuthMiddleware(b *testing.B) {
	api := newTestAPI(b)
	tok := api.token(b, "user_bench")
	ctx := context.Background()
	if _, err := api.verifier.Verify(ctx, tok); err != nil {
		b.Fatal(err)
	}

	b.Run("Verifier", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := api.verifier.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	route := func(name, path, token string, status int) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				resp, raw := api.do(b, http.MethodGet, path, token, nil)
				if resp.StatusCode != status {
					b.Fatalf("GET %s: %d %s", path, resp.StatusCode, raw)
				}
			}
		})
	}
	route("Router/Health-NoAuth", "/health", "", http.StatusOK)
	route("Router/Authenticated", "/api/v1/no-such-route", tok, http.StatusNotFound)
	route("Router/Rejected", "/api/v1/no-such-route", tok[:len(tok)-4]+"AAAA", http.StatusUnauthorized)
}

// BenchmarkListAccounts is GET /api/v1/accounts through the router for a user
// with three accounts: token check, one indexed query, JSON.
func BenchmarkListAccounts(b *testing.B) {
	api := newTestAPI(b)
	tok := api.token(b, "user_bench")
	for _, name := range []string{"401k", "Roth IRA", "Brokerage"} {
		api.createAccount(b, tok, map[string]any{"account_name": name, "cash_balance": 1000})
	}
	if got := api.accounts(b, tok); len(got) != 3 {
		b.Fatalf("want 3 accounts, got %d", len(got))
	}
	b.ReportAllocs()
	for b.Loop() {
		resp, raw := api.do(b, http.MethodGet, "/api/v1/accounts", tok, nil)
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("%d %s", resp.StatusCode, raw)
		}
	}
}

// BenchmarkGetPendingJob is GET /api/v1/jobs/{id} through the router for a
// job no worker has taken: what a frontend polling a new job costs, the job
// and its stages read on every request.
func BenchmarkGetPendingJob(b *testing.B) {
	api := newTestAPI(b)
	tok := api.token(b, "user_bench")
	api.createAccount(b, tok, map[string]any{"account_name": "401k", "cash_balance": 1000}) // and the user
	job, _, _, err := api.store.CreateJob(context.Background(), store.NewJob{UserID: "user_bench", JobType: "portfolio_analysis", MaxActive: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		resp, raw := api.do(b, http.MethodGet, "/api/v1/jobs/"+job.ID, tok, nil)
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("%d %s", resp.StatusCode, raw)
		}
	}
}
