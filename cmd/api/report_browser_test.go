package main

import (
	"bytes"
	"flag"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex/internal/browsertest"
)

// reportScreenshot, when set, is where the test writes the screenshot of the
// demo portfolio's report: go test ./cmd/api -run TestReportPageInABrowser -screenshot ../../docs/report.png
var reportScreenshot = flag.String("screenshot", "", "write a PNG of the report page of the demo portfolio to this file")

// The report of the demo portfolio, analysed by the whole service in one
// process, as a person sees it in Chromium with the network cut: every
// chart drawn, nothing fetched from elsewhere, no console error; it prints
// to PDF; its share link works logged out until it is revoked.
func TestReportPageInABrowser(t *testing.T) {
	api := startAPI(t, t.TempDir())
	base := api.base
	var registered struct{ Token string }
	call(t, "POST", base+"/api/v1/auth/register", "", `{"email":"reader@example.com","password":"choose-a-password","display_name":"Rea Der"}`, http.StatusCreated, &registered)
	tok := registered.Token
	call(t, "POST", base+"/api/v1/populate-test-data", tok, "", http.StatusCreated, nil)
	var submitted struct {
		JobID string `json:"job_id"`
	}
	call(t, "POST", base+"/api/v1/analyze", tok, `{"analysis_type":"portfolio"}`, http.StatusAccepted, &submitted)
	events := streamEvents(t, base+"/api/v1/jobs/"+submitted.JobID+"/events", tok)
	require.Contains(t, events[len(events)-1], `"status":"completed"`)
	var shared struct {
		URL string `json:"url"`
	}
	call(t, "POST", base+"/api/v1/jobs/"+submitted.JobID+"/share", tok, `{"expires_in":3600}`, http.StatusCreated, &shared)
	require.True(t, strings.HasPrefix(shared.URL, base+"/r/"), shared.URL)

	page := browsertest.New(t)
	page.Do(chromedp.EmulateViewport(1200, 900))

	t.Run("share link, logged out", func(t *testing.T) {
		page.Do(chromedp.Navigate(shared.URL), chromedp.WaitVisible(chromedp.CSS("svg")))
		requireEveryChart(t, page)
		text := browsertest.Run(page, chromedp.Text(chromedp.CSS("body")))
		for _, who := range []string{"reader@example.com", "Rea Der"} {
			require.NotContains(t, text, who, "a shared page shows nothing of its owner")
		}
		page.RequireSelfContained(base)
		if *reportScreenshot != "" {
			png := browsertest.Run(page, chromedp.FullScreenshot(100))
			require.NoError(t, os.WriteFile(*reportScreenshot, png, 0o644))
		}
	})

	t.Run("owner's page prints to PDF", func(t *testing.T) {
		_, err := chromedp.Call(page.Context(), network.SetExtraHTTPHeaders,
			network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": "Bearer " + tok}})
		require.NoError(t, err)
		page.Do(chromedp.Navigate(base+"/api/v1/jobs/"+submitted.JobID+"/report"), chromedp.WaitVisible(chromedp.CSS("svg")))
		requireEveryChart(t, page)
		pdf := browsertest.Run(page, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPrintBackground()))
		require.True(t, bytes.HasPrefix(pdf, []byte("%PDF")), "a PDF")
		require.Greater(t, len(pdf), 20_000, "with the charts in it")
		_, err = chromedp.Call(page.Context(), network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{}})
		require.NoError(t, err)
		page.RequireSelfContained(base)
	})

	t.Run("revoked share link", func(t *testing.T) {
		call(t, "DELETE", base+"/api/v1/jobs/"+submitted.JobID+"/share", tok, "", http.StatusNoContent, nil)
		page.Do(chromedp.Navigate(shared.URL), chromedp.WaitVisible(chromedp.CSS("h1")))
		require.Equal(t, "Report not found", browsertest.Run(page, chromedp.Text(chromedp.CSS("h1"))))
		require.Zero(t, browsertest.Run(page, chromedp.Evaluate[int]("document.querySelectorAll('svg').length")))
	})
}

// requireEveryChart requires the demo portfolio's five charts and the
// projection, nominal and real, with their slices, bars and labels.
func requireEveryChart(t *testing.T, page *browsertest.Page) {
	t.Helper()
	count := func(selector string) int {
		return browsertest.Run(page, chromedp.Evaluate[int]("document.querySelectorAll('"+selector+"').length"))
	}
	require.Equal(t, 7, count("svg"), "five charts and two projections")
	require.Equal(t, 3, count("svg.pie"), "asset classes, sectors and accounts")
	require.Equal(t, 1, count("svg.bar"))
	require.Equal(t, 1, count("svg.hbar"))
	require.Equal(t, 2, count("svg.fan"))
	require.Equal(t, 2, count("svg.fan polygon.band"))
	require.Equal(t, 2, count("svg.fan polyline.median"))
	require.Equal(t, 3, browsertest.Run(page, chromedp.Evaluate[int](
		`[...document.querySelectorAll('svg.pie')].filter(s => s.querySelectorAll('.slice').length > 0).length`)))
	require.Equal(t, 12, count("svg.hbar rect.bar"), "ten holdings, Other and Cash")
	labels := browsertest.Run(page, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('svg text.label')].map(t => t.textContent)`))
	for _, want := range []string{"SPY", "VTI", "North America", "Cash", "Other"} {
		require.Contains(t, labels, want)
	}
	accounts := browsertest.Run(page, chromedp.Text(chromedp.CSS("#charts")))
	for _, want := range []string{"401k Long-term", "Roth IRA", "Brokerage Account", "Asset Class Distribution", "Top Holdings"} {
		require.Contains(t, accounts, want)
	}
	value := browsertest.Run(page, chromedp.Text(chromedp.CSS("#portfolio-value")))
	require.Regexp(t, `^\$[0-9]{1,3}(,[0-9]{3})*\.[0-9]{2}$`, value)
}
