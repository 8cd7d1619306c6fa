package analysis

import "testing"

// BenchmarkSimulate runs 10,000 paths of 50 years: 20 of saving, 30 of withdrawals.
func BenchmarkSimulate(b *testing.B) {
	p := benchPortfolio()
	opts := DefaultRetirementOptions()
	b.ReportAllocs()
	for b.Loop() {
		Simulate(p, opts, 42, testNow)
	}
}

// BenchmarkPercentiles reads the 10th, 50th and 90th percentiles of every
// milestone row of that simulation, as Simulate does.
func BenchmarkPercentiles(b *testing.B) {
	p := Plan(benchPortfolio())
	sim := simulation{model: newReturnModel(investmentMix(p), DefaultReturns()), start: p.Value(),
		contribution: defaultContribution, savingYears: 20,
		withdrawals: withdrawals(60000, defaultInflation, 20, 30), milestoneYears: milestoneYears(20, 30)}
	rows := sim.run(defaultPaths, 42).milestones
	scratch := make([]float64, defaultPaths)
	b.ReportAllocs()
	for b.Loop() {
		for _, row := range rows {
			copy(scratch, row)
			percentiles(scratch, 10, 50, 90)
		}
	}
}

func BenchmarkCharts(b *testing.B) {
	p := benchPortfolio()
	b.ReportAllocs()
	for b.Loop() {
		Charts(p)
	}
}

func BenchmarkReport(b *testing.B) {
	p := benchPortfolio()
	b.ReportAllocs()
	for b.Loop() {
		Report(p, testNow)
	}
}
