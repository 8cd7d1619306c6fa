package analysis

import (
	"fmt"
	"strconv"
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

func nothingToSimulateAnalysis(s simulation) string {
	var b markdown
	b.heading(2, "Retirement Monte Carlo")
	reason := "no yearly contributions are planned"
	if s.contribution > 0 {
		reason = "there are no years left before retirement to contribute in"
	}
	b.paragraph(
		"There is nothing to simulate yet: the portfolio is worth "+formatMoney(0)+" and "+reason+".",
		"Add an account with cash or positions, or plan yearly contributions, and run the analysis again.",
	)
	return b.String()
}

func retirementAnalysis(r RetirementPayload, thisYear int) string {
	a := r.Assumptions
	retirementYear := thisYear + a.YearsUntilRetirement
	var b markdown
	b.heading(2, "Retirement Monte Carlo")
	b.paragraph(successSentences(r)...)
	b.paragraph(setupSentences(a, retirementYear)...)

	b.heading(3, fmt.Sprintf("Value at retirement (%d)", retirementYear))
	p := r.Percentiles
	b.table("lr", []string{"Outcome", "Value"}, [][]string{
		{"Poor markets (10th percentile)", formatMoney(p.P10)},
		{"Below average (25th percentile)", formatMoney(p.P25)},
		{"Median (50th percentile)", formatMoney(p.P50)},
		{"Above average (75th percentile)", formatMoney(p.P75)},
		{"Strong markets (90th percentile)", formatMoney(p.P90)},
	})
	if a.TargetRetirementIncome > 0 {
		b.paragraph(fmt.Sprintf("For comparison, 25× your target income is %s in today's dollars, or %s in %d dollars.",
			formatMoney(a.TargetRetirementIncome*withdrawalMultiple), formatMoney(a.FirstWithdrawal*withdrawalMultiple), retirementYear))
	}

	b.heading(3, "Milestones")
	rows := make([][]string, len(r.Milestones))
	for i, m := range r.Milestones {
		rows[i] = []string{strconv.Itoa(m.Year), strconv.Itoa(m.YearsFromNow), m.Phase,
			formatMoney(m.P10), formatMoney(m.MedianValue), formatMoney(m.P90)}
	}
	b.table("rrlrrr", []string{"Year", "Years from now", "Phase", "10th percentile", "Median", "90th percentile"}, rows)

	b.heading(3, "Assumptions")
	b.table("lrrr", []string{"Asset class", "Weight", "Mean return", "Std. deviation"}, returnRows(a))
	b.bullets([]string{
		fmt.Sprintf("%s simulated paths with seed %d; the same seed reproduces these results exactly.", groupThousands(int64(r.Paths)), r.Seed),
		"Each year every asset class draws an independent normal return and the portfolio is rebalanced to the weights above.",
		"Values are in nominal dollars. Taxes, fees, Social Security and pensions are not modelled.",
	})
	return b.String()
}

func successSentences(r RetirementPayload) []string {
	a := r.Assumptions
	succeeded := int64(float64(r.Paths)*r.SuccessRate/100 + 0.5)
	first := fmt.Sprintf("**Success rate: %s.** In %s of %s simulated market paths your savings last through all %d years of retirement withdrawals.",
		formatPercent(r.SuccessRate), groupThousands(succeeded), groupThousands(int64(r.Paths)), a.RetirementYears)
	if a.TargetRetirementIncome <= 0 {
		return []string{first, "No target retirement income is set, so nothing is withdrawn and every path succeeds; set a target income for a meaningful result."}
	}
	return []string{first, retirementVerdict(r.SuccessRate)}
}

func setupSentences(a Assumptions, retirementYear int) []string {
	saving := "with no further contributions"
	if a.AnnualContribution > 0 && a.YearsUntilRetirement > 0 {
		saving = fmt.Sprintf("adds %s at the end of each of the next %d years", formatMoney(a.AnnualContribution), a.YearsUntilRetirement)
	}
	return []string{
		fmt.Sprintf("The simulation starts from %s today, %s, and expects %s a year on average before inflation.",
			formatMoney(a.StartingValue), saving, formatPercent(a.ExpectedReturn*100)),
		fmt.Sprintf("From %d it withdraws %s a year in today's dollars (%s in the first year at %s inflation) for %d years.",
			retirementYear, formatMoney(a.TargetRetirementIncome), formatMoney(a.FirstWithdrawal), formatPercent(a.Inflation*100), a.RetirementYears),
	}
}

func returnRows(a Assumptions) [][]string {
	var rows [][]string
	for _, class := range orderedKeys(sortedKeys(a.Weights), assetClassOrder) {
		r := a.Returns[class]
		rows = append(rows, []string{displayName(class), formatPercent(a.Weights[class]),
			formatPercent(r.Mean * 100), formatPercent(r.StdDev * 100)})
	}
	return rows
}
