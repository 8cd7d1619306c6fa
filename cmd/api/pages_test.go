package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex/internal/browsertest"
)

// screenshot keeps a PNG of the tab when ALEX_SCREENSHOTS names a directory:
// how a person checks that a page still looks right.
func screenshot(t *testing.T, page *browsertest.Page, name string) {
	t.Helper()
	dir := os.Getenv("ALEX_SCREENSHOTS")
	if dir == "" {
		return
	}
	png := browsertest.Run(page, chromedp.FullScreenshot(100)) // 100: a PNG
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644))
}

// /docs renders the operations list from the binary's own assets: the
// browser's network is cut but for loopback, and the page asks no other host.
func TestDocsRenderOfflineFromEmbeddedAssets(t *testing.T) {
	api := startAPI(t, t.TempDir())
	var spec struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	call(t, "GET", api.base+"/openapi.json", "", "", http.StatusOK, &spec)
	operations := 0
	for _, methods := range spec.Paths {
		operations += len(methods)
	}

	page := browsertest.New(t)
	page.Do(
		chromedp.Navigate(api.base+"/docs"),
		chromedp.WaitVisible(chromedp.CSS(".opblock-summary-path")),
	)
	paths := browsertest.Run(page, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll(".opblock-summary-path")].map(e => e.dataset.path || e.textContent)`))
	require.Contains(t, paths, "/api/v1/analyze")
	require.Contains(t, paths, "/api/v1/jobs/{id}/events")
	require.Len(t, paths, operations, "every operation of /openapi.json is listed")
	title := browsertest.Run(page, chromedp.Text(chromedp.CSS(".info .title")))
	require.Contains(t, title, "Alex API")
	page.RequireSelfContained(api.base)
	screenshot(t, page, "docs")
}

// The home page from sign-up to an open report, as a self-hoster uses it.
func TestHomePageFromSignUpToReport(t *testing.T) {
	api := startAPI(t, t.TempDir())
	page := browsertest.New(t)
	page.Do(chromedp.Navigate(api.base+"/"), chromedp.WaitVisible(chromedp.CSS("#signup")))
	screenshot(t, page, "home-signin")

	page.Do(
		chromedp.SendKeys(chromedp.CSS("#signup-email"), "me@example.com"),
		chromedp.SendKeys(chromedp.CSS("#signup-password"), "choose-a-password"),
		chromedp.SendKeys(chromedp.CSS("#signup-name"), "Robin"),
		chromedp.Click(chromedp.CSS("#signup button")),
		chromedp.WaitVisible(chromedp.CSS("#populate")),
	)
	require.Equal(t, "Hello, Robin", browsertest.Run(page, chromedp.Text(chromedp.CSS("h1"))))

	// The sample accounts, with positions valued in their currency.
	page.Do(
		chromedp.Click(chromedp.CSS("#populate")),
		chromedp.WaitVisible(chromedp.CSS(`[data-account="401k Long-term"]`)),
	)
	k401 := browsertest.Run(page, chromedp.Text(chromedp.CSS(`[data-account="401k Long-term"]`)))
	require.Contains(t, k401, "SPY")
	require.Contains(t, k401, "5,000.00 USD", "the cash")
	require.Regexp(t, `[\d,]+\.\d\d USD`, k401)

	// A new account, and a position in it (the newest account is first in the list).
	page.Do(
		chromedp.SendKeys(chromedp.CSS("#account-name"), "Savings"),
		chromedp.Clear(chromedp.CSS("#account-cash")),
		chromedp.SendKeys(chromedp.CSS("#account-cash"), "1000"),
		chromedp.Click(chromedp.CSS("#add-account button")),
		chromedp.WaitVisible(chromedp.CSS(`[data-account="Savings"]`)),
		chromedp.SendKeys(chromedp.CSS("#position-symbol"), "vti"),
		chromedp.SendKeys(chromedp.CSS("#position-quantity"), "3"),
		chromedp.Click(chromedp.CSS("#add-position button")),
		chromedp.WaitVisible(chromedp.CSS(`[data-account="Savings"] td.symbol`)),
	)
	savings := browsertest.Run(page, chromedp.Text(chromedp.CSS(`[data-account="Savings"]`)))
	require.Contains(t, savings, "VTI")
	require.Contains(t, savings, "1,000.00 USD")

	// A refused change says why, in the API's words.
	page.Do(
		chromedp.SendKeys(chromedp.CSS("#position-symbol"), "VTI"),
		chromedp.SendKeys(chromedp.CSS("#position-quantity"), "-1"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#position-quantity").removeAttribute("min")`),
		chromedp.Click(chromedp.CSS("#add-position button")),
		chromedp.WaitVisible(chromedp.CSS("#error")),
	)
	require.Contains(t, browsertest.Run(page, chromedp.Text(chromedp.CSS("#error"))), "quantity")

	// Fund units from the bundled AMFI sample.
	page.Do(
		chromedp.Click(chromedp.CSS("#funds form.inline button")),
		chromedp.WaitVisible(chromedp.CSS(`#funds form[action="/buy"] button`)),
	)
	screenshot(t, page, "home-portfolio")
	// The fund's units become a position of the account (its symbol is MF + the scheme code).
	page.Do(
		chromedp.Click(chromedp.CSS(`#funds form[action="/buy"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-account="Savings"] tr[data-symbol^="MF"]`)),
	)

	// The session cookie opens nothing but a job's report and events.
	status := browsertest.Run(page, chromedp.Evaluate[int](`fetch("/api/v1/accounts").then(r => r.status)`,
		chromedp.EvalAwaitPromise))
	require.Equal(t, http.StatusUnauthorized, status)

	// An analysis, followed on its page through the events stream.
	page.Do(
		chromedp.Click(chromedp.CSS("#analyze")),
		chromedp.WaitVisible(chromedp.CSS("#job")),
	)
	first := browsertest.Run(page, chromedp.Text(chromedp.CSS("#job-status")))
	browsertest.Run(page, chromedp.Evaluate[bool](`window.sameDocument = true`))
	page.Do(chromedp.WaitVisible(chromedp.CSS("#report-link")))
	if first != "completed" {
		require.True(t, browsertest.Run(page, chromedp.Evaluate[bool](`window.sameDocument === true`)),
			"the page followed the job from %s to completed without reloading", first)
	}
	stages := browsertest.Run(page, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll("[data-stage]")].map(e => e.dataset.stage + " " + e.querySelector(".status").textContent)`))
	require.Equal(t, []string{"planner completed", "charter completed", "reporter completed",
		"retirement completed", "summary completed"}, sortStages(stages))
	require.Equal(t, "completed", browsertest.Run(page, chromedp.Text(chromedp.CSS("#job-status"))))
	screenshot(t, page, "home-job")
	page.RequireSelfContained(api.base)

	href := browsertest.Run(page, chromedp.AttributeValue(chromedp.CSS("#report-link"), "href"))
	require.Regexp(t, `^/api/v1/jobs/[0-9a-f-]{36}/report$`, href.Value)
	res := browsertest.Run(page, chromedp.NavigateResponse(api.base+href.Value))
	require.Equal(t, http.StatusOK, int(res.Status), "the session cookie opens the report")
	page.Do(chromedp.WaitVisible(chromedp.CSS("svg")))
	require.Positive(t, browsertest.Run(page, chromedp.Evaluate[int](`document.querySelectorAll("svg").length`)))
	page.RequireSelfContained(api.base)

	// Logging out ends the session.
	page.Do(
		chromedp.Navigate(api.base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#logout")),
		chromedp.Click(chromedp.CSS("#logout")),
		chromedp.WaitVisible(chromedp.CSS("#login")),
	)
	res = browsertest.Run(page, chromedp.NavigateResponse(api.base+href.Value))
	require.Equal(t, http.StatusUnauthorized, int(res.Status), "after logout the report needs a login")
}

// sortStages orders the stages as they run, whatever the page's order.
func sortStages(rows []string) []string {
	order := []string{"planner", "charter", "reporter", "retirement", "summary"}
	out := make([]string, 0, len(rows))
	for _, name := range order {
		for _, r := range rows {
			if strings.HasPrefix(r, name+" ") {
				out = append(out, r)
			}
		}
	}
	return append(out, rows[len(out):]...)
}
