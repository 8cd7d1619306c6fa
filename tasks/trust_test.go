package tasks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/store"
	"github.com/alex-advisor/alex/tasks"
)

// What a new user sees after populate-test-data and an analysis: every
// holding priced, nothing to warn about, charts that add up to the
// portfolio's value with its cash, a report whose percentages are the charts'.
func TestDemoPortfolioIsFullyValued(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	h.startWorker(h.realStages(), tasks.WorkerOptions{})
	tok := h.token("user_demo")
	h.populate(tok)

	// The populated positions, each valued at its instrument's price.
	var value decimal.Decimal
	accounts := h.do("GET", "/api/v1/accounts", tok, nil)
	require.Equal(t, http.StatusOK, accounts.status)
	accs := []map[string]any{}
	require.NoError(t, json.Unmarshal(accounts.body, &accs))
	require.Len(t, accs, 3)
	for _, a := range accs {
		value = value.Add(decimal.NewFromFloat(a["cash_balance"].(float64)))
		res := h.do("GET", "/api/v1/accounts/"+a["id"].(string)+"/positions", tok, nil)
		for _, p := range res.json(t)["positions"].([]any) {
			pos := p.(map[string]any)
			in := pos["instrument"].(map[string]any)
			require.NotNil(t, pos["current_price"], "%s has a price", pos["symbol"])
			assert.Equal(t, "seed", in["price_source"], pos["symbol"])
			assert.Equal(t, "USD", in["currency"], pos["symbol"])
			assert.NotNil(t, in["price_as_of"], pos["symbol"])
			value = value.Add(decimal.NewFromFloat(pos["quantity"].(float64)).Mul(decimal.NewFromFloat(pos["current_price"].(float64))))
		}
	}

	id := h.submit(tok)
	require.Equal(t, alex.StatusCompleted, h.waitJob(id, 30*time.Second).Status)
	job := h.getJob(tok, id)
	assert.Empty(t, job["warnings"], "every demo holding is priced")

	total := value.Round(2).InexactFloat64()
	charts := job["charts_payload"].(map[string]any)
	for key, c := range charts {
		sum := 0.0
		for _, s := range c.(map[string]any)["data"].([]any) {
			sum += s.(map[string]any)["value"].(float64)
		}
		assert.InDelta(t, total, sum, 0.01, "%s adds up to the portfolio's value, cash included", key)
	}

	// The report's percentages of asset classes are the chart's.
	report := job["report_payload"].(map[string]any)["content"].(string)
	assert.Contains(t, report, "## Data quality")
	for _, s := range charts["asset_class_distribution"].(map[string]any)["data"].([]any) {
		slice := s.(map[string]any)
		pct := slice["value"].(float64) / total * 100
		want := strconv.FormatFloat(math.Round(pct*10)/10, 'f', 1, 64) + "%"
		row := regexp.MustCompile(`(?m)^\|\s*` + regexp.QuoteMeta(slice["name"].(string)) + `\s*\|.*$`).FindString(report)
		require.NotEmpty(t, row, "the report has a row for %s", slice["name"])
		assert.Contains(t, row, want, "%s: the report says what the chart shows", slice["name"])
	}
}

// A holding nobody can price is named, left out and never worth zero.
func TestUnpricedHoldingIsReportedNotZero(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	h.startWorker(h.realStages(), tasks.WorkerOptions{})
	tok := h.token("user_unpriced")
	acc := h.do("POST", "/api/v1/accounts", tok, map[string]any{"account_name": "Mixed", "cash_balance": 1000})
	require.Equal(t, http.StatusCreated, acc.status, "%s", acc.body)
	accID := acc.json(t)["id"].(string)
	for sym, qty := range map[string]int{"SPY": 10, "ZQXW": 50} {
		res := h.do("POST", "/api/v1/positions", tok, map[string]any{"account_id": accID, "symbol": sym, "quantity": qty})
		require.Equal(t, http.StatusCreated, res.status, "%s", res.body)
	}

	id := h.submit(tok)
	require.Equal(t, alex.StatusCompleted, h.waitJob(id, 30*time.Second).Status)
	job := h.getJob(tok, id)

	warnings := job["warnings"].([]any)
	require.Len(t, warnings, 1, "%v", warnings)
	w := warnings[0].(map[string]any)
	assert.Equal(t, "unpriced", w["code"])
	assert.Equal(t, "ZQXW", w["symbol"])
	assert.Contains(t, w["message"], "ZQXW")

	report := job["report_payload"].(map[string]any)["content"].(string)
	quality := section(report, "## Data quality")
	assert.Contains(t, quality, "ZQXW", "the Data quality section names it")
	for key, c := range job["charts_payload"].(map[string]any) {
		chart := c.(map[string]any)
		sum := 0.0
		for _, s := range chart["data"].([]any) {
			slice := s.(map[string]any)
			assert.NotEqual(t, "ZQXW", slice["name"], "%s leaves it out", key)
			sum += slice["value"].(float64)
		}
		assert.InDelta(t, 1000+10*450.25, sum, 0.01, key)
		assert.Contains(t, chart["description"], "ZQXW", "%s says it left it out", key)
	}
	assert.NotContains(t, report, "ZQXW | ", "no table row values it")
	summary := fmt.Sprint(job["summary_payload"])
	assert.Contains(t, summary, "ZQXW")
}

// A stock in yen in a dollar portfolio is converted at the ECB's rate,
// the rate is listed, and without a rate it is reported, never taken as 1.
func TestForeignHoldingIsConvertedOrReported(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	ctx := context.Background()
	tok := h.token("user_yen")
	acc := h.do("POST", "/api/v1/accounts", tok, map[string]any{"account_name": "Tokyo", "cash_balance": 0})
	require.Equal(t, http.StatusCreated, acc.status, "%s", acc.body)
	accID := acc.json(t)["id"].(string)
	res := h.do("POST", "/api/v1/positions", tok, map[string]any{"account_id": accID, "symbol": "7203T", "quantity": 100})
	require.Equal(t, http.StatusCreated, res.status, "%s", res.body)
	price := decimal.NewFromInt(3000)
	require.NoError(t, h.store.UpdateInstruments(ctx, []store.InstrumentUpdate{{Symbol: "7203T", Price: &price,
		Currency: "JPY", PriceAt: time.Now(), AsOf: time.Now(), Source: alex.PriceMarket}}))

	rates := alex.Rates{AsOf: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC),
		PerEUR: map[string]decimal.Decimal{"USD": decimal.RequireFromString("1.05"), "JPY": decimal.RequireFromString("157.5")}}
	withRates := (&tasks.Analysis{Store: h.store, Rates: func(context.Context) (alex.Rates, error) { return rates, nil }}).Stages()
	w := h.startWorker(withRates, tasks.WorkerOptions{})
	id := h.submit(tok)
	require.Equal(t, alex.StatusCompleted, h.waitJob(id, 30*time.Second).Status)
	job := h.getJob(tok, id)
	assert.Empty(t, job["warnings"])
	// 100 × ¥3,000 at 1.05/157.5 $/¥ = $2,000.00, not $300,000.
	for key, c := range job["charts_payload"].(map[string]any) {
		sum := 0.0
		for _, s := range c.(map[string]any)["data"].([]any) {
			sum += s.(map[string]any)["value"].(float64)
		}
		assert.InDelta(t, 2000, sum, 0.01, key)
	}
	report := job["report_payload"].(map[string]any)["content"].(string)
	assert.Contains(t, section(report, "## Data quality"), "2026-11-20", "the report lists the rate used and its date")
	w.Shutdown()

	// The rates source is down: the holding is named, never valued at rate 1.
	noRates := (&tasks.Analysis{Store: h.store, Rates: func(context.Context) (alex.Rates, error) {
		return alex.Rates{}, alex.Errorf(alex.EUNAVAILABLE, "No exchange rate is available right now.")
	}}).Stages()
	h.startWorker(noRates, tasks.WorkerOptions{})
	id = h.submit(tok)
	require.Equal(t, alex.StatusCompleted, h.waitJob(id, 30*time.Second).Status)
	job = h.getJob(tok, id)
	warnings := job["warnings"].([]any)
	require.Len(t, warnings, 1)
	assert.Equal(t, "no_rate", warnings[0].(map[string]any)["code"])
	assert.Equal(t, "7203T", warnings[0].(map[string]any)["symbol"])
	for key, c := range job["charts_payload"].(map[string]any) {
		assert.Empty(t, c.(map[string]any)["data"], "%s: nothing valued at a made-up rate", key)
	}
}

// Options are checked at submit, every bad field named; the accepted ones
// show in the result.
func TestAnalyzeOptionsAreAContract(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	h.startWorker(h.realStages(), tasks.WorkerOptions{})
	tok := h.token("user_options")
	h.populate(tok)

	for _, tt := range []struct {
		options  string
		location string
	}{
		{`{"paths":"many"}`, "body.options.paths"},
		{`{"bogus":1}`, "body.options.bogus"},
		{`{"inflation":1e308}`, "body.options.inflation"},
		{`{"paths":-5}`, "body.options.paths"},
		{`{"paths":100001}`, "body.options.paths"},
		{`{"returns":{"equity":{"mean":0.07,"stdev":2}}}`, "body.options.returns.equity.stdev"},
		{`{"returns":{"crypto":{"mean":0.07,"stdev":0.5}}}`, "body.options.returns.crypto"},
		{`{"years_until_retirement":101}`, "body.options.years_until_retirement"},
		{`{"target_retirement_income":-1}`, "body.options.target_retirement_income"},
	} {
		res := h.doRaw("POST", "/api/v1/analyze", tok, `{"analysis_type":"portfolio","options":`+tt.options+`}`)
		require.Equal(t, http.StatusUnprocessableEntity, res.status, "%s: %s", tt.options, res.body)
		assert.Contains(t, string(res.body), `"location":"`+tt.location, "%s: %s", tt.options, res.body)
	}
	// Every failing field at once.
	res := h.doRaw("POST", "/api/v1/analyze", tok, `{"options":{"paths":5,"inflation":0.5,"nope":true}}`)
	require.Equal(t, http.StatusUnprocessableEntity, res.status)
	for _, loc := range []string{"body.options.paths", "body.options.inflation", "body.options.nope"} {
		assert.Contains(t, string(res.body), loc)
	}
	res = h.doRaw("POST", "/api/v1/analyze", tok, `{"options":{"seed":1,"pad":"`+strings.Repeat("x", 17<<10)+`"}}`)
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.status, "the analyze body is capped at 16 KiB")

	res = h.do("POST", "/api/v1/analyze", tok, map[string]any{"options": map[string]any{
		"years_until_retirement": 5, "target_retirement_income": 80000, "paths": 2000, "seed": 7, "inflation": 0.02}})
	require.Equal(t, http.StatusAccepted, res.status, "%s", res.body)
	id := res.json(t)["job_id"].(string)
	require.Equal(t, alex.StatusCompleted, h.waitJob(id, 30*time.Second).Status)
	ret := h.getJob(tok, id)["retirement_payload"].(map[string]any)
	assumptions := ret["assumptions"].(map[string]any)
	assert.EqualValues(t, 5, assumptions["years_until_retirement"], "the option overrides the profile's 20")
	assert.EqualValues(t, 80000, assumptions["target_retirement_income"])
	assert.EqualValues(t, 2000, ret["paths"])
	assert.EqualValues(t, 7, ret["seed"])
	assert.EqualValues(t, 0.02, assumptions["inflation"])
}

// section is the markdown of one "## " section, up to the next.
func section(md, heading string) string {
	_, rest, ok := strings.Cut(md, heading)
	if !ok {
		return ""
	}
	if i := strings.Index(rest, "\n## "); i >= 0 {
		return rest[:i]
	}
	return rest
}
