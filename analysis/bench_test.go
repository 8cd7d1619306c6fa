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
