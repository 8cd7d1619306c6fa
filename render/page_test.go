package render

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the current output")

// checkGolden compares got with testdata/<name>.golden, or rewrites it
// with -update. Open the .html goldens in a browser to look at them.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create it")
	if !bytes.Equal(want, got) {
		w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
		for i := range min(len(w), len(g)) {
			if w[i] != g[i] {
				t.Fatalf("%s is out of date at line %d (run go test -update and review the diff):\n  want: %s\n  got:  %s", path, i+1, w[i], g[i])
			}
		}
		t.Fatalf("%s is out of date: %d lines, want %d (run go test -update)", path, len(g), len(w))
	}
}

func mustPage(t *testing.T, j Job, opts Options) string {
	t.Helper()
	page, err := Page(j, opts)
	require.NoError(t, err)
	return string(page)
}

func TestGoldenPages(t *testing.T) {
	failed := Job{ID: "0d5f2c3e-8a41-4b7e-9c1d-2e3f4a5b6c7d", Status: "failed", CreatedAt: testNow,
		ErrorMessage: "The retirement projection could not be completed. It took too long; please try again.",
		Stages:       stages("completed", "completed", "completed", "failed", "cancelled")}
	failed.Stages[3].Error = "It took too long; please try again."
	cases := []struct {
		name string
		job  Job
		opts Options
	}{
		{"completed_usd", completedJob(t, demoPortfolio()), Options{}},
		{"completed_eur_shared", completedJob(t, euroPortfolio()), Options{SharedUntil: testNow.Add(7 * 24 * time.Hour)}},
		{"running", Job{ID: "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b", Status: "running", CreatedAt: testNow,
			Stages: stages("completed", "completed", "running", "pending", "pending")}, Options{}},
		{"failed", failed, Options{}},
		{"cancelled", Job{ID: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", Status: "cancelled", CreatedAt: testNow,
			Stages: stages("completed", "cancelled", "cancelled", "cancelled", "cancelled")}, Options{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkGolden(t, tc.name+".html", []byte(mustPage(t, tc.job, tc.opts)))
		})
	}
	t.Run("not_found", func(t *testing.T) { checkGolden(t, "not_found.html", NotFound()) })
}

// Every chart of the payload is drawn: a slice or bar per value, its name
// and value in the page, and the projection in nominal and real terms.
func TestCompletedPageDrawsEveryChart(t *testing.T) {
	j := completedJob(t, demoPortfolio())
	page := mustPage(t, j, Options{})
	p, err := decodePayloads(j)
	require.NoError(t, err)

	require.Equal(t, 5, strings.Count(page, "<svg")-2, "five charts and two projections")
	for _, c := range chartViews(p.charts) {
		require.Contains(t, page, ">"+c.Title+"</h3>")
	}
	pies := len(p.charts.AssetClassDistribution.Data) + len(p.charts.SectorBreakdown.Data) + len(p.charts.AccountTypes.Data)
	require.Equal(t, pies, strings.Count(page, `class="slice"`))
	bars := len(p.charts.GeographicExposure.Data) + len(p.charts.TopHoldings.Data)
	require.Equal(t, bars, strings.Count(page, `class="bar"`))
	for _, sl := range p.charts.TopHoldings.Data {
		require.Contains(t, page, `text-anchor="end">`+sl.Name+"</text>")
	}
	require.Contains(t, page, "401k Long-term")
	require.Equal(t, 2, strings.Count(page, `class="band"`))
	require.Equal(t, 2, strings.Count(page, `class="median"`))
	require.Contains(t, page, `id="portfolio-value">$206,545.75<`)
	require.NotContains(t, page, `http-equiv="refresh"`, "a finished job does not reload")
	require.NotContains(t, page, "<script")
}

func TestUnfinishedPagesRefreshAndFinishedOnesSaySo(t *testing.T) {
	running := mustPage(t, Job{ID: "x", Status: "pending", CreatedAt: testNow, Stages: stages("pending", "pending", "pending", "pending", "pending")}, Options{})
	require.Contains(t, running, `<meta http-equiv="refresh" content="3">`)
	require.Contains(t, running, "Waiting to start")

	failed := mustPage(t, Job{ID: "x", Status: "failed", CreatedAt: testNow, ErrorMessage: "The charts could not be drawn."}, Options{})
	require.Contains(t, failed, "The charts could not be drawn.")
	require.NotContains(t, failed, "refresh")

	cancelled := mustPage(t, Job{ID: "x", Status: "cancelled", CreatedAt: testNow}, Options{})
	require.Contains(t, cancelled, "The analysis was cancelled")
}

func TestEuroPageShowsRatesWarningsAndEuros(t *testing.T) {
	page := mustPage(t, completedJob(t, euroPortfolio()), Options{})
	require.Contains(t, page, "1 INR = 0.011331 EUR")
	require.Contains(t, page, "2026-11-20 <span class=\"badge stale\">not today's</span>")
	require.Contains(t, page, "XYZ has no price")
	require.Regexp(t, `id="portfolio-value">€[0-9,]+\.[0-9]{2}<`, page)
}

// The narrative may come from an LLM: nothing in it runs, frames, submits
// or loads from elsewhere.
func TestHostileMarkdownIsDefused(t *testing.T) {
	j := completedJob(t, demoPortfolio())
	hostile := "# Hi\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n" +
		"[click](javascript:alert(3)) [data](data:text/html;base64,PHNjcmlwdD4=) [vb](vbscript:msgbox)\n\n" +
		"![tracker](https://evil.example/pixel.png)\n\n<iframe src=\"https://evil.example\"></iframe>\n\n" +
		"<a href=\"https://ok.example\" onclick=\"steal()\">ok</a>\n\n<div style=\"background:url(https://evil.example/x)\">styled</div>\n\n" +
		"<form action=\"https://evil.example\"><input name=p></form>\n\n<svg><script>alert(4)</script></svg>\n\n" +
		"<object data=\"x.swf\"></object><embed src=\"x\"><link rel=stylesheet href=\"https://evil.example/s.css\">\n\n" +
		"<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">\n\n" +
		"| a | b |\n|---|--:|\n| <b onmouseover=x>1</b> | 2 |\n\n[fine](https://example.com/page)\n"
	j.Report = []byte(`{"content":` + string(mustJSON(t, hostile)) + `,"currency":"USD","rates":[],"generated_at":"2026-11-23T14:30:00Z","agent":"reporter+llm"}`)
	page := mustPage(t, j, Options{})
	report := page[strings.Index(page, `id="report"`):]
	// What is left of a dropped tag's content is text, escaped.
	for _, bad := range []string{"<script", "<img", "<svg", "onerror", "onclick", "onmouseover", "javascript:", "vbscript:",
		"data:text", "<iframe", "evil.example", "<form", "<input", "<object", "<embed", "<link", "http-equiv", "style="} {
		require.NotContains(t, report, bad)
	}
	require.Regexp(t, regexp.MustCompile(`<a href="https://example.com/page" rel="nofollow noreferrer noopener" target="_blank">fine</a>`), report)
	require.Contains(t, report, `<td align="right">2</td>`, "GFM tables with their alignment")
	require.Contains(t, report, "<h2>Hi</h2>", "headings one level below the page's own")
}

func TestMoney(t *testing.T) {
	for _, tc := range []struct {
		x        float64
		currency string
		want     string
	}{
		{1234567.891, "USD", "$1,234,567.89"},
		{-12.5, "USD", "-$12.50"},
		{0.004, "USD", "$0.00"},
		{1234.5, "EUR", "€1,234.50"},
		{300000, "INR", "₹300,000.00"},
		{1234.5, "CAD", "CA$1,234.50"},
		{1234.5, "CHF", "1,234.50 CHF"},
		{1234.5, "JPY", "¥1,235"},
	} {
		require.Equal(t, tc.want, money(tc.x, tc.currency), "%v %s", tc.x, tc.currency)
	}
	require.Equal(t, "$120k", compactMoney(120000, "USD"))
	require.Equal(t, "€1.5M", compactMoney(1.5e6, "EUR"))
	require.Equal(t, "2.3M CHF", compactMoney(2.3e6, "CHF"))
	require.Equal(t, "12.3%", percent(12.345))
	require.Equal(t, "0.0%", percent(-0.01))
}

func TestNiceTicks(t *testing.T) {
	require.Equal(t, []float64{0, 25000, 50000, 75000, 100000}, niceTicks(93000))
	require.Equal(t, []float64{0, 1}, niceTicks(0))
	ticks := niceTicks(1.23e6)
	require.GreaterOrEqual(t, ticks[len(ticks)-1], 1.23e6)
	require.LessOrEqual(t, len(ticks), 6)
}

func TestPayloadColorsCannotEscape(t *testing.T) {
	j := completedJob(t, demoPortfolio())
	j.Charts = bytes.Replace(j.Charts, []byte(`"color":"#`), []byte(`"color":"\"/><script>x</script><x a=\"#`), 1)
	page := mustPage(t, j, Options{})
	require.NotContains(t, page, "<script>x")
	require.Contains(t, page, fallbackColor)
}

// BenchmarkCompletedPage is the cost of one report page of the demo
// portfolio: decoding the payloads, the markdown and the SVG.
func BenchmarkCompletedPage(b *testing.B) {
	j := completedJob(b, demoPortfolio())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Page(j, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
