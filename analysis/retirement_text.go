package analysis

import (
	"fmt"
	"math"
	"strconv"

	"github.com/alex-advisor/alex"
)

// retirementVerdict puts a success rate into words.
func retirementVerdict(successRate float64) string {
	switch {
	case successRate >= 90:
		return "Your plan is on solid ground."
	case successRate >= 75:
		return "Your plan is likely to work, but a long stretch of poor markets could still derail it."
	case successRate >= 50:
		return "Your plan is uncertain: in many market paths the money runs out."
	default:
		return "As it stands, your savings are unlikely to last through retirement."
	}
}

func nothingToSimulateAnalysis(s simulation, c currencyUnit) string {
	var b markdown
	b.heading(2, "Retirement Monte Carlo")
	reason := "no yearly contributions are planned"
	if s.contribution > 0 {
		reason = "there are no years left before retirement to contribute in"
	}
	b.paragraph(
		"There is nothing to simulate yet: the portfolio is worth "+c.format(0)+" and "+reason+".",
		"Add an account with cash or positions, or plan yearly contributions, and run the analysis again.",
	)
	return b.String()
}

func retirementAnalysis(r RetirementPayload, thisYear int) string {
	a := r.Assumptions
	c := currencyUnit(r.Currency)
	retirementYear := thisYear + a.YearsUntilRetirement
	var b markdown
	b.heading(2, "Retirement Monte Carlo")
	b.paragraph(successSentences(r)...)
	b.paragraph(setupSentences(a, retirementYear, c)...)

	b.heading(3, fmt.Sprintf("Value at retirement (%d)", retirementYear))
	p, real := r.Percentiles, r.RealPercentiles
	b.paragraph(fmt.Sprintf("In the median path the portfolio is worth %s in %d, which buys what %s buys today.",
		c.format(p.P50), retirementYear, c.format(real.P50)))
	b.table("lrr", []string{"Outcome", "Value (" + c.ofYear(retirementYear) + ")", "In " + c.todays()}, [][]string{
		{"Poor markets (10th percentile)", c.format(p.P10), c.format(real.P10)},
		{"Below average (25th percentile)", c.format(p.P25), c.format(real.P25)},
		{"Median (50th percentile)", c.format(p.P50), c.format(real.P50)},
		{"Above average (75th percentile)", c.format(p.P75), c.format(real.P75)},
		{"Strong markets (90th percentile)", c.format(p.P90), c.format(real.P90)},
	})
	if a.TargetRetirementIncome > 0 {
		b.paragraph(fmt.Sprintf("For comparison, 25× your target income is %s in %s, or %s in %s.",
			c.format(a.TargetRetirementIncome*withdrawalMultiple), c.todays(), c.format(a.FirstWithdrawal*withdrawalMultiple), c.ofYear(retirementYear)))
	}

	b.heading(3, "Milestones")
	rows := make([][]string, len(r.Milestones))
	for i, m := range r.Milestones {
		rows[i] = []string{strconv.Itoa(m.Year), strconv.Itoa(m.YearsFromNow), m.Phase,
			c.format(m.P10), c.format(m.MedianValue), c.format(m.RealMedianValue), c.format(m.P90)}
	}
	b.table("rrlrrrr", []string{"Year", "Years from now", "Phase", "10th percentile", "Median", "Median in " + c.todays(), "90th percentile"}, rows)

	b.heading(3, "Assumptions")
	b.table("lrrr", []string{"Asset class", "Weight", "Mean return", "Std. deviation"}, returnRows(a))
	b.bullets([]string{
		fmt.Sprintf("%s simulated paths with seed %d; the same seed reproduces these results exactly.", groupThousands(int64(r.Paths)), r.Seed),
		fmt.Sprintf("Asset classes are correlated (for example stocks and bonds %s, stocks and real estate %s, using long-run US figures), "+
			"and the portfolio is rebalanced to the weights above every year: its yearly return averages %s with a standard deviation of %s.",
			formatCorrelation(Correlation("equity", "fixed_income")), formatCorrelation(Correlation("equity", "real_estate")),
			formatPercent(a.ExpectedReturn*100), formatPercent(a.Stdev*100)),
		cashSentence(a),
		fmt.Sprintf("Inflation is %s a year. Values are in %s of their year unless marked in %s, "+
			"which divide them by the inflation since today (%s by %d); after inflation the portfolio is expected to return %s a year.",
			formatPercent(a.Inflation*100), c.nominal(), c.todays(), formatDeflator(a.RetirementDeflator), retirementYear, formatPercent(a.ExpectedRealReturn*100)),
		"Taxes, fees, Social Security and pensions are not modelled.",
	})
	return b.String()
}

// cashSentence says what the cash asset class earns and why.
func cashSentence(a Assumptions) string {
	rate := formatRate(a.CashReturn)
	switch a.CashReturnSource {
	case "accounts":
		return fmt.Sprintf("Cash earns %s a year, the interest your accounts pay on their cash balances (weighted by balance).", rate)
	case "options":
		return fmt.Sprintf("Cash earns %s a year, as this analysis was asked to assume.", rate)
	default:
		return fmt.Sprintf("Cash earns %s a year, a long-run average, as your accounts hold no cash whose interest could say otherwise.", rate)
	}
}

// formatRate renders a yearly rate (0.0425) as a percent with up to two
// decimals: 4.25%.
func formatRate(r float64) string {
	return strconv.FormatFloat(cleanZero(math.Round(r*10000)/100), 'f', -1, 64) + "%"
}

func formatCorrelation(c float64) string { return strconv.FormatFloat(c, 'f', 1, 64) }

// formatDeflator renders (1+inflation)^years: ×1.81.
func formatDeflator(d float64) string { return "×" + strconv.FormatFloat(d, 'f', 2, 64) }

func successSentences(r RetirementPayload) []string {
	a := r.Assumptions
	succeeded := int64(float64(r.Paths)*r.SuccessRate/100 + 0.5)
	first := fmt.Sprintf("**Success rate: %s** (95%% interval %s–%s). In %s of %s simulated market paths your savings last through all %d years of retirement withdrawals.",
		formatPercent(r.SuccessRate), formatPercent(r.SuccessRateInterval.Low), formatPercent(r.SuccessRateInterval.High),
		groupThousands(succeeded), groupThousands(int64(r.Paths)), a.RetirementYears)
	if a.TargetRetirementIncome <= 0 {
		return []string{first, "No target retirement income is set, so nothing is withdrawn and every path succeeds; set a target income for a meaningful result."}
	}
	return []string{first, retirementVerdict(r.SuccessRate)}
}

func setupSentences(a Assumptions, retirementYear int, c currencyUnit) []string {
	saving := "with no further contributions"
	if a.AnnualContribution > 0 && a.YearsUntilRetirement > 0 {
		saving = fmt.Sprintf("adds %s at the end of each of the next %d years", c.format(a.AnnualContribution), a.YearsUntilRetirement)
	}
	return []string{
		fmt.Sprintf("The simulation starts from %s today, %s, and expects %s a year on average before inflation.",
			c.format(a.StartingValue), saving, formatPercent(a.ExpectedReturn*100)),
		fmt.Sprintf("From %d it withdraws %s a year in %s (%s in the first year at %s inflation) for %d years.",
			retirementYear, c.format(a.TargetRetirementIncome), c.todays(), c.format(a.FirstWithdrawal), formatPercent(a.Inflation*100), a.RetirementYears),
	}
}

func returnRows(a Assumptions) [][]string {
	var rows [][]string
	for _, class := range orderedKeys(sortedKeys(a.Weights), alex.AssetClasses) {
		r := a.Returns[class]
		rows = append(rows, []string{displayName(class), formatPercent(a.Weights[class]),
			formatRate(r.Mean), formatRate(r.StdDev)})
	}
	return rows
}
