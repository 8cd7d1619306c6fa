package analysis

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// checkReport asserts the sections are all there, in order, and that no
// broken number leaked into the text.
func checkReport(t *testing.T, content string) {
	t.Helper()
	if err := CheckSections(content); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"NaN", "Inf", "%!", "$-", "-$0.00"} {
		if strings.Contains(content, bad) {
			t.Errorf("report contains %q:\n%s", bad, content)
		}
	}
}

func TestReportOfEveryFixture(t *testing.T) {
	for _, tc := range goldenPortfolios {
		t.Run(tc.name, func(t *testing.T) {
			r := Report(tc.portfolio(), testNow)
			checkReport(t, r.Content)
			if r.Agent != "reporter" || !r.GeneratedAt.Equal(testNow) {
				t.Errorf("agent %q, generated at %v", r.Agent, r.GeneratedAt)
			}
		})
	}
}

func TestReportOfRandomPortfolios(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 300 {
		p := randomPortfolio(rng)
		if i%3 == 0 {
			p = randomValuedPortfolio(rng)
		}
		p.YearsUntilRetirement = rng.IntN(40)
		if rng.IntN(4) == 0 {
			p.AssetClassTargets, p.RegionTargets, p.TargetRetirementIncome = nil, nil, 0
		}
		checkReport(t, Report(p, testNow).Content)
		if t.Failed() {
			t.Fatalf("portfolio: %+v", p)
		}
	}
}

func TestReportSaysWhenThereIsNothing(t *testing.T) {
	content := Report(emptyPortfolio(), testNow).Content
	if !strings.Contains(content, "nothing to analyze") {
		t.Errorf("empty report does not say so:\n%s", content)
	}
	content = Report(cashOnlyPortfolio(), testNow).Content
	if !strings.Contains(content, "all of it in cash") || !strings.Contains(content, "Invest $25,000.00 of idle cash") {
		t.Errorf("cash-only report:\n%s", content)
	}
}

func TestReportRebalancingTrades(t *testing.T) {
	m := Analyze(alexTestPortfolio())
	// Equity 82.5% against 70%, fixed income 7.0% against 30%.
	buys, sells := 0.0, 0.0
	for _, trade := range m.Trades {
		if trade.Action == "buy" {
			buys += trade.Amount
		} else {
			sells += trade.Amount
		}
	}
	if math.Abs(buys-sells) > 0.02 {
		t.Errorf("buys %v and sells %v do not balance: %+v", buys, sells, m.Trades)
	}
	if m.Trades[0] != (Trade{Action: "sell", AssetClass: "equity", Amount: 30591.65}) {
		t.Errorf("first trade = %+v", m.Trades[0])
	}
}

func TestAnalyzeConcentration(t *testing.T) {
	m := Analyze(singleStockPortfolio())
	if m.HHI != 1 || m.EffectiveHoldings != 1 || m.LargestPosition.Symbol != "AAPL" || m.LargestPosition.Percent != 100 {
		t.Errorf("single stock: HHI %v, effective %v, largest %+v", m.HHI, m.EffectiveHoldings, m.LargestPosition)
	}
	m = Analyze(emptyPortfolio())
	if m.HHI != 0 || m.LargestPosition != nil || m.Value != 0 || m.CashPercent != 0 {
		t.Errorf("empty: %+v", m)
	}
}

func TestFormatting(t *testing.T) {
	money := map[float64]string{
		0: "$0.00", 1234567.891: "$1,234,567.89", 999.999: "$1,000.00", -12.5: "-$12.50", -0.001: "$0.00", 100: "$100.00",
	}
	for v, want := range money {
		if got := formatMoney(v); got != want {
			t.Errorf("formatMoney(%v) = %s, want %s", v, got, want)
		}
	}
	if got := formatPercent(-0.01); got != "0.0%" {
		t.Errorf("formatPercent(-0.01) = %s", got)
	}
	if got := formatPoints(12.345); got != "+12.3 pts" {
		t.Errorf("formatPoints = %s", got)
	}
	if got := displayName("north_america"); got != "North America" {
		t.Errorf("displayName = %s", got)
	}
}

func TestReportNotesMutualFundFees(t *testing.T) {
	p := singleStockPortfolio()
	p.Accounts[0].Positions = append(p.Accounts[0].Positions, Position{Symbol: "HDFCTOP100", Quantity: 1000,
		Instrument: Instrument{Symbol: "HDFCTOP100", Name: "HDFC Top 100 Fund (Equity Scheme - Large Cap Fund)", Type: "mutual_fund", Price: 12.5}})
	content := Report(p, testNow).Content
	checkReport(t, content)
	for _, want := range []string{"**Mutual funds** (1 fund)", "a 1.0% fee leaves about", "0.05% index fund", "Compare your mutual funds' expense ratios"} {
		if !strings.Contains(content, want) {
			t.Errorf("report lacks %q:\n%s", want, content)
		}
	}
	if got := feeDrag(0.07, 20); math.Abs(got-0.1634) > 0.0005 {
		t.Errorf("feeDrag(7%%, 20y) = %.4f, want about 0.1634", got)
	}
}
