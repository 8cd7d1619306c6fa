package analysis

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/alex-advisor/alex"
)

// Bounds of RetirementOptions, the API contract's ranges: the HTTP layer
// answers 422 outside them (RetirementOptions.Validate lists every field),
// and Simulate clamps into them as a backstop, so that no stored request can
// make a run allocate or loop without bound.
const (
	MinPaths                  = 1000
	MaxPaths                  = 100000 // bounds the work one request can ask for
	MinRetirementYears        = 1
	MaxRetirementYears        = 60
	MinInflation              = 0.0
	MaxInflation              = 0.2
	MinReturnMean             = -1.0
	MaxReturnMean             = 1.0
	MinReturnStdev            = 0.0
	MaxReturnStdev            = 1.0
	MinYearsUntilRetirement   = 0
	MaxYearsUntilRetirement   = 100
	MinTargetRetirementIncome = 0.0
	MinAnnualContribution     = 0.0
)

const (
	defaultPaths           = 10000
	defaultContribution    = 10000
	defaultRetirementYears = 30
	defaultInflation       = 0.03
	milestoneEvery         = 5
	// z95 is the standard normal quantile of a two-sided 95% interval.
	z95 = 1.959963984540054
	// pcgStream is the fixed second PCG seed word, so the seed alone
	// reproduces a run.
	pcgStream = 0x616c65782d6d6321 // "alex-mc!"
	// jsonSafeSeedBits keeps seeds exact as JSON numbers in JavaScript,
	// whose numbers are float64.
	jsonSafeSeedBits = 53
)

// ReturnAssumption is the normal distribution of one asset class's yearly
// return (0.07 = 7%).
type ReturnAssumption struct {
	Mean   float64 `json:"mean"`
	StdDev float64 `json:"stdev"`
}

// DefaultReturns are long-run nominal return assumptions per asset class.
// The simulation replaces cash's mean by CashReturn of the portfolio.
func DefaultReturns() map[string]ReturnAssumption {
	return map[string]ReturnAssumption{
		"equity":       {Mean: 0.07, StdDev: 0.18},
		"fixed_income": {Mean: 0.04, StdDev: 0.05},
		"real_estate":  {Mean: 0.06, StdDev: 0.12},
		"commodities":  {Mean: 0.03, StdDev: 0.15},
		"cash":         {Mean: 0.02, StdDev: 0},
		"alternatives": {Mean: 0.05, StdDev: 0.10},
	}
}

// RetirementOptions configure Simulate. Start from DefaultRetirementOptions
// (or unmarshal a request's options over it): zero is a meaningful
// contribution and inflation, so only Paths and RetirementYears of zero
// fall back to their defaults. Returns overrides DefaultReturns per asset
// class, both mean and stdev (a class given without "stdev" has none);
// a class not named keeps its default, and cash's default mean is the
// accounts' interest (CashReturn). YearsUntilRetirement and
// TargetRetirementIncome, when set, override the portfolio's profile.
type RetirementOptions struct {
	Paths                  int                         `json:"paths"`
	AnnualContribution     float64                     `json:"annual_contribution"`
	RetirementYears        int                         `json:"retirement_years"`
	Inflation              float64                     `json:"inflation"`
	Returns                map[string]ReturnAssumption `json:"returns,omitempty"`
	YearsUntilRetirement   *int                        `json:"years_until_retirement,omitempty"`
	TargetRetirementIncome *float64                    `json:"target_retirement_income,omitempty"`
}

// DefaultRetirementOptions: 10,000 paths, $10,000 a year of contributions,
// 30 years of withdrawals, 3% inflation, DefaultReturns (cash earning the
// accounts' interest) and the profile's retirement year and income.
func DefaultRetirementOptions() RetirementOptions {
	return RetirementOptions{
		Paths:              defaultPaths,
		AnnualContribution: defaultContribution,
		RetirementYears:    defaultRetirementYears,
		Inflation:          defaultInflation,
	}
}

// OptionError is one option outside the contract: Field is its path in the
// options object ("paths", "returns.equity.stdev"), Message a sentence.
type OptionError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Validate lists every option outside the bounds above, in a fixed order;
// none means the options are valid. Zero Paths and RetirementYears mean
// "the default" and are valid.
func (o RetirementOptions) Validate() []OptionError {
	var errs []OptionError
	bad := func(field, format string, args ...any) {
		errs = append(errs, OptionError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if o.Paths != 0 && (o.Paths < MinPaths || o.Paths > MaxPaths) {
		bad("paths", "must be between %d and %d", MinPaths, MaxPaths)
	}
	if !inRange(o.AnnualContribution, MinAnnualContribution, math.Inf(1)) {
		bad("annual_contribution", "must be a finite number of at least %g", MinAnnualContribution)
	}
	if o.RetirementYears != 0 && (o.RetirementYears < MinRetirementYears || o.RetirementYears > MaxRetirementYears) {
		bad("retirement_years", "must be between %d and %d", MinRetirementYears, MaxRetirementYears)
	}
	if !inRange(o.Inflation, MinInflation, MaxInflation) {
		bad("inflation", "must be between %g and %g", MinInflation, MaxInflation)
	}
	for _, class := range sortedKeys(o.Returns) {
		r := o.Returns[class]
		if !slices.Contains(alex.AssetClasses, class) {
			bad("returns."+class, "is not an asset class (one of equity, fixed_income, real_estate, commodities, cash, alternatives)")
			continue
		}
		if !inRange(r.Mean, MinReturnMean, MaxReturnMean) {
			bad("returns."+class+".mean", "must be between %g and %g", MinReturnMean, MaxReturnMean)
		}
		if !inRange(r.StdDev, MinReturnStdev, MaxReturnStdev) {
			bad("returns."+class+".stdev", "must be between %g and %g", MinReturnStdev, MaxReturnStdev)
		}
	}
	if y := o.YearsUntilRetirement; y != nil && (*y < MinYearsUntilRetirement || *y > MaxYearsUntilRetirement) {
		bad("years_until_retirement", "must be between %d and %d", MinYearsUntilRetirement, MaxYearsUntilRetirement)
	}
	if t := o.TargetRetirementIncome; t != nil && !inRange(*t, MinTargetRetirementIncome, math.Inf(1)) {
		bad("target_retirement_income", "must be a finite number of at least %g", MinTargetRetirementIncome)
	}
	return errs
}

// inRange reports whether x is finite and lo ≤ x ≤ hi (hi may be +Inf).
func inRange(x, lo, hi float64) bool {
	return !math.IsNaN(x) && !math.IsInf(x, 0) && x >= lo && x <= hi
}

// RetirementPayload is the retirement stage's output (retirement_payload).
type RetirementPayload struct {
	Currency    string  `json:"currency"` // of every amount
	Analysis    string  `json:"analysis"`
	SuccessRate float64 `json:"success_rate"` // percent of paths that never run out of money
	// SuccessRateInterval is the 95% Wilson score interval of the success
	// rate over the paths (percent): how far it could move with other seeds.
	SuccessRateInterval Interval    `json:"success_rate_interval"`
	Percentiles         Percentiles `json:"percentiles"`      // of the value at retirement, nominal dollars
	RealPercentiles     Percentiles `json:"real_percentiles"` // the same in today's dollars: ÷ (1+inflation)^years
	Milestones          []Milestone `json:"milestones"`
	Assumptions         Assumptions `json:"assumptions"`
	Paths               int         `json:"paths"` // simulated; 0 when there was nothing to simulate
	Seed                uint64      `json:"seed"`
	GeneratedAt         time.Time   `json:"generated_at"`
	Agent               string      `json:"agent"`
}

// Interval is a confidence interval, in percent.
type Interval struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// Percentiles of simulated values.
type Percentiles struct {
	P10 float64 `json:"p10"`
	P25 float64 `json:"p25"`
	P50 float64 `json:"p50"`
	P75 float64 `json:"p75"`
	P90 float64 `json:"p90"`
}

// Milestone is the spread of simulated values at the end of one year.
type Milestone struct {
	Year            int     `json:"year"` // calendar year
	YearsFromNow    int     `json:"years_from_now"`
	Phase           string  `json:"phase"`             // accumulation (up to and including the retirement year) or retirement
	MedianValue     float64 `json:"median_value"`      // nominal dollars
	RealMedianValue float64 `json:"real_median_value"` // today's dollars
	P10             float64 `json:"p10"`
	P90             float64 `json:"p90"`
	// RealP10 and RealP90 are P10 and P90 in today's money, so the band of
	// a projection can be drawn in real terms as well as nominal ones.
	RealP10 float64 `json:"real_p10"`
	RealP90 float64 `json:"real_p90"`
}

// Assumptions record what a simulation ran with, after defaults and
// overrides.
type Assumptions struct {
	Paths                  int     `json:"paths"`
	AnnualContribution     float64 `json:"annual_contribution"`
	Inflation              float64 `json:"inflation"`
	RetirementYears        int     `json:"retirement_years"`
	YearsUntilRetirement   int     `json:"years_until_retirement"`
	TargetRetirementIncome float64 `json:"target_retirement_income"` // today's dollars
	FirstWithdrawal        float64 `json:"first_withdrawal"`         // nominal, first year of retirement
	StartingValue          float64 `json:"starting_value"`
	// Weights is the asset-class mix (percent), rebalanced to every year.
	Weights map[string]float64 `json:"weights"`
	// ExpectedReturn and Stdev are the mean and standard deviation of the
	// portfolio's nominal yearly return; ExpectedRealReturn is the mean
	// after inflation, (1+mean)/(1+inflation) − 1.
	ExpectedReturn     float64 `json:"expected_return"`
	ExpectedRealReturn float64 `json:"expected_real_return"`
	Stdev              float64 `json:"stdev"`
	// Returns are the classes' return distributions used; cash's mean is
	// CashReturn, from CashReturnSource: "accounts" (their balance-weighted
	// interest), "default" (no cash balance to weight) or "options".
	Returns          map[string]ReturnAssumption `json:"returns"`
	CashReturn       float64                     `json:"cash_return"`
	CashReturnSource string                      `json:"cash_return_source"`
	// Correlations between the classes held (see assetClassCorrelations).
	Correlations map[string]map[string]float64 `json:"correlations"`
	// Nominal values (percentiles, milestones' values) are in dollars of
	// their year; real ones are divided by (1+inflation)^years into today's
	// dollars. RetirementDeflator is that divisor at retirement.
	RetirementDeflator float64 `json:"retirement_deflator"`
}

// SeedFor derives a simulation seed from a job id (FNV-1a), cut to 53 bits
// so it survives a round trip through JSON in a browser.
func SeedFor(jobID string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(jobID))
	return h.Sum64() & (1<<jsonSafeSeedBits - 1)
}

// Simulate is the retirement stage: a Monte Carlo simulation of the
// portfolio's value. Each year the portfolio, rebalanced yearly to its
// asset-class mix, earns a normal return whose mean and variance come from
// the classes' returns and their correlations (newReturnModel);
// contributions are added at the end of each year until retirement, then
// the target income, grown by inflation from today, is withdrawn at the
// start of each retirement year. A path succeeds if it never runs out of
// money. The same inputs and seed give the same payload.
func Simulate(p Portfolio, opts RetirementOptions, seed uint64, now time.Time) RetirementPayload {
	planned := Plan(p)
	opts = opts.normalized()
	mix := investmentMix(planned)
	returns, cashSource := opts.returnsFor(planned)
	years := min(max(planned.YearsUntilRetirement, MinYearsUntilRetirement), MaxYearsUntilRetirement)
	if opts.YearsUntilRetirement != nil {
		years = *opts.YearsUntilRetirement
	}
	income := amount(planned.TargetRetirementIncome)
	if opts.TargetRetirementIncome != nil {
		income = *opts.TargetRetirementIncome
	}
	sim := simulation{
		model:        newReturnModel(mix, returns),
		start:        planned.Value(),
		contribution: opts.AnnualContribution,
		savingYears:  years,
	}
	sim.withdrawals = withdrawals(income, opts.Inflation, sim.savingYears, opts.RetirementYears)
	sim.milestoneYears = milestoneYears(sim.savingYears, opts.RetirementYears)
	deflator := math.Pow(1+opts.Inflation, float64(sim.savingYears))

	payload := RetirementPayload{
		Currency:    cmp.Or(planned.Currency, "USD"),
		Milestones:  []Milestone{},
		Seed:        seed,
		GeneratedAt: now,
		Agent:       "retirement",
		Assumptions: Assumptions{
			Paths:                  opts.Paths,
			AnnualContribution:     opts.AnnualContribution,
			Inflation:              opts.Inflation,
			RetirementYears:        opts.RetirementYears,
			YearsUntilRetirement:   sim.savingYears,
			TargetRetirementIncome: income,
			FirstWithdrawal:        round2(sim.withdrawals[0]),
			StartingValue:          round2(sim.start),
			Weights:                mix,
			ExpectedReturn:         round6(sim.model.mean),
			ExpectedRealReturn:     round6((1+sim.model.mean)/(1+opts.Inflation) - 1),
			Stdev:                  round6(sim.model.stdDev),
			Returns:                returns,
			CashReturn:             returns["cash"].Mean,
			CashReturnSource:       cashSource,
			Correlations:           correlationsOf(mix),
			RetirementDeflator:     round6(deflator),
		},
	}
	if sim.nothingToSimulate() {
		payload.Analysis = nothingToSimulateAnalysis(sim, currencyUnit(payload.Currency))
		return payload
	}
	result := sim.run(opts.Paths, seed)
	payload.Paths = opts.Paths
	payload.SuccessRate = round2(percentOf(float64(result.successes), float64(opts.Paths)))
	payload.SuccessRateInterval = wilsonInterval(result.successes, opts.Paths)
	atRetirement := percentiles(result.atRetirement, 10, 25, 50, 75, 90)
	payload.Percentiles = percentilesOf(atRetirement, 1)
	payload.RealPercentiles = percentilesOf(atRetirement, deflator)
	payload.Milestones = sim.milestones(result, now.Year(), opts.Inflation)
	payload.Analysis = retirementAnalysis(payload, now.Year())
	return payload
}

// normalized fills in the defaults of unset (zero) values and, as a
// backstop for requests that were not validated, clamps the others into
// the bounds above; NaN falls back to the default. Validate is what tells
// a person that a value is out of range.
func (o RetirementOptions) normalized() RetirementOptions {
	d := DefaultRetirementOptions()
	out := o
	if out.Paths == 0 {
		out.Paths = d.Paths
	}
	out.Paths = min(max(out.Paths, MinPaths), MaxPaths)
	if out.RetirementYears == 0 {
		out.RetirementYears = d.RetirementYears
	}
	out.RetirementYears = min(max(out.RetirementYears, MinRetirementYears), MaxRetirementYears)
	out.AnnualContribution = amount(out.AnnualContribution)
	out.Inflation = clamp(out.Inflation, MinInflation, MaxInflation, d.Inflation)
	out.Returns = make(map[string]ReturnAssumption, len(o.Returns))
	for class, r := range o.Returns {
		if slices.Contains(alex.AssetClasses, class) {
			out.Returns[class] = ReturnAssumption{
				Mean:   clamp(r.Mean, MinReturnMean, MaxReturnMean, DefaultReturns()[class].Mean),
				StdDev: clamp(r.StdDev, MinReturnStdev, MaxReturnStdev, DefaultReturns()[class].StdDev),
			}
		}
	}
	if y := o.YearsUntilRetirement; y != nil {
		years := min(max(*y, MinYearsUntilRetirement), MaxYearsUntilRetirement)
		out.YearsUntilRetirement = &years
	}
	if t := o.TargetRetirementIncome; t != nil {
		income := amount(*t)
		out.TargetRetirementIncome = &income
	}
	return out
}

// round6 rounds a rate or factor to six decimals for the payload.
func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// clamp is x within [lo, hi], or otherwise for NaN.
func clamp(x, lo, hi, otherwise float64) float64 {
	if math.IsNaN(x) {
		return otherwise
	}
	return min(max(x, lo), hi)
}

// returnsFor are the return assumptions of every asset class for p: the
// defaults, cash earning CashReturn(p), and the options' overrides; and
// where cash's mean comes from.
func (o RetirementOptions) returnsFor(p Portfolio) (map[string]ReturnAssumption, string) {
	returns := DefaultReturns()
	cash := returns["cash"]
	cash.Mean = CashReturn(p)
	returns["cash"] = cash
	source := "accounts"
	if p.Cash() <= 0 {
		source = "default"
	}
	for class, r := range o.Returns {
		returns[class] = r
		if class == "cash" {
			source = "options"
		}
	}
	return returns, source
}

// assetClassCorrelations are approximate correlations of yearly returns
// between the asset classes, in alex.AssetClasses, rounded from long-run US
// annual data (about 1972–2023): equity = US total stock market (S&P 500 /
// CRSP), fixed_income = US aggregate investment-grade bonds (Bloomberg US
// Aggregate and its predecessors), real_estate = listed equity REITs
// (FTSE Nareit All Equity REITs), commodities = a broad index (S&P GSCI /
// Bloomberg Commodity), cash = 3-month Treasury bills, alternatives = hedge
// funds (HFRI Fund Weighted Composite, from 1990). Stocks and bonds: about
// 0.1 over the whole period (positive in the 1970s–90s and 2022, negative
// 2000–2020); stocks and REITs about 0.6; stocks and commodities about 0.2;
// bonds and commodities slightly negative (inflation hurts one and lifts the
// other); bills and bonds about 0.3 (both follow the level of rates); hedge
// funds move with stocks (about 0.6). These are planning figures, not
// estimates for any one decade; the matrix is positive definite (tested).
var assetClassCorrelations = [6][6]float64{
	//      equity  fixed_income  real_estate  commodities  cash  alternatives
	/* equity */ {1.0, 0.1, 0.6, 0.2, 0.0, 0.6},
	/* fixed_income */ {0.1, 1.0, 0.2, -0.1, 0.3, 0.1},
	/* real_estate */ {0.6, 0.2, 1.0, 0.2, 0.0, 0.4},
	/* commodities */ {0.2, -0.1, 0.2, 1.0, 0.1, 0.3},
	/* cash */ {0.0, 0.3, 0.0, 0.1, 1.0, 0.1},
	/* alternatives */ {0.6, 0.1, 0.4, 0.3, 0.1, 1.0},
}

// Correlation is the assumed correlation of two asset classes' yearly
// returns: 1 for a class with itself, 0 for a class outside the contract.
func Correlation(a, b string) float64 {
	if a == b {
		return 1
	}
	i, j := slices.Index(alex.AssetClasses, a), slices.Index(alex.AssetClasses, b)
	if i < 0 || j < 0 {
		return 0
	}
	return assetClassCorrelations[i][j]
}

// correlationsOf lists the correlations between the classes of mix.
func correlationsOf(mix allocation) map[string]map[string]float64 {
	out := make(map[string]map[string]float64, len(mix))
	for a := range mix {
		out[a] = make(map[string]float64, len(mix))
		for b := range mix {
			out[a][b] = Correlation(a, b)
		}
	}
	return out
}

// returnModel draws a portfolio's yearly return. With the classes' returns
// jointly normal with covariance Σ = D·C·D (D the classes' standard
// deviations, C their correlations) and the weights w restored every year,
// the portfolio's return is itself normal: mean wᵀμ, variance wᵀΣw. One
// draw a year gives exactly that distribution, with one normal instead of
// one per class held.
type returnModel struct {
	mean   float64
	stdDev float64
}

func newReturnModel(mix allocation, returns map[string]ReturnAssumption) returnModel {
	m := returnModel{}
	variance := 0.0
	classes := sortedKeys(mix)
	for _, a := range classes {
		wa := mix[a] / 100
		m.mean += wa * returns[a].Mean
		for _, b := range classes {
			wb := mix[b] / 100
			variance += wa * wb * Correlation(a, b) * returns[a].StdDev * returns[b].StdDev
		}
	}
	m.stdDev = math.Sqrt(max(variance, 0))
	return m
}

// wilsonInterval is the 95% Wilson score interval of successes out of n
// (percent, two decimals).
func wilsonInterval(successes, n int) Interval {
	if n <= 0 {
		return Interval{}
	}
	p, fn, z2 := float64(successes)/float64(n), float64(n), z95*z95
	center := (p + z2/(2*fn)) / (1 + z2/fn)
	half := z95 / (1 + z2/fn) * math.Sqrt(p*(1-p)/fn+z2/(4*fn*fn))
	return Interval{Low: round2(100 * max(center-half, 0)), High: round2(100 * min(center+half, 1))}
}

// annualReturn is one year's return of standard normal draw z. The
// explicit conversions keep the compiler from fusing multiply and add
// (arm64, amd64 v3), so a seed gives the same bits everywhere this code's
// arithmetic decides them.
func (m returnModel) annualReturn(z float64) float64 {
	return m.mean + float64(m.stdDev*z)
}

// growth is the factor a year's return multiplies a value by; a loss of
// more than everything leaves nothing, not a debt.
func (m returnModel) growth(z float64) float64 {
	return max(0, 1+m.annualReturn(z))
}

// simulation is one Monte Carlo setup, all in slices so that simulating a
// path allocates nothing.
type simulation struct {
	model          returnModel
	start          float64
	contribution   float64
	savingYears    int
	withdrawals    []float64 // nominal withdrawal of each retirement year
	milestoneYears []int     // years from now, ascending
}

type simulationResult struct {
	atRetirement []float64   // per path; may share a milestone row
	milestones   [][]float64 // per milestone, per path
	successes    int
}

func (s simulation) nothingToSimulate() bool {
	return s.start <= 0 && (s.contribution <= 0 || s.savingYears == 0)
}

// withdrawals are the nominal yearly incomes of retirement: today's income
// grown by inflation to each year.
func withdrawals(income, inflation float64, savingYears, retirementYears int) []float64 {
	out := make([]float64, retirementYears)
	for k := range out {
		out[k] = income * math.Pow(1+inflation, float64(savingYears+k))
	}
	return out
}

// milestoneYears are every fifth year, the retirement year and the last year.
func milestoneYears(savingYears, retirementYears int) []int {
	last := savingYears + retirementYears
	var years []int
	for y := milestoneEvery; y <= last; y += milestoneEvery {
		years = append(years, y)
	}
	if savingYears > 0 {
		years = append(years, savingYears)
	}
	years = append(years, last)
	slices.Sort(years)
	return slices.Compact(years)
}

// pathsPerBlock is how many paths one goroutine simulates with one random
// stream: blocks run in parallel, and each block's stream depends only on the
// seed and the block's number, so a run is the same however they interleave.
const pathsPerBlock = 1000

// run simulates paths, in parallel blocks. Every path draws its return of
// every year whether or not it runs dry, year by year across its block, so
// path i sees the same markets in every run with the same seed and number of
// paths, whatever the contributions, income or horizon: that makes such runs
// comparable path by path.
func (s simulation) run(paths int, seed uint64) simulationResult {
	res := simulationResult{milestones: make([][]float64, len(s.milestoneYears))}
	samples := make([]float64, paths*len(s.milestoneYears))
	for row := range res.milestones {
		res.milestones[row] = samples[row*paths : (row+1)*paths]
	}
	// The retirement year is a milestone; its row doubles as the values at
	// retirement. Retiring now, every path starts out with the same value.
	if i := slices.Index(s.milestoneYears, s.savingYears); i >= 0 {
		res.atRetirement = res.milestones[i]
	} else {
		res.atRetirement = make([]float64, paths)
		for path := range paths {
			res.atRetirement[path] = s.start
		}
	}
	successes := make([]int, (paths+pathsPerBlock-1)/pathsPerBlock)
	var wg sync.WaitGroup
	for block := range successes {
		first, end := block*pathsPerBlock, min((block+1)*pathsPerBlock, paths)
		wg.Go(func() {
			rng := newNormals(seed, pcgStream+uint64(block))
			successes[block] = s.runPaths(first, end, rng, res.milestones)
		})
	}
	wg.Wait()
	for _, n := range successes {
		res.successes += n
	}
	return res
}

// runPaths simulates paths first to end-1 year by year, all of them in one
// year before the next (so the independent paths overlap in the CPU, and
// path i's return in year y is the same draw whatever the horizon), writes
// their milestone values and counts those that never ran out of money.
func (s simulation) runPaths(first, end int, rng normals, milestones [][]float64) (successes int) {
	values := make([]float64, end-first)
	draws := make([]float64, end-first) // this year's, path by path
	broke := make([]bool, end-first)
	for i := range values {
		values[i] = s.start
	}
	lastYear := s.savingYears + len(s.withdrawals)
	row := 0
	for y := 1; y <= lastYear; y++ {
		rng.fill(draws) // every path draws, even when broke, to keep the streams aligned
		if y <= s.savingYears {
			for i, value := range values {
				values[i] = float64(value*s.model.growth(draws[i])) + s.contribution
			}
		} else {
			withdrawal := s.withdrawals[y-s.savingYears-1]
			for i, value := range values {
				if broke[i] {
					continue
				}
				value -= withdrawal
				if value <= 0 {
					values[i], broke[i] = 0, true
					continue
				}
				values[i] = value * s.model.growth(draws[i])
			}
		}
		if row < len(s.milestoneYears) && s.milestoneYears[row] == y {
			copy(milestones[row][first:end], values)
			row++
		}
	}
	for _, b := range broke {
		if !b {
			successes++
		}
	}
	return successes
}

func (s simulation) milestones(res simulationResult, thisYear int, inflation float64) []Milestone {
	out := make([]Milestone, len(s.milestoneYears))
	for row, y := range s.milestoneYears {
		p := percentiles(res.milestones[row], 10, 50, 90)
		phase := "accumulation"
		if y > s.savingYears {
			phase = "retirement"
		}
		deflator := math.Pow(1+inflation, float64(y))
		out[row] = Milestone{
			Year:            thisYear + y,
			YearsFromNow:    y,
			Phase:           phase,
			MedianValue:     round2(p[1]),
			RealMedianValue: round2(p[1] / deflator),
			P10:             round2(p[0]),
			P90:             round2(p[2]),
			RealP10:         round2(p[0] / deflator),
			RealP90:         round2(p[2] / deflator),
		}
	}
	return out
}

// percentilesOf are the 10th to 90th percentiles p (from percentiles),
// divided by deflator.
func percentilesOf(p []float64, deflator float64) Percentiles {
	at := func(i int) float64 { return round2(p[i] / deflator) }
	return Percentiles{P10: at(0), P25: at(1), P50: at(2), P75: at(3), P90: at(4)}
}

// percentileBuckets is how many equal-width value ranges percentiles
// counts values into.
const percentileBuckets = 1024

// percentiles returns the values at ascending percentiles pcts, each
// interpolated linearly between the two closest ranks of values in sorted
// order; values hold no NaN. It sorts nothing: one pass finds the range of
// values, one counts them into equal-width buckets of that range (the
// bucket of a value never decreases with the value, so the counts say which
// bucket holds each rank), one gathers the few buckets holding the ranks
// needed, and a selection within each finds the exact values. Each pass is
// linear and branch-light, several times faster than selecting in the whole
// row. It may reorder values.
func percentiles(values []float64, pcts ...float64) []float64 {
	out := make([]float64, len(pcts))
	n := len(values)
	if n == 0 {
		return out
	}
	lo, hi := values[0], values[0]
	for _, v := range values {
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	scale := percentileBuckets / (hi - lo)
	if hi == lo || math.IsInf(scale, 0) || math.IsNaN(scale) {
		return selectPercentiles(values, pcts...)
	}
	bucketOf := func(v float64) int { return min(int((v-lo)*scale), percentileBuckets-1) }
	var first [percentileBuckets + 1]int // first[b]: rank of the smallest value in bucket b
	atLow := 0                           // values equal to the lowest, e.g. the paths that ran out of money
	for _, v := range values {
		first[bucketOf(v)+1]++
		if v == lo {
			atLow++
		}
	}
	for b := range percentileBuckets {
		first[b+1] += first[b]
	}
	bucketOfRank := func(r int) int {
		b, _ := slices.BinarySearch(first[:], r+1) // first b with first[b] > r, minus one
		return b - 1
	}
	// The ranks needed: each percentile's floor and the one above it.
	ranks := make([]int, 0, 2*len(pcts))
	for _, pct := range pcts {
		r := int(math.Floor(pct / 100 * float64(n-1)))
		ranks = append(ranks, r, min(r+1, n-1))
	}
	// Gather the values of the buckets holding them, bucket by bucket.
	var at [percentileBuckets]int // where the next value of a wanted bucket goes, +1; 0 = not wanted
	size := 0
	for _, r := range ranks {
		if b := bucketOfRank(r); r >= atLow && at[b] == 0 {
			at[b] = size + 1
			size += first[b+1] - first[b]
		}
	}
	gathered := make([]float64, size)
	start := at // each wanted bucket's segment begins at start[b]-1
	for _, v := range values {
		if b := bucketOf(v); at[b] != 0 {
			gathered[at[b]-1] = v
			at[b]++
		}
	}
	valueAt := func(r int) float64 {
		if r < atLow {
			return lo
		}
		b := bucketOfRank(r)
		segment := gathered[start[b]-1 : start[b]-1+first[b+1]-first[b]]
		k := r - first[b]
		selectRank(segment, k)
		return segment[k]
	}
	for i, pct := range pcts {
		rank := pct / 100 * float64(n-1)
		low, high := valueAt(ranks[2*i]), valueAt(ranks[2*i+1])
		out[i] = low + (rank-float64(ranks[2*i]))*(high-low)
	}
	return out
}

// selectPercentiles is percentiles by selection in the whole of values
// (which it reorders): each rank in linear time, each later percentile
// searching only above the ranks found before it.
func selectPercentiles(values []float64, pcts ...float64) []float64 {
	out := make([]float64, len(pcts))
	if len(values) == 0 {
		return out
	}
	from := 0
	for i, pct := range pcts {
		rank := pct / 100 * float64(len(values)-1)
		lo := int(math.Floor(rank))
		selectRank(values[from:], lo-from)
		low, high := values[lo], values[lo]
		if lo+1 < len(values) {
			high = slices.Min(values[lo+1:])
		}
		out[i] = low + (rank-float64(lo))*(high-low)
		from = lo
	}
	return out
}

// selectRank reorders v so that v[k] holds the value a sort would put there,
// with nothing greater before it and nothing smaller after it (Hoare's
// quickselect, median-of-three pivots).
func selectRank(v []float64, k int) {
	lo, hi := 0, len(v)-1
	for lo < hi {
		pivot := medianOfThree(v[lo], v[lo+(hi-lo)/2], v[hi])
		i, j := lo, hi
		for i <= j {
			for v[i] < pivot {
				i++
			}
			for v[j] > pivot {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		// v[lo..j] ≤ pivot ≤ v[i..hi], and anything between equals pivot.
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return
		}
	}
}

func medianOfThree(a, b, c float64) float64 {
	return max(min(a, b), min(max(a, b), c))
}
