package http_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/analysis"
	alexhttp "github.com/alex-advisor/alex/http"
)

const reportCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// completeJob runs the job's stages through the store as a worker does,
// with the payloads of a small portfolio.
func (a *testAPI) completeJob(t testing.TB, jobID string) {
	t.Helper()
	ctx := context.Background()
	p := analysis.Portfolio{Currency: "USD", YearsUntilRetirement: 20, TargetRetirementIncome: 60000,
		Accounts: []analysis.Account{{ID: "a", Name: "Roth IRA", CashBalance: 2500, Positions: []analysis.Position{
			{Symbol: "SPY", Quantity: 10, Instrument: analysis.Instrument{Symbol: "SPY", Type: "etf", Price: 450.25, Currency: "USD",
				Regions: map[string]float64{"north_america": 100}, Sectors: map[string]float64{"technology": 100},
				AssetClasses: map[string]float64{"equity": 100}}},
		}}}}
	now := time.Now().UTC()
	opts := analysis.DefaultRetirementOptions()
	opts.Paths = 1000
	charts, retirement := analysis.Charts(p), analysis.Simulate(p, opts, 1, now)
	results := map[string]any{
		"planner": map[string]any{"Warnings": []analysis.Warning{}}, "charter": charts, "reporter": analysis.Report(p, now),
		"retirement": retirement, "summary": analysis.Summarize(analysis.Analyze(p), charts, retirement),
	}
	for _, st := range alex.Stages {
		attempt, err := a.store.ClaimStage(ctx, jobID, st.Name, time.Minute)
		require.NoError(t, err, st.Name)
		raw, err := json.Marshal(results[st.Name])
		require.NoError(t, err)
		_, err = a.store.CompleteStage(ctx, jobID, st.Name, attempt, raw)
		require.NoError(t, err, st.Name)
	}
}

// requireReportPage requires an HTML report page with the headers of one.
func requireReportPage(t testing.TB, resp *http.Response, raw []byte, status int) string {
	t.Helper()
	require.Equal(t, status, resp.StatusCode, "%s", raw)
	require.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	require.Equal(t, reportCSP, resp.Header.Get("Content-Security-Policy"))
	require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
	require.Equal(t, "no-referrer", resp.Header.Get("Referrer-Policy"))
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	require.Contains(t, resp.Header.Get("X-Robots-Tag"), "noindex")
	page := string(raw)
	require.True(t, strings.HasPrefix(page, "<!DOCTYPE html>"), "an HTML document")
	require.Contains(t, page, `<meta name="robots" content="noindex, nofollow">`)
	require.NotContains(t, page, "<script")
	return page
}

// requireNoIdentity requires that a page shows nothing of its owner.
func requireNoIdentity(t testing.TB, page, userID string) {
	t.Helper()
	for _, who := range []string{userID, "Name of " + userID, userID + "@example.com", "@example.com"} {
		require.NotContains(t, page, who)
	}
}

func TestReportPageOfACompletedJob(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_report")
	id := api.submitJob(t, tok)
	api.completeJob(t, id)

	for _, path := range []string{"/api/v1/jobs/" + id + "/report", "/api/jobs/" + id + "/report"} {
		resp, raw := api.do(t, http.MethodGet, path, tok, nil)
		page := requireReportPage(t, resp, raw, http.StatusOK)
		require.Equal(t, 7, strings.Count(page, "<svg"), "%s: five charts and the projection, nominal and real", path)
		require.Contains(t, page, `id="portfolio-value">$7,002.50<`)
		require.Contains(t, page, "Executive Summary")
		require.NotContains(t, page, `http-equiv="refresh"`)
		requireNoIdentity(t, page, "user_report")
	}
}

func TestReportPageOfAnUnfinishedJobRefreshes(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_pending")
	id := api.submitJob(t, tok)
	resp, raw := api.do(t, http.MethodGet, "/api/v1/jobs/"+id+"/report", tok, nil)
	page := requireReportPage(t, resp, raw, http.StatusOK)
	require.Contains(t, page, `<meta http-equiv="refresh" content="3">`)
	require.Contains(t, page, "Valuing your holdings")
}

func TestReportPageIsTheOwnersOnly(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	id := api.submitJob(t, api.token(t, "user_owner"))
	resp, raw := api.do(t, http.MethodGet, "/api/v1/jobs/"+id+"/report", api.token(t, "user_other"), nil)
	requireProblem(t, resp, raw, http.StatusNotFound)
	require.NotContains(t, string(raw), "user_owner")
	resp, raw = api.do(t, http.MethodGet, "/api/v1/jobs/"+id+"/report", "", nil)
	requireProblem(t, resp, raw, http.StatusUnauthorized)
	resp, raw = api.do(t, http.MethodGet, "/api/v1/jobs/not-a-uuid/report", api.token(t, "user_owner"), nil)
	require.Contains(t, []int{http.StatusNotFound, http.StatusUnprocessableEntity}, resp.StatusCode, "%s", raw)
}

type shareJSON struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

var shareURL = regexp.MustCompile(`^http://example\.com/r/([A-Za-z0-9_-]{22})$`)

func TestShareLinkShowsTheReportUntilRevoked(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_sharer")
	id := api.submitJob(t, tok)
	api.completeJob(t, id)

	resp, raw := api.do(t, http.MethodPost, "/api/v1/jobs/"+id+"/share", tok, map[string]any{})
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", raw)
	requireKeys(t, object(t, raw), "url", "expires_at")
	link := decodeStrict[shareJSON](t, raw)
	require.WithinDuration(t, time.Now().Add(7*24*time.Hour), link.ExpiresAt, time.Minute, "a week by default")
	m := shareURL.FindStringSubmatch(link.URL)
	require.NotNil(t, m, "an absolute link on the request's origin with a 128-bit token: %s", link.URL)
	path := "/r/" + m[1]

	resp, raw = api.do(t, http.MethodGet, path, "", nil)
	page := requireReportPage(t, resp, raw, http.StatusOK)
	require.Contains(t, page, "A read-only copy shared by its owner")
	require.Equal(t, 7, strings.Count(page, "<svg"))
	requireNoIdentity(t, page, "user_sharer")

	second := mustDo[shareJSON](t, api, http.MethodPost, "/api/jobs/"+id+"/share", tok, map[string]any{"expires_in": 60}, http.StatusCreated)
	require.WithinDuration(t, time.Now().Add(time.Minute), second.ExpiresAt, 5*time.Second)
	require.NotEqual(t, link.URL, second.URL, "every link has its own token")

	resp, raw = api.do(t, http.MethodDelete, "/api/v1/jobs/"+id+"/share", tok, nil)
	require.Equal(t, http.StatusNoContent, resp.StatusCode, "%s", raw)
	require.Empty(t, raw)
	for _, p := range []string{path, strings.TrimPrefix(second.URL, "http://example.com")} {
		resp, raw = api.do(t, http.MethodGet, p, "", nil)
		page = requireReportPage(t, resp, raw, http.StatusNotFound)
		require.Contains(t, page, "Report not found", "a revoked link answers 404 at once")
	}
}

func TestShareLinkValidationAndOwnership(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_v")
	id := api.submitJob(t, tok)
	for _, body := range []any{
		map[string]any{"expires_in": 0}, map[string]any{"expires_in": -5}, map[string]any{"expires_in": 30*24*3600 + 1},
		map[string]any{"expires_in": "a day"}, map[string]any{"expires_in": 60, "password": "x"},
	} {
		resp, raw := api.do(t, http.MethodPost, "/api/v1/jobs/"+id+"/share", tok, body)
		requireProblem(t, resp, raw, http.StatusUnprocessableEntity)
	}
	month := mustDo[shareJSON](t, api, http.MethodPost, "/api/v1/jobs/"+id+"/share", tok, map[string]any{"expires_in": 30 * 24 * 3600}, http.StatusCreated)
	require.WithinDuration(t, time.Now().Add(30*24*time.Hour), month.ExpiresAt, time.Minute)
	resp, raw := api.do(t, http.MethodPost, "/api/v1/jobs/"+id+"/share", tok, nil)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "no body is the default: %s", raw)

	other := api.token(t, "user_w")
	resp, raw = api.do(t, http.MethodPost, "/api/v1/jobs/"+id+"/share", other, map[string]any{})
	requireProblem(t, resp, raw, http.StatusNotFound)
	resp, raw = api.do(t, http.MethodDelete, "/api/v1/jobs/"+id+"/share", other, nil)
	requireProblem(t, resp, raw, http.StatusNotFound)
	resp, raw = api.do(t, http.MethodPost, "/api/v1/jobs/"+unknownUUID+"/share", tok, map[string]any{})
	requireProblem(t, resp, raw, http.StatusNotFound)
	resp, raw = api.do(t, http.MethodPost, "/api/v1/jobs/"+id+"/share", "", map[string]any{})
	requireProblem(t, resp, raw, http.StatusUnauthorized)
}

func TestShareLinkExpiresAndUnknownLinksAnswer404(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_x")
	id := api.submitJob(t, tok)
	// An expired link, written as the clock would have left it.
	require.NoError(t, api.store.CreateShareLink(context.Background(), "user_x", id, "expired-token", time.Now().Add(-time.Second)))
	for _, path := range []string{"/r/expired-token", "/r/unknown-token", "/r/" + strings.Repeat("x", 300)} {
		resp, raw := api.do(t, http.MethodGet, path, "", nil)
		page := requireReportPage(t, resp, raw, http.StatusNotFound)
		require.Contains(t, page, "Report not found")
	}
}

func TestShareLinkUsesPublicURL(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, withConfig(func(c *alexhttp.Config) { c.PublicURL = "https://alex.example.org/" }))
	tok := api.token(t, "user_p")
	id := api.submitJob(t, tok)
	link := mustDo[shareJSON](t, api, http.MethodPost, "/api/v1/jobs/"+id+"/share", tok, map[string]any{}, http.StatusCreated)
	require.Regexp(t, `^https://alex\.example\.org/r/[A-Za-z0-9_-]{22}$`, link.URL)
}

func TestReportRoutesAreInTheOpenAPI(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	var doc struct {
		Paths map[string]map[string]struct {
			Security  []any                     `json:"security"`
			Responses map[string]map[string]any `json:"responses"`
		} `json:"paths"`
	}
	_, raw := api.do(t, http.MethodGet, "/openapi.json", "", nil)
	require.NoError(t, json.Unmarshal(raw, &doc))
	report := doc.Paths["/api/v1/jobs/{id}/report"]["get"]
	require.NotNil(t, report.Security)
	require.Contains(t, jsonString(t, report.Responses["200"]), `"text/html"`)
	require.Contains(t, doc.Paths["/api/v1/jobs/{id}/share"], "post")
	require.Contains(t, doc.Paths["/api/v1/jobs/{id}/share"], "delete")
	shared := doc.Paths["/r/{token}"]["get"]
	require.Nil(t, shared.Security, "a share link needs no login")
	require.Contains(t, jsonString(t, shared.Responses["404"]), `"text/html"`)
}
