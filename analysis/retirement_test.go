package analysis

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/alex-advisor/alex"
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
	opts := RetirementOptions{Paths: -1, AnnualContribution: math.NaN(), Inflation: math.NaN(),
		Returns: map[string]ReturnAssumption{"equity": {Mean: 0.05, StdDev: 0.2}, "cash": {Mean: math.NaN()}, "gold": {Mean: 0.01}}}
	got := opts.normalized()
	if got.Paths != MinPaths || got.RetirementYears != defaultRetirementYears || got.AnnualContribution != 0 || got.Inflation != defaultInflation {
		t.Errorf("normalized = %+v", got)
	}
	if got.Returns["equity"] != (ReturnAssumption{0.05, 0.2}) || got.Returns["cash"] != DefaultReturns()["cash"] || len(got.Returns) != 2 {
		t.Errorf("returns = %v", got.Returns)
	}
	if got := (RetirementOptions{}).normalized(); got.Paths != defaultPaths || got.RetirementYears != defaultRetirementYears {
		t.Errorf("zero options normalized = %+v, want the defaults", got)
	}
	big := RetirementOptions{Paths: 1 << 30, RetirementYears: 1000, Inflation: 5, YearsUntilRetirement: ptr(1 << 30)}.normalized()
	if big.Paths != MaxPaths || big.RetirementYears != MaxRetirementYears || big.Inflation != MaxInflation || *big.YearsUntilRetirement != MaxYearsUntilRetirement {
		t.Errorf("out of bounds normalized = %+v", big)
	}
	var fromJSON = DefaultRetirementOptions()
	if err := json.Unmarshal([]byte(`{"annual_contribution":0}`), &fromJSON); err != nil || fromJSON.AnnualContribution != 0 || fromJSON.Paths != defaultPaths {
		t.Errorf("options from JSON = %+v, %v", fromJSON, err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestRetirementOptionsValidate(t *testing.T) {
	if errs := DefaultRetirementOptions().Validate(); errs != nil {
		t.Errorf("defaults invalid: %v", errs)
	}
	if errs := (RetirementOptions{}).Validate(); errs != nil {
		t.Errorf("zero options invalid: %v", errs)
	}
	edge := RetirementOptions{Paths: MaxPaths, RetirementYears: MinRetirementYears, Inflation: MaxInflation,
		Returns:              map[string]ReturnAssumption{"equity": {Mean: MinReturnMean, StdDev: MaxReturnStdev}},
		YearsUntilRetirement: ptr(MaxYearsUntilRetirement), TargetRetirementIncome: ptr(0.0)}
	if errs := edge.Validate(); errs != nil {
		t.Errorf("bounds are inclusive, got %v", errs)
	}
	bad := RetirementOptions{Paths: MinPaths - 1, AnnualContribution: -1, RetirementYears: MaxRetirementYears + 1, Inflation: math.Inf(1),
		Returns:              map[string]ReturnAssumption{"gold": {}, "equity": {Mean: 1.5, StdDev: math.NaN()}},
		YearsUntilRetirement: ptr(-1), TargetRetirementIncome: ptr(-5.0)}
	var fields []string
	for _, e := range bad.Validate() {
		fields = append(fields, e.Field)
		if e.Message == "" {
			t.Errorf("%s: no message", e.Field)
		}
	}
	want := []string{"paths", "annual_contribution", "retirement_years", "inflation", "returns.equity.mean", "returns.equity.stdev",
		"returns.gold", "years_until_retirement", "target_retirement_income"}
	if !slices.Equal(fields, want) {
		t.Errorf("invalid fields %v, want %v", fields, want)
	}
}

func TestOptionsOverrideTheProfile(t *testing.T) {
	p := alexTestPortfolio()
	opts := quickOptions()
	if err := json.Unmarshal([]byte(`{"years_until_retirement":5,"target_retirement_income":40000}`), &opts); err != nil {
		t.Fatal(err)
	}
	r := Simulate(p, opts, 3, testNow)
	a := r.Assumptions
	if a.YearsUntilRetirement != 5 || a.TargetRetirementIncome != 40000 || math.Abs(a.FirstWithdrawal-40000*math.Pow(1.03, 5)) > 0.01 {
		t.Errorf("assumptions %+v, want 5 years and $40,000 from the options", a)
	}
	if r.Milestones[0].YearsFromNow != 5 || r.Milestones[0].Phase != "accumulation" {
		t.Errorf("first milestone %+v, want retirement in 5 years", r.Milestones[0])
	}
	zero := quickOptions()
	zero.YearsUntilRetirement = ptr(0)
	if r := Simulate(p, zero, 3, testNow); r.Assumptions.YearsUntilRetirement != 0 || r.Percentiles.P50 != r.Assumptions.StartingValue {
		t.Errorf("retiring now: %+v, %+v", r.Assumptions, r.Percentiles)
	}
	if r := Simulate(p, quickOptions(), 3, testNow); r.Assumptions.YearsUntilRetirement != 20 || r.Assumptions.TargetRetirementIncome != 60000 {
		t.Errorf("without options the profile counts: %+v", r.Assumptions)
	}
}

func TestCashEarnsTheAccountsInterest(t *testing.T) {
	p := cashOnlyPortfolio() // $25,000 at 4.5%
	p.Accounts = append(p.Accounts, Account{ID: "acc-checking", Name: "Checking", CashBalance: 75000, CashInterest: 0.005})
	want := CashReturn(p)
	if math.Abs(want-(0.25*0.045+0.75*0.005)) > 1e-15 || want != cashInterest(p) {
		t.Fatalf("CashReturn = %v, want the balance-weighted interest %v", want, cashInterest(p))
	}
	r := Simulate(p, quickOptions(), 1, testNow)
	a := r.Assumptions
	if a.CashReturn != want || a.Returns["cash"].Mean != want || a.CashReturnSource != "accounts" || math.Abs(a.ExpectedReturn-want) > 1e-12 {
		t.Errorf("assumptions: cash %v from %q, returns %v, expected %v; want %v", a.CashReturn, a.CashReturnSource, a.Returns["cash"], a.ExpectedReturn, want)
	}
	if !strings.Contains(r.Analysis, "Cash earns "+formatRate(want)) {
		t.Errorf("analysis does not state the cash return %s:\n%s", formatRate(want), r.Analysis)
	}
	opts := quickOptions()
	opts.Returns = map[string]ReturnAssumption{"cash": {Mean: 0.05}}
	if a := Simulate(p, opts, 1, testNow).Assumptions; a.CashReturn != 0.05 || a.CashReturnSource != "options" {
		t.Errorf("options override: cash %v from %q", a.CashReturn, a.CashReturnSource)
	}
	if got := CashReturn(emptyPortfolio()); got != DefaultReturns()["cash"].Mean {
		t.Errorf("no cash: CashReturn = %v, want the default", got)
	}
}

func TestRealValuesAreDeflated(t *testing.T) {
	r := Simulate(alexTestPortfolio(), quickOptions(), 5, testNow)
	deflator := math.Pow(1.03, 20)
	if math.Abs(r.Assumptions.RetirementDeflator-deflator) > 1e-6 {
		t.Errorf("deflator %v, want %v", r.Assumptions.RetirementDeflator, deflator)
	}
	if math.Abs(r.RealPercentiles.P50-r.Percentiles.P50/deflator) > 0.01 || math.Abs(r.RealPercentiles.P10-r.Percentiles.P10/deflator) > 0.01 {
		t.Errorf("real %+v, nominal %+v", r.RealPercentiles, r.Percentiles)
	}
	for _, m := range r.Milestones {
		d := math.Pow(1.03, float64(m.YearsFromNow))
		if want := m.MedianValue / d; math.Abs(m.RealMedianValue-want) > 0.01 {
			t.Errorf("year %d: real median %v, want %v", m.YearsFromNow, m.RealMedianValue, want)
		}
		if math.Abs(m.RealP10-m.P10/d) > 0.01 || math.Abs(m.RealP90-m.P90/d) > 0.01 {
			t.Errorf("year %d: real band %v–%v, nominal %v–%v", m.YearsFromNow, m.RealP10, m.RealP90, m.P10, m.P90)
		}
	}
	if !strings.Contains(r.Analysis, formatMoney(r.RealPercentiles.P50)) || !strings.Contains(r.Analysis, "today's dollars") {
		t.Errorf("analysis lacks the real median %s:\n%s", formatMoney(r.RealPercentiles.P50), r.Analysis)
	}
}

func TestWilsonInterval(t *testing.T) {
	// 81 of 263 by hand: p̂ = 0.30798, center (p̂ + z²/2n)/(1 + z²/n) = 0.31075,
	// half-width z/(1 + z²/n)·√(p̂(1−p̂)/n + z²/4n²) = 0.05546.
	if got := wilsonInterval(81, 263); got != (Interval{25.53, 36.62}) {
		t.Errorf("wilson(81, 263) = %+v", got)
	}
	if got := wilsonInterval(0, 1000); got.Low != 0 || got.High <= 0 || got.High > 0.4 {
		t.Errorf("wilson(0, 1000) = %+v", got)
	}
	if got := wilsonInterval(1000, 1000); got.High != 100 || got.Low >= 100 || got.Low < 99.6 {
		t.Errorf("wilson(1000, 1000) = %+v", got)
	}
	r := Simulate(alexTestPortfolio(), quickOptions(), 7, testNow)
	if iv := r.SuccessRateInterval; !(iv.Low < r.SuccessRate && r.SuccessRate < iv.High) || iv.High-iv.Low > 5 {
		t.Errorf("success %v, interval %+v", r.SuccessRate, iv)
	}
	if !strings.Contains(r.Analysis, "95% interval "+formatPercent(r.SuccessRateInterval.Low)) {
		t.Errorf("analysis lacks the interval:\n%s", r.Analysis)
	}
}

// TestEquityReturnDistribution checks the draws the simulator uses.
func TestEquityReturnDistribution(t *testing.T) {
	const draws = 100_000
	model := newReturnModel(map[string]float64{"equity": 100}, DefaultReturns())
	rng := newNormals(2024, pcgStream)
	sum, sumSq := 0.0, 0.0
	for range draws {
		r := model.annualReturn(rng.next())
		sum += r
		sumSq += r * r
	}
	mean := sum / draws
	sd := math.Sqrt(sumSq/draws - mean*mean)
	if math.Abs(mean-0.07) >= 0.003 || math.Abs(sd-0.18) >= 0.003 {
		t.Errorf("equity returns: mean %.4f, sd %.4f; want 0.07, 0.18", mean, sd)
	}
}

func TestReturnModelOfOneClassIsThatClass(t *testing.T) {
	returns := DefaultReturns()
	for _, class := range alex.AssetClasses {
		model := newReturnModel(map[string]float64{class: 100}, returns)
		if model.mean != returns[class].Mean || math.Abs(model.stdDev-returns[class].StdDev) > 1e-15 {
			t.Errorf("%s alone: mean %v sd %v, want %+v", class, model.mean, model.stdDev, returns[class])
		}
	}
}

func TestReturnModelCombinesCorrelatedClasses(t *testing.T) {
	// 60/40 stocks and bonds, by hand: σ² = (.6·.18)² + (.4·.05)² + 2·.6·.4·0.1·.18·.05.
	model := newReturnModel(map[string]float64{"equity": 60, "fixed_income": 40}, DefaultReturns())
	if want := 0.6*0.07 + 0.4*0.04; math.Abs(model.mean-want) > 1e-12 {
		t.Errorf("mean = %v, want %v", model.mean, want)
	}
	want := math.Sqrt(0.108*0.108 + 0.02*0.02 + 2*0.6*0.4*0.1*0.18*0.05)
	if math.Abs(model.stdDev-want) > 1e-12 || math.Abs(model.stdDev-0.111786) > 1e-6 {
		t.Errorf("standard deviation = %v, want %v", model.stdDev, want)
	}
	// The same through wᵀΣw with Σ = D·C·D over all six classes.
	w := []float64{0.6, 0.4, 0, 0, 0, 0}
	variance := 0.0
	for i, a := range alex.AssetClasses {
		for j, b := range alex.AssetClasses {
			variance += w[i] * w[j] * DefaultReturns()[a].StdDev * assetClassCorrelations[i][j] * DefaultReturns()[b].StdDev
		}
	}
	if math.Abs(math.Sqrt(variance)-want) > 1e-12 {
		t.Errorf("wᵀΣw = %v, want %v", math.Sqrt(variance), want)
	}
	// Correlation raises the risk of stocks with REITs above the independent figure.
	mixed := newReturnModel(map[string]float64{"equity": 50, "real_estate": 50}, DefaultReturns())
	if independent := math.Hypot(0.09, 0.06); mixed.stdDev <= independent {
		t.Errorf("stocks+REITs sd %v not above the independent %v", mixed.stdDev, independent)
	}
}

func TestCorrelationMatrixIsValid(t *testing.T) {
	const n = len(assetClassCorrelations)
	c := assetClassCorrelations
	for i := range n {
		if c[i][i] != 1 {
			t.Errorf("c[%d][%d] = %v", i, i, c[i][i])
		}
		for j := range n {
			if c[i][j] != c[j][i] || c[i][j] < -1 || c[i][j] > 1 {
				t.Errorf("c[%d][%d] = %v, c[%d][%d] = %v", i, j, c[i][j], j, i, c[j][i])
			}
			if got := Correlation(alex.AssetClasses[i], alex.AssetClasses[j]); got != c[i][j] {
				t.Errorf("Correlation(%s, %s) = %v", alex.AssetClasses[i], alex.AssetClasses[j], got)
			}
		}
	}
	// Cholesky: C = L·Lᵀ with a positive diagonal exists only for a
	// positive definite C.
	var l [n][n]float64
	for i := range n {
		for j := 0; j <= i; j++ {
			sum := c[i][j]
			for k := range j {
				sum -= l[i][k] * l[j][k]
			}
			if i == j {
				if sum <= 0 {
					t.Fatalf("not positive definite: pivot %d is %v", i, sum)
				}
				l[i][i] = math.Sqrt(sum)
			} else {
				l[i][j] = sum / l[j][j]
			}
		}
	}
	if Correlation("equity", "gold") != 0 || Correlation("gold", "gold") != 1 {
		t.Error("classes outside the contract are uncorrelated")
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

// TestPercentilesOfSimulatedRows checks rows shaped like the simulation's:
// large, skewed, many paths at exactly zero, a few huge values.
func TestPercentilesOfSimulatedRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pcts := []float64{0, 10, 25, 50, 75, 90, 100}
	for _, zeros := range []float64{0, 0.05, 0.1, 0.5, 0.9, 0.999, 1} {
		for _, n := range []int{2, 1000, 10001} {
			values := make([]float64, n)
			for i := range values {
				if rng.Float64() >= zeros {
					values[i] = 1e5 * math.Exp(1.5*rng.NormFloat64())
				}
			}
			values[rng.IntN(n)] = 1e12 // one outlier crowds the rest into the first buckets
			sorted := slices.Sorted(slices.Values(values))
			got := percentiles(slices.Clone(values), pcts...)
			for i, pct := range pcts {
				if want := sortedPercentile(sorted, pct); got[i] != want {
					t.Errorf("zeros %v, n %d: percentile %v = %v, want %v", zeros, n, pct, got[i], want)
				}
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
