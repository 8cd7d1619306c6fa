package analysis

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// sectionOf is the text of the report's ## section title, up to the next one.
func sectionOf(content, title string) string {
	_, after, ok := strings.Cut(content, "\n## "+title+"\n")
	if !ok {
		return ""
	}
	section, _, _ := strings.Cut(after, "\n## ")
	return section
}

// TestChartsOfValuedPortfolios: every chart of a portfolio with unpriced
// and converted holdings adds up to its value, cash included, shows no
// unpriced holding and says in its description which are left out.
func TestChartsOfValuedPortfolios(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 300 {
		p := randomValuedPortfolio(rng)
		unpriced := unpricedSymbols(Plan(p))
		for name, c := range chartsOf(Charts(p)) {
			checkChart(t, name, c, p.Value())
			if math.Abs(sumValues(c)-p.Value()) > 0.01 {
				t.Errorf("%s: float sum %v, value %v", name, sumValues(c), p.Value())
			}
			for _, sym := range unpriced {
				if !strings.Contains(c.Description, sym) {
					t.Errorf("%s: description %q does not name unpriced %s", name, c.Description, sym)
				}
				if slices.ContainsFunc(c.Data, func(s Slice) bool { return s.Name == sym }) && !pricedSomewhere(p, sym) {
					t.Errorf("%s: unpriced %s has a slice", name, sym)
				}
			}
			if p.Currency != "USD" && strings.Contains(c.Description, "$") {
				t.Errorf("%s: description %q in a portfolio valued in %s", name, c.Description, p.Currency)
			}
		}
		if t.Failed() {
			t.Fatalf("portfolio: %+v", p)
		}
	}
}

// pricedSomewhere reports whether sym is also held, priced, in some account.
func pricedSomewhere(p Portfolio, sym string) bool {
	for _, a := range p.Accounts {
		for _, pos := range a.Positions {
			if pos.symbol() == sym && !pos.unpriced() && pos.Value() > 0 {
				return true
			}
		}
	}
	return false
}

// TestMetricsPercentsAreSharesOfTheWhole: every percent of the metrics is
// value / whole value (cash included) × 100, the allocations add up to the
// whole, and the percents agree with the charts' values over their sum.
func TestMetricsPercentsAreSharesOfTheWhole(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range 300 {
		var p Portfolio
		if i%2 == 0 {
			p = randomValuedPortfolio(rng)
		} else {
			p = randomPortfolio(rng)
		}
		m := Analyze(p)
		charts := Charts(p)
		if math.Abs(m.Value-p.Value()) > 1e-6 {
			t.Fatalf("value %v, portfolio's %v", m.Value, p.Value())
		}
		same := func(what string, got, want float64) {
			t.Helper()
			if math.Abs(got-want) > 1e-9*max(1, math.Abs(want)) {
				t.Errorf("%s: %v, want %v", what, got, want)
			}
		}
		// A chart slice is within a cent of the exact value, so its share
		// is within a cent's share of the metrics' percent.
		centShare := percentOf(0.01, m.Value) + 1e-9
		chartPercent := func(c Chart, name string) (float64, bool) {
			i := slices.IndexFunc(c.Data, func(s Slice) bool { return s.Name == name })
			if i < 0 {
				return 0, false
			}
			return percentOf(c.Data[i].Value, sumValues(c)), true
		}
		holdings := m.Cash
		for _, h := range m.Holdings {
			same("holding "+h.Symbol, h.Percent, percentOf(h.Value, m.Value))
			holdings += h.Value
			if slices.Contains(m.Unpriced, h.Symbol) && !pricedSomewhere(p, h.Symbol) {
				t.Errorf("unpriced %s is a holding", h.Symbol)
			}
			if h.Value <= 0 {
				t.Errorf("holding %s is worth %v", h.Symbol, h.Value)
			}
		}
		for _, h := range m.Holdings[:min(topHoldingsShown, len(m.Holdings))] {
			if got, ok := chartPercent(charts.TopHoldings, h.Symbol); ok && math.Abs(got-h.Percent) > centShare {
				t.Errorf("holding %s: %v%% in the metrics, %v%% in the chart", h.Symbol, h.Percent, got)
			}
		}
		same("holdings and cash", holdings, m.Value)
		same("cash percent", m.CashPercent, percentOf(m.Cash, m.Value))
		for name, ds := range map[string][]Drift{"asset class": m.AssetClasses, "region": m.Regions} {
			sum, pct := 0.0, 0.0
			for _, d := range ds {
				same(name+" "+d.Key, d.CurrentPercent, percentOf(d.Value, m.Value))
				sum += d.Value
				pct += d.CurrentPercent
			}
			if math.Abs(sum-m.Value) > 0.01 {
				t.Errorf("%ss add up to %v, value %v", name, sum, m.Value)
			}
			if m.Value > 0 && math.Abs(pct-100) > 1e-6 {
				t.Errorf("%s percents add up to %v", name, pct)
			}
		}
		for _, d := range m.AssetClasses {
			if got, ok := chartPercent(charts.AssetClassDistribution, d.Name); ok && math.Abs(got-d.CurrentPercent) > centShare {
				t.Errorf("asset class %s: %v%% in the metrics, %v%% in the chart", d.Key, d.CurrentPercent, got)
			}
		}
		types := m.Cash
		for _, e := range m.InstrumentTypes {
			same("type "+e.Key, e.Percent, percentOf(e.Value, m.Value))
			types += e.Value
		}
		same("types and cash", types, m.Value)
		if m.HHI < 0 || m.HHI > 1+1e-9 {
			t.Errorf("HHI %v", m.HHI)
		}
		if t.Failed() {
			t.Fatalf("portfolio: %+v", p)
		}
	}
}

// TestReportPercentsAgreeWithTheCharts compares the report's asset-class
// and holding rows, as printed, with the charts' values over their sum.
func TestReportPercentsAgreeWithTheCharts(t *testing.T) {
	for _, tc := range goldenPortfolios {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.portfolio()
			m, charts := Analyze(p), Charts(p)
			content := Report(p, testNow).Content
			rows := map[string]Chart{}
			for _, d := range m.AssetClasses {
				if d.Value > 0 {
					rows["| "+d.Name+" | "+m.money(d.Value)+" | "] = charts.AssetClassDistribution
				}
			}
			for _, h := range m.Holdings[:min(topHoldingsShown, len(m.Holdings))] {
				rows["| "+h.Symbol+" | "+displayName(h.Type)+" | "+m.money(h.Value)+" | "] = charts.TopHoldings
			}
			for prefix, chart := range rows {
				_, after, ok := strings.Cut(content, prefix)
				if !ok {
					t.Errorf("report lacks the row %q", prefix)
					continue
				}
				got, _, _ := strings.Cut(after, " |")
				name := strings.Split(prefix, " | ")[0][2:]
				i := slices.IndexFunc(chart.Data, func(s Slice) bool { return s.Name == name })
				if i < 0 {
					t.Errorf("%s is in the report but not in the chart", name)
					continue
				}
				if want := formatPercent(percentOf(chart.Data[i].Value, sumValues(chart))); got != want {
					t.Errorf("%s: report says %s, chart %s", name, got, want)
				}
			}
			if m.Value > 0 && strings.Count(content, "Percentages are shares of your whole portfolio of "+m.money(m.Value)+", cash included.") != 1 {
				t.Errorf("report does not state the base of its percentages once:\n%s", content)
			}
		})
	}
}

// TestReportNamesUnpricedHoldings: the Data quality section names every
// warning and rate; an unpriced holding is never shown as worth $0.00.
func TestReportNamesUnpricedHoldings(t *testing.T) {
	p := valuedPortfolio()
	content := Report(p, testNow).Content
	checkReport(t, content)
	quality := sectionOf(content, "Data quality")
	for _, want := range []string{"VTX", "ABC", "BND's price is for 2024-12-10", "1 EUR = 1.0298 USD, European Central Bank reference rate of 2025-01-14",
		"1 INR = 0.011555 USD", "at AMFI net asset values of 2025-01-14"} {
		if !strings.Contains(quality, want) {
			t.Errorf("Data quality lacks %q:\n%s", want, quality)
		}
	}
	for _, line := range strings.Split(content, "\n") {
		if (strings.Contains(line, "VTX") || strings.Contains(line, "ABC")) && strings.Contains(line, "$0.00") {
			t.Errorf("an unpriced holding is shown as worth nothing: %s", line)
		}
		if strings.HasPrefix(line, "| VTX ") || strings.HasPrefix(line, "| ABC ") {
			t.Errorf("an unpriced holding has a row: %s", line)
		}
	}
	m := Analyze(p)
	if !slices.Equal(m.Unpriced, []string{"ABC", "VTX"}) || len(m.Holdings) != 4 {
		t.Errorf("unpriced %v, %d holdings", m.Unpriced, len(m.Holdings))
	}

	// A portfolio that never went through Valuate: a price of 0 is
	// unknown, not worthless, and gets a warning of its own.
	q := singleStockPortfolio()
	q.Accounts[0].Positions = append(q.Accounts[0].Positions, Position{Symbol: "ZZZ", Quantity: 10, Instrument: Instrument{Symbol: "ZZZ", Type: "stock"}})
	content = Report(q, testNow).Content
	checkReport(t, content)
	if quality := sectionOf(content, "Data quality"); !strings.Contains(quality, "ZZZ has no price") {
		t.Errorf("Data quality does not name ZZZ:\n%s", quality)
	}
	if strings.Contains(content, "2 holdings") || !strings.Contains(content, "1 valued holding") {
		t.Errorf("ZZZ is counted as a holding:\n%s", content)
	}

	// Nothing to warn about: one sentence.
	quality = strings.TrimSpace(sectionOf(Report(alexTestPortfolio(), testNow).Content, "Data quality"))
	if !strings.HasPrefix(quality, "Every holding was valued at a current price in USD") || strings.Count(quality, ". ") > 0 {
		t.Errorf("Data quality of a clean portfolio: %q", quality)
	}
}

func TestSummaryNamesUnpricedHoldings(t *testing.T) {
	p := valuedPortfolio()
	m := Analyze(p)
	s := Summarize(m, Charts(p), stubRetirement(m))
	if len(s.KeyFindings) == 0 || !strings.Contains(s.KeyFindings[0], "ABC and VTX have no usable price") {
		t.Errorf("findings %q", s.KeyFindings)
	}
	// Nothing valued at all: the summary says why, not "$0.00".
	q := withDefaultUser(Portfolio{Accounts: []Account{{Name: "A", Positions: []Position{{Symbol: "VTX", Quantity: 3, Instrument: Instrument{Symbol: "VTX"}}}}}})
	m = Analyze(q)
	s = Summarize(m, Charts(q), stubRetirement(m))
	if strings.Contains(s.Summary, "$0.00") || !strings.Contains(s.Summary, "VTX") {
		t.Errorf("summary %q", s.Summary)
	}
	content := Report(q, testNow).Content
	checkReport(t, content)
	if strings.Contains(content, "no account holds cash or positions") || !strings.Contains(sectionOf(content, "Data quality"), "VTX") {
		t.Errorf("report of an unvalued portfolio:\n%s", content)
	}
}

// TestExpectedReturnIsTheSimulations: the report's expected return and
// cash return are the ones the retirement simulation assumes.
func TestExpectedReturnIsTheSimulations(t *testing.T) {
	for _, tc := range goldenPortfolios {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.portfolio()
			m := Analyze(p)
			a := Simulate(p, quickOptions(), 1, testNow).Assumptions
			if math.Abs(m.ExpectedReturn-a.ExpectedReturn) > 1e-6 || m.CashReturn != a.CashReturn {
				t.Errorf("metrics expect %v with cash at %v, the simulation %v with cash at %v", m.ExpectedReturn, m.CashReturn, a.ExpectedReturn, a.CashReturn)
			}
		})
	}
}

func TestMoneyInThePortfoliosCurrency(t *testing.T) {
	v := testValuation
	v.Currency = "EUR"
	p := valuedPortfolio()
	p = Valuate(p, v) // already in USD: revalued in euros
	m := Analyze(p)
	if m.Currency != "EUR" {
		t.Fatalf("currency %q", m.Currency)
	}
	content := Report(p, testNow).Content
	checkReport(t, content)
	s := Summarize(m, Charts(p), stubRetirement(m))
	retirement := Simulate(p, DefaultRetirementOptions(), 1, testNow)
	texts := append([]string{content, s.Summary, retirement.Analysis}, append(s.KeyFindings, s.Recommendations...)...)
	for _, c := range chartsOf(Charts(p)) {
		texts = append(texts, c.Description)
	}
	for _, text := range texts {
		if strings.Contains(text, "$") || strings.Contains(text, "dollars") {
			t.Errorf("dollars in a euro portfolio: %s", text)
		}
	}
	if !strings.Contains(content, "**"+formatMoneyIn(m.Value, "EUR")+"**") || !strings.Contains(s.Summary, " EUR") {
		t.Errorf("value not in euros:\n%s\n%s", content, s.Summary)
	}
}

func TestFormatRateValue(t *testing.T) {
	for rate, want := range map[float64]string{1.0298: "1.0298", 0.0115549: "0.011555", 83.4712: "83.471", 1: "1", 0.00006123: "0.00006123", 16000: "16000"} {
		if got := formatRateValue(rate); got != want {
			t.Errorf("formatRateValue(%v) = %s, want %s", rate, got, want)
		}
	}
}

func TestDataQualityNamesStaleRates(t *testing.T) {
	rates := testRates
	rates.Stale = true
	v := testValuation
	v.Rates = &rates
	p := valuedPortfolio()
	for i := range p.Accounts { // back to the local amounts, valued at stale rates
		p.Accounts[i].CashBalance = p.Accounts[i].LocalCash
		for j := range p.Accounts[i].Positions {
			in := &p.Accounts[i].Positions[j].Instrument
			in.Price, in.Currency, in.Unpriced = in.LocalPrice, in.LocalCurrency, false
		}
	}
	p.Warnings, p.Rates = nil, nil
	quality := sectionOf(Report(Valuate(p, v), testNow).Content, "Data quality")
	for _, want := range []string{"European Central Bank's of 2025-01-14, not today's", "1 EUR = 1.0298 USD, European Central Bank reference rate of 2025-01-14 (not today's)", "VTX", "ABC"} {
		if !strings.Contains(quality, want) {
			t.Errorf("Data quality lacks %q:\n%s", want, quality)
		}
	}
}
