package analysis

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func quickOptions() RetirementOptions {
	opts := DefaultRetirementOptions()
	opts.Paths = 2000
	return opts
}

func TestSimulateIsReproducible(t *testing.T) {
	p := alexTestPortfolio()
	seed := SeedFor("job-42")
	a, err := json.Marshal(Simulate(p, quickOptions(), seed, testNow))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(Simulate(p, quickOptions(), seed, testNow))
	if !bytes.Equal(a, b) {
		t.Error("same seed, different payloads")
	}
	c, _ := json.Marshal(Simulate(p, quickOptions(), seed+1, testNow))
	if bytes.Equal(a, c) {
		t.Error("different seeds, same payload")
	}
}

func TestSimulatePayload(t *testing.T) {
	r := Simulate(alexTestPortfolio(), quickOptions(), 7, testNow)
	if r.Agent != "retirement" || r.Paths != 2000 || r.Seed != 7 || !r.GeneratedAt.Equal(testNow) {
		t.Errorf("header: %+v", r)
	}
	if r.SuccessRate <= 0 || r.SuccessRate >= 100 {
		t.Errorf("success rate %v, want strictly between 0 and 100 for this portfolio", r.SuccessRate)
	}
	p := r.Percentiles
	if !(0 < p.P10 && p.P10 <= p.P25 && p.P25 <= p.P50 && p.P50 <= p.P75 && p.P75 <= p.P90) {
		t.Errorf("percentiles out of order: %+v", p)
	}
	last := r.Milestones[len(r.Milestones)-1]
	if last.YearsFromNow != 50 || last.Year != 2075 || last.Phase != "retirement" {
		t.Errorf("last milestone = %+v", last)
	}
	var atRetirement *Milestone
	for i, m := range r.Milestones {
		if m.YearsFromNow == 20 {
			atRetirement = &r.Milestones[i]
		}
		if !(m.P10 <= m.MedianValue && m.MedianValue <= m.P90) {
			t.Errorf("milestone out of order: %+v", m)
		}
	}
	if atRetirement == nil || atRetirement.MedianValue != p.P50 || atRetirement.Phase != "accumulation" {
		t.Errorf("retirement milestone %+v does not match percentiles %+v", atRetirement, p)
	}
	a := r.Assumptions
	if a.StartingValue != 245170.50 || a.YearsUntilRetirement != 20 || a.RetirementYears != 30 || a.Paths != 2000 {
		t.Errorf("assumptions: %+v", a)
	}
	if math.Abs(a.FirstWithdrawal-60000*math.Pow(1.03, 20)) > 0.01 {
		t.Errorf("first withdrawal = %v", a.FirstWithdrawal)
	}
	for _, want := range []string{"## Retirement Monte Carlo", "**Success rate:", "| Median (50th percentile) |", "seed 7"} {
		if !strings.Contains(r.Analysis, want) {
			t.Errorf("analysis lacks %q:\n%s", want, r.Analysis)
		}
	}
}

func TestMoreContributionsNeverLowerTheSuccessRate(t *testing.T) {
	p := singleStockPortfolio()
	previous := -1.0
	for _, contribution := range []float64{0, 2000, 5000, 10000, 20000, 40000, 80000} {
		opts := quickOptions()
		opts.AnnualContribution = contribution
		rate := Simulate(p, opts, 99, testNow).SuccessRate
		if rate < previous {
			t.Errorf("contribution %v: success %v < %v", contribution, rate, previous)
		}
		previous = rate
	}
	if previous < 50 {
		t.Errorf("$80,000 a year for 20 years still only succeeds %v%%", previous)
	}
}

func TestSimulateNothing(t *testing.T) {
	opts := quickOptions()
	opts.AnnualContribution = 0
	r := Simulate(emptyPortfolio(), opts, 1, testNow)
	if r.SuccessRate != 0 || r.Percentiles != (Percentiles{}) || r.Paths != 0 || len(r.Milestones) != 0 {
		t.Errorf("zero portfolio simulated: %+v", r)
	}
	if !strings.Contains(r.Analysis, "nothing to simulate") || !strings.Contains(r.Analysis, "$0.00") {
		t.Errorf("analysis does not say so:\n%s", r.Analysis)
	}
	b, err := json.Marshal(r)
	if err != nil || !strings.Contains(string(b), `"milestones":[]`) {
		t.Errorf("JSON %s, %v", b, err)
	}
}

func TestSimulateContributionsFromNothing(t *testing.T) {
	r := Simulate(emptyPortfolio(), quickOptions(), 1, testNow)
	if r.Paths != 2000 || r.Percentiles.P50 <= 200000 {
		t.Errorf("$10,000 a year for 20 years: %+v", r.Percentiles)
	}
	if w := r.Assumptions.Weights; w["equity"] != 70 || w["fixed_income"] != 30 {
		t.Errorf("an empty portfolio should invest by its targets, got %v", w)
	}
}

func TestSimulateWithoutIncomeTargetAlwaysSucceeds(t *testing.T) {
	p := cashOnlyPortfolio()
	p.TargetRetirementIncome = 0
	r := Simulate(p, quickOptions(), 1, testNow)
	if r.SuccessRate != 100 || !strings.Contains(r.Analysis, "No target retirement income") {
		t.Errorf("success %v:\n%s", r.SuccessRate, r.Analysis)
	}
}

// Paths run in blocks; a last, partial block counts like the others.
func TestSimulateRunsEveryPath(t *testing.T) {
	p := cashOnlyPortfolio()
	p.TargetRetirementIncome = 0
	opts := quickOptions()
	opts.Paths = 2*pathsPerBlock + 345
	r := Simulate(p, opts, 1, testNow)
	if r.Paths != opts.Paths || r.SuccessRate != 100 {
		t.Errorf("%d paths, success %v%%; want %d, 100%%", r.Paths, r.SuccessRate, opts.Paths)
	}
	// A path left out would sit at 0 in every milestone, more than 10% of them.
	for _, m := range r.Milestones {
		if m.P10 <= 0 {
			t.Errorf("milestone %d: p10 %v", m.YearsFromNow, m.P10)
		}
	}
}

func TestRetirementOptionsNormalized(t *testing.T) {
	opts := RetirementOptions{Paths: -1, AnnualContribution: math.NaN(), Inflation: math.Inf(1),
		Returns: map[string]ReturnAssumption{"equity": {Mean: 0.05, StdDev: 0.2}, "cash": {Mean: math.NaN()}}}
	got := opts.normalized()
	if got.Paths != defaultPaths || got.RetirementYears != defaultRetirementYears || got.AnnualContribution != 0 || got.Inflation != defaultInflation {
		t.Errorf("normalized = %+v", got)
	}
	if got.Returns["equity"] != (ReturnAssumption{0.05, 0.2}) || got.Returns["cash"] != DefaultReturns()["cash"] {
		t.Errorf("returns = %v", got.Returns)
	}
	if got := (RetirementOptions{Paths: 1 << 30}).normalized().Paths; got != maxPaths {
		t.Errorf("paths capped at %d, want %d", got, maxPaths)
	}
	var fromJSON = DefaultRetirementOptions()
	if err := json.Unmarshal([]byte(`{"annual_contribution":0}`), &fromJSON); err != nil || fromJSON.AnnualContribution != 0 || fromJSON.Paths != defaultPaths {
		t.Errorf("options from JSON = %+v, %v", fromJSON, err)
	}
}

// TestEquityReturnDistribution checks the draws the simulator uses.
func TestEquityReturnDistribution(t *testing.T) {
	const draws = 100_000
	model := newReturnModel(map[string]float64{"equity": 100}, DefaultReturns())
	rng := rand.New(rand.NewPCG(2024, pcgStream))
	sum, sumSq := 0.0, 0.0
	for range draws {
		r := model.annualReturn(rng)
		sum += r
		sumSq += r * r
	}
	mean := sum / draws
	sd := math.Sqrt(sumSq/draws - mean*mean)
	if math.Abs(mean-0.07) >= 0.003 || math.Abs(sd-0.18) >= 0.003 {
		t.Errorf("equity returns: mean %.4f, sd %.4f; want 0.07, 0.18", mean, sd)
	}
}

func TestReturnModelCombinesClassesByWeight(t *testing.T) {
	model := newReturnModel(map[string]float64{"equity": 60, "fixed_income": 30, "cash": 10}, DefaultReturns())
	if want := 0.6*0.07 + 0.3*0.04 + 0.1*0.02; math.Abs(model.mean-want) > 1e-12 {
		t.Errorf("mean = %v, want %v", model.mean, want)
	}
	if want := math.Sqrt(math.Pow(0.6*0.18, 2) + math.Pow(0.3*0.05, 2)); math.Abs(model.stdDev-want) > 1e-12 {
		t.Errorf("standard deviation = %v, want %v", model.stdDev, want)
	}
}

func TestSeedFor(t *testing.T) {
	if SeedFor("job-1") != SeedFor("job-1") || SeedFor("job-1") == SeedFor("job-2") {
		t.Error("SeedFor is not a stable hash")
	}
	if s := SeedFor("a job id"); s >= 1<<53 {
		t.Errorf("seed %d does not fit a JSON number exactly", s)
	}
}

func TestPercentiles(t *testing.T) {
	got := percentiles([]float64{5, 1, 4, 2, 3}, 0, 50, 90, 100)
	for i, want := range []float64{1, 3, 4.6, 5} {
		if math.Abs(got[i]-want) > 1e-12 {
			t.Errorf("percentiles = %v, want [1 3 4.6 5]", got)
		}
	}
	if got := percentiles(nil, 50); got[0] != 0 {
		t.Errorf("percentile of nothing = %v", got[0])
	}
}

// TestPercentilesAgreeWithSorting reads percentiles off random rows, with
// many ties and of every small length, and compares them with the ranks of
// the sorted row.
func TestPercentilesAgreeWithSorting(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pcts := []float64{0, 1, 10, 25, 33.3, 50, 75, 90, 99.9, 100}
	for n := range 300 {
		values := make([]float64, n)
		for i := range values {
			values[i] = float64(rng.IntN(n/3 + 1)) // ties
			if n%2 == 0 {
				values[i] = rng.NormFloat64()
			}
		}
		sorted := slices.Sorted(slices.Values(values))
		got := percentiles(values, pcts...)
		for i, pct := range pcts {
			if want := sortedPercentile(sorted, pct); got[i] != want {
				t.Fatalf("n=%d: percentile %v = %v, want %v", n, pct, got[i], want)
			}
		}
	}
}

func sortedPercentile(sorted []float64, pct float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := pct / 100 * float64(len(sorted)-1)
	lo := int(math.Floor(rank))
	hi := min(lo+1, len(sorted)-1)
	return sorted[lo] + (rank-float64(lo))*(sorted[hi]-sorted[lo])
}
