// Package render writes the pages a person reads: the report of an
// analysis job as one self-contained HTML document (inline CSS, charts as
// inline SVG drawn here, no script, nothing fetched from anywhere), and the
// small page of a link that leads nowhere. Payloads in, HTML out, no I/O.
//
// It may import alex, analysis and display; it does no I/O.
package render

import (
	"bytes"
	"cmp"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/analysis"
)

// Job is what the report page of a job shows. The payloads are the job's
// columns as stored (JSON, empty until their stage completed); the owner's
// identity is not part of it, so no page can show it.
type Job struct {
	ID           string
	Status       string // pending, running, completed, failed or cancelled
	Stages       []Stage
	ErrorMessage string // a sentence for a person
	CreatedAt    time.Time
	CompletedAt  *time.Time
	Charts       []byte // charts_payload
	Report       []byte // report_payload
	Retirement   []byte // retirement_payload
	Summary      []byte // summary_payload
	Warnings     []byte // warnings
}

// Stage is one stage of the job.
type Stage struct {
	Name, Status string
	Error        string // a sentence for a person, or ""
}

// Options change how a page is shown.
type Options struct {
	// SharedUntil, when set, marks the page as read through a share link
	// that stops working at that time.
	SharedUntil time.Time
}

// RefreshSeconds is how often the page of an unfinished job reloads itself.
const RefreshSeconds = 3

var (
	//go:embed page.html.tmpl
	pageSource string
	//go:embed style.css
	style string

	pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
		"stageName": stageName,
		"day":       func(t time.Time) string { return t.UTC().Format("January 2, 2006") },
		"stamp":     func(t time.Time) string { return t.UTC().Format("January 2, 2006 15:04 UTC") },
	}).Parse(pageSource))
)

// Page renders the report page of a job.
func Page(j Job, opts Options) ([]byte, error) {
	v, err := viewOf(j, opts)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := pageTemplate.ExecuteTemplate(&buf, "page", v); err != nil {
		return nil, fmt.Errorf("render page of job %s: %w", j.ID, err)
	}
	return buf.Bytes(), nil
}

// NotFound is the page of a link that leads to no report: unknown,
// revoked or expired all look the same, so a link tells nothing.
func NotFound() []byte {
	var buf bytes.Buffer
	if err := pageTemplate.ExecuteTemplate(&buf, "notfound", view{Style: template.CSS(style)}); err != nil { //nolint:gosec
		panic(err) // a fixed template with no data: cannot fail at run time
	}
	return buf.Bytes()
}

// view is what the template reads.
type view struct {
	Style       template.CSS
	Title       string
	Refresh     int
	Status      string
	Job         Job
	SharedUntil *time.Time
	Progress    int
	Stages      []Stage

	Currency    string
	Value       string
	Summary     *analysis.SummaryPayload
	Warnings    []analysis.Warning
	Rates       []rateView
	Charts      []chartView
	Retirement  *retirementView
	Report      template.HTML
	GeneratedAt time.Time
}

type rateView struct {
	Text, AsOf string
	Stale      bool
}

type chartView struct {
	Title, Description, Type string
	SVG                      template.HTML
	Legend                   []legendRow
}

type legendRow struct {
	Name, Color, Value, Share string
}

type retirementView struct {
	SuccessRate, Interval string
	Nominal, Real         template.HTML
	Assumptions           []assumptionRow
	Analysis              template.HTML
}

type assumptionRow struct{ Name, Value string }

func viewOf(j Job, opts Options) (view, error) {
	v := view{Style: template.CSS(style), Status: j.Status, Job: j, Stages: j.Stages, //nolint:gosec // our own stylesheet
		Title: "Portfolio analysis of " + j.CreatedAt.UTC().Format("January 2, 2006")}
	if !opts.SharedUntil.IsZero() {
		v.SharedUntil = &opts.SharedUntil
	}
	v.Progress = progress(j.Stages)
	if !alex.Terminal(j.Status) {
		v.Refresh = RefreshSeconds
	}
	if j.Status != alex.StatusCompleted {
		return v, nil
	}
	return completedView(v, j)
}

func progress(stages []Stage) int {
	if len(stages) == 0 {
		return 0
	}
	done := 0
	for _, s := range stages {
		if s.Status == alex.StatusCompleted {
			done++
		}
	}
	return done * 100 / len(stages)
}

// payloads are a completed job's results, decoded.
type payloads struct {
	charts     analysis.ChartsPayload
	report     analysis.ReportPayload
	retirement analysis.RetirementPayload
	summary    analysis.SummaryPayload
	warnings   []analysis.Warning
}

func decodePayloads(j Job) (payloads, error) {
	var p payloads
	for _, part := range []struct {
		name string
		raw  []byte
		into any
	}{
		{"charts", j.Charts, &p.charts}, {"report", j.Report, &p.report}, {"retirement", j.Retirement, &p.retirement},
		{"summary", j.Summary, &p.summary}, {"warnings", j.Warnings, &p.warnings},
	} {
		if len(part.raw) == 0 || string(part.raw) == "null" {
			continue
		}
		if err := json.Unmarshal(part.raw, part.into); err != nil {
			return p, fmt.Errorf("decode %s payload of job %s: %w", part.name, j.ID, err)
		}
	}
	return p, nil
}

func completedView(v view, j Job) (view, error) {
	p, err := decodePayloads(j)
	if err != nil {
		return v, err
	}
	v.Currency = cmp.Or(p.charts.AssetClassDistribution.Currency, p.report.Currency, p.retirement.Currency, "USD")
	v.Value = money(chartTotal(p.charts.AssetClassDistribution), v.Currency)
	v.Summary = &p.summary
	v.Warnings = p.warnings
	v.GeneratedAt = p.report.GeneratedAt
	for _, r := range p.report.Rates {
		v.Rates = append(v.Rates, rateView{Text: fmt.Sprintf("1 %s = %s %s", r.From, rate(r.Rate), r.To), AsOf: r.AsOf, Stale: r.Stale})
	}
	v.Charts = chartViews(p.charts)
	if v.Report, err = markdownHTML(p.report.Content); err != nil {
		return v, err
	}
	if len(j.Retirement) > 0 {
		thisYear := cmp.Or(p.retirement.GeneratedAt, j.CreatedAt).UTC().Year()
		if v.Retirement, err = retirementViewOf(p.retirement, thisYear); err != nil {
			return v, err
		}
	}
	return v, nil
}

// chartViews are the charts in the order the page shows them: the round
// ones side by side, then the bars across the page.
func chartViews(c analysis.ChartsPayload) []chartView {
	charts := []analysis.Chart{c.AssetClassDistribution, c.SectorBreakdown, c.AccountTypes, c.GeographicExposure, c.TopHoldings}
	slices.SortStableFunc(charts, func(a, b analysis.Chart) int { return cmp.Compare(barRank(a.Type), barRank(b.Type)) })
	out := make([]chartView, 0, len(charts))
	for _, ch := range charts {
		if len(ch.Data) == 0 {
			continue
		}
		out = append(out, chartViewOf(ch))
	}
	return out
}

// barRank puts pies and donuts (0) before bars (1).
func barRank(chartType string) int {
	if chartType == "bar" || chartType == "horizontalBar" {
		return 1
	}
	return 0
}

func chartViewOf(c analysis.Chart) chartView {
	v := chartView{Title: c.Title, Description: c.Description, Type: c.Type}
	switch c.Type {
	case "donut":
		v.SVG = pieSVG(c, true)
	case "bar":
		v.SVG = barSVG(c)
	case "horizontalBar":
		v.SVG = horizontalBarSVG(c)
		return v // its bars carry their values
	default:
		v.SVG = pieSVG(c, false)
	}
	total := chartTotal(c)
	for _, sl := range c.Data {
		v.Legend = append(v.Legend, legendRow{Name: sl.Name, Color: colorOf(sl), Value: money(sl.Value, c.Currency),
			Share: percent(share(sl.Value, total))})
	}
	return v
}

func retirementViewOf(r analysis.RetirementPayload, thisYear int) (*retirementView, error) {
	analysisHTML, err := markdownHTML(r.Analysis)
	if err != nil {
		return nil, err
	}
	v := &retirementView{Analysis: analysisHTML}
	if r.Paths > 0 {
		v.SuccessRate = percent(r.SuccessRate)
		v.Interval = percent(r.SuccessRateInterval.Low) + "–" + percent(r.SuccessRateInterval.High)
		nominal, real := projectionBands(r, thisYear)
		v.Nominal, v.Real = fanSVG(nominal), fanSVG(real)
	}
	v.Assumptions = assumptionRows(r)
	return v, nil
}

// assumptionRows are what the simulation ran with, in words.
func assumptionRows(r analysis.RetirementPayload) []assumptionRow {
	a, c := r.Assumptions, r.Currency
	rows := []assumptionRow{
		{"Starting value", money(a.StartingValue, c)},
		{"Years until retirement", fmt.Sprint(a.YearsUntilRetirement)},
		{"Years in retirement", fmt.Sprint(a.RetirementYears)},
		{"Saved each year until retirement", money(a.AnnualContribution, c)},
		{"Target retirement income (today's money)", money(a.TargetRetirementIncome, c) + " a year"},
		{"First year's withdrawal (nominal)", money(a.FirstWithdrawal, c)},
		{"Inflation", percent(a.Inflation*100) + " a year"},
		{"Expected return", percent(a.ExpectedReturn*100) + " nominal, " + percent(a.ExpectedRealReturn*100) + " after inflation"},
		{"Volatility (standard deviation)", percent(a.Stdev*100) + " a year"},
		{"Simulated paths", groupedNumber(float64(r.Paths), 0) + fmt.Sprintf(" (seed %d)", r.Seed)},
	}
	classes := make([]string, 0, len(a.Weights))
	for class := range a.Weights {
		classes = append(classes, class)
	}
	slices.Sort(classes)
	for _, class := range classes {
		ret := a.Returns[class]
		rows = append(rows, assumptionRow{"Mix: " + className(class),
			fmt.Sprintf("%s of the portfolio, returning %s ± %s", percent(a.Weights[class]), percent(ret.Mean*100), percent(ret.StdDev*100))})
	}
	return rows
}

// stageName words a stage of the pipeline for a person.
func stageName(name string) string {
	if st, ok := alex.StageByName(name); ok {
		return st.Label
	}
	return name
}

// className words an asset class key: fixed_income → Fixed income.
func className(key string) string {
	words := strings.ReplaceAll(key, "_", " ")
	if words == "" {
		return ""
	}
	r, size := utf8.DecodeRuneInString(words)
	return string(unicode.ToUpper(r)) + words[size:]
}
