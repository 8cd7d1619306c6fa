package analysis

import (
	"fmt"
	"math"
	"slices"
)

// SummaryPayload is the summary stage's output (summary_payload).
type SummaryPayload struct {
	Currency        string   `json:"currency"` // of every amount in the text
	Summary         string   `json:"summary"`
	KeyFindings     []string `json:"key_findings"`
	Recommendations []string `json:"recommendations"`
}

const (
	minSummaryItems = 3
	maxSummaryItems = 6
	// comfortableSuccessRate is the Monte Carlo success rate (percent)
	// below which saving more is the first thing to recommend.
	comfortableSuccessRate = 75.0
)

// Summarize is the summary stage: one sentence, 3–6 key findings and 3–6
// recommendations drawn from the other stages' numbers.
func Summarize(m Metrics, charts ChartsPayload, ret RetirementPayload) SummaryPayload {
	return SummaryPayload{
		Currency:        m.Currency,
		Summary:         summarySentence(m, ret),
		KeyFindings:     between(findings(m, charts, ret), genericFindings(m)),
		Recommendations: between(summaryRecommendations(m, ret), genericRecommendations()),
	}
}

func summarySentence(m Metrics, ret RetirementPayload) string {
	switch {
	case m.Value <= 0 && len(m.Unpriced) > 0:
		return "None of your holdings could be valued and no account holds cash, so there is nothing to analyze yet: " + unpricedFinding(m)
	case m.Value <= 0 && ret.Paths == 0:
		return "Your portfolio is worth " + m.money(0) + " and there is nothing to simulate yet; add your accounts and positions to get a full analysis."
	case ret.Paths == 0:
		return fmt.Sprintf("Your portfolio is worth %s; no retirement simulation was run.", m.money(m.Value))
	}
	return fmt.Sprintf("Your portfolio is worth %s, and in %s of %s simulated market paths your savings last through retirement.",
		m.money(m.Value), formatPercent(ret.SuccessRate), groupThousands(int64(ret.Paths)))
}

func findings(m Metrics, charts ChartsPayload, ret RetirementPayload) []string {
	if m.Value <= 0 {
		return nonEmpty(unpricedFinding(m))
	}
	return nonEmpty(
		unpricedFinding(m),
		largestSliceFinding(m, "asset class", charts.AssetClassDistribution),
		driftFinding(m),
		concentrationFinding(m),
		cashFinding(m),
		retirementFinding(m, ret),
		largestSliceFinding(m, "region", charts.GeographicExposure),
	)
}

// largestSliceFinding names the chart's largest slice other than cash,
// which cashFinding covers. Its percent is the chart's: the slice over
// the sum of the slices, which is the whole portfolio with its cash.
func largestSliceFinding(m Metrics, what string, chart Chart) string {
	i := slices.IndexFunc(chart.Data, func(s Slice) bool { return s.Name != "Cash" })
	if i < 0 {
		return ""
	}
	top := chart.Data[i]
	total := 0.0
	for _, s := range chart.Data {
		total += s.Value
	}
	return fmt.Sprintf("%s is the largest %s at %s (%s of the portfolio).", top.Name, what, m.money(top.Value), formatPercent(percentOf(top.Value, total)))
}

// unpricedFinding names the holdings no total counts; it comes first so
// that the cut to six findings never drops it.
func unpricedFinding(m Metrics) string {
	return unpricedSentence(m, "every total, chart and percentage")
}

func driftFinding(m Metrics) string {
	if !m.HasAssetTargets {
		return ""
	}
	ds := largestDrifts(m.AssetClasses, 1)
	if len(ds) == 0 {
		return "Every asset class is within a point of its target."
	}
	d := ds[0]
	return fmt.Sprintf("%s is %s: %s against a %s target.", d.Name, driftWords(d.Drift), formatPercent(d.CurrentPercent), formatPercent(d.TargetPercent))
}

func concentrationFinding(m Metrics) string {
	switch len(m.Holdings) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("%s is the only position: %s of the portfolio.", m.LargestPosition.Symbol, formatPercent(m.LargestPosition.Percent))
	}
	positions := plural(len(m.Holdings), "position")
	if m.Cash > 0 {
		positions += " and cash"
	}
	return fmt.Sprintf("The largest position, %s, is %s of the portfolio; the %s behave like %.1f equal-sized holdings (Herfindahl index %.3f).",
		m.LargestPosition.Symbol, formatPercent(m.LargestPosition.Percent), positions, m.EffectiveHoldings, m.HHI)
}

func cashFinding(m Metrics) string {
	if m.Cash <= 0 {
		return ""
	}
	return fmt.Sprintf("Cash is %s of the portfolio (%s), earning %s a year.", formatPercent(m.CashPercent), m.money(m.Cash), formatRate(m.CashReturn))
}

func retirementFinding(m Metrics, ret RetirementPayload) string {
	if ret.Paths == 0 {
		return ""
	}
	return fmt.Sprintf("The median simulated value at retirement is %s (10th percentile %s, 90th %s).",
		m.money(ret.Percentiles.P50), m.money(ret.Percentiles.P10), m.money(ret.Percentiles.P90))
}

// genericFindings pad the findings of a portfolio with little to say.
func genericFindings(m Metrics) []string {
	out := []string{"You have no accounts with cash or positions yet."}
	if len(m.Accounts) > 0 {
		out[0] = fmt.Sprintf("The portfolio is worth %s across %s.", m.money(m.Value), plural(len(m.Accounts), "account"))
	}
	if r := m.Retirement; r.Need > 0 {
		out = append(out, fmt.Sprintf("Your %s income target needs about %s saved by retirement (%s).", m.money(r.TargetIncome), m.money(r.Need), m.todays()))
	}
	mix := "Your current mix is"
	if m.Value <= 0 {
		mix = "Invested at your target mix, savings would be"
	}
	out = append(out, fmt.Sprintf("%s expected to return about %s a year before inflation.", mix, formatPercent(m.ExpectedReturn*100)))
	return out
}

// summaryRecommendations put retirement saving first when the simulation
// says the plan is at risk, then the rebalancing trades and the report's advice.
func summaryRecommendations(m Metrics, ret RetirementPayload) []string {
	var out []string
	covered := "" // the report's savings advice, when the simulation's replaces it
	if ret.Paths > 0 && ret.SuccessRate < comfortableSuccessRate && ret.Assumptions.TargetRetirementIncome > 0 {
		out = append(out, savingMoreAdvice(m, ret))
		covered = savingsAdvice(m)
	}
	if len(m.Trades) > 0 {
		out = append(out, "Rebalance: "+joinTrades(m, m.Trades)+".")
	}
	for _, a := range advice(m) {
		if a != covered {
			out = append(out, a)
		}
	}
	return out
}

func savingMoreAdvice(m Metrics, ret RetirementPayload) string {
	extra := math.Max(m.Retirement.AnnualSavingsNeeded-ret.Assumptions.AnnualContribution, 0)
	if extra <= 0 {
		return fmt.Sprintf("Only %s of simulated paths last through retirement: consider saving more, retiring later or lowering the target income.", formatPercent(ret.SuccessRate))
	}
	return fmt.Sprintf("Only %s of simulated paths last through retirement: raise yearly savings from %s by about %s, retire later, or lower the target income.",
		formatPercent(ret.SuccessRate), m.money(ret.Assumptions.AnnualContribution), m.money(extra))
}

func joinTrades(m Metrics, trades []Trade) string {
	s := ""
	for i, t := range trades {
		switch {
		case i == 0:
		case i == len(trades)-1:
			s += " and "
		default:
			s += ", "
		}
		s += lowerFirst(tradeText(m, t))
	}
	return s
}

func genericRecommendations() []string {
	return []string{
		"Review the portfolio once a year and rebalance when any asset class drifts more than 5 points from target.",
		"Keep three to six months of expenses in cash as an emergency fund, separate from retirement savings.",
		"Prefer low-cost index funds for new money; fees compound just like returns.",
	}
}

// between returns items, padded from fallback to at least three and cut to six.
func between(items, fallback []string) []string {
	for _, f := range fallback {
		if len(items) >= minSummaryItems {
			break
		}
		items = append(items, f)
	}
	return items[:min(len(items), maxSummaryItems)]
}

func nonEmpty(items ...string) []string {
	var out []string
	for _, s := range items {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
