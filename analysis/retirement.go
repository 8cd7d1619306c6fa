package analysis

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

const (
	defaultPaths           = 10000
	maxPaths               = 100000 // bounds the work one request can ask for
	defaultContribution    = 10000
	defaultRetirementYears = 30
	maxYears               = 100
	defaultInflation       = 0.03
	milestoneEvery         = 5
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
	StdDev float64 `json:"std_dev"`
}

// DefaultReturns are long-run nominal return assumptions per asset class.
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
// contribution and inflation, so only Paths and RetirementYears of zero or
// less fall back to their defaults. Returns overrides the defaults per
// asset class.
type RetirementOptions struct {
	Paths              int                         `json:"paths"`
	AnnualContribution float64                     `json:"annual_contribution"`
	RetirementYears    int                         `json:"retirement_years"`
	Inflation          float64                     `json:"inflation"`
	Returns            map[string]ReturnAssumption `json:"returns"`
}

// DefaultRetirementOptions: 10,000 paths, $10,000 a year of contributions,
// 30 years of withdrawals, 3% inflation and DefaultReturns.
func DefaultRetirementOptions() RetirementOptions {
	return RetirementOptions{
		Paths:              defaultPaths,
		AnnualContribution: defaultContribution,
		RetirementYears:    defaultRetirementYears,
		Inflation:          defaultInflation,
		Returns:            DefaultReturns(),
	}
}

// RetirementPayload is the retirement stage's output (retirement_payload).
type RetirementPayload struct {
	Analysis    string      `json:"analysis"`
	SuccessRate float64     `json:"success_rate"` // percent of paths that never run out of money
	Percentiles Percentiles `json:"percentiles"`  // of the value at retirement
	Milestones  []Milestone `json:"milestones"`
	Assumptions Assumptions `json:"assumptions"`
	Paths       int         `json:"paths"` // simulated; 0 when there was nothing to simulate
	Seed        uint64      `json:"seed"`
	GeneratedAt time.Time   `json:"generated_at"`
	Agent       string      `json:"agent"`
}

// Percentiles of simulated values, in nominal dollars.
type Percentiles struct {
	P10 float64 `json:"p10"`
	P25 float64 `json:"p25"`
	P50 float64 `json:"p50"`
	P75 float64 `json:"p75"`
	P90 float64 `json:"p90"`
}

// Milestone is the spread of simulated values at the end of one year.
type Milestone struct {
	Year         int     `json:"year"` // calendar year
	YearsFromNow int     `json:"years_from_now"`
	Phase        string  `json:"phase"` // accumulation (up to and including the retirement year) or retirement
	MedianValue  float64 `json:"median_value"`
	P10          float64 `json:"p10"`
	P90          float64 `json:"p90"`
}

// Assumptions record what a simulation ran with, after defaults.
type Assumptions struct {
	Paths                  int                         `json:"paths"`
	AnnualContribution     float64                     `json:"annual_contribution"`
	Inflation              float64                     `json:"inflation"`
	RetirementYears        int                         `json:"retirement_years"`
	YearsUntilRetirement   int                         `json:"years_until_retirement"`
	TargetRetirementIncome float64                     `json:"target_retirement_income"` // today's dollars
	FirstWithdrawal        float64                     `json:"first_withdrawal"`         // nominal, first year of retirement
	StartingValue          float64                     `json:"starting_value"`
	Weights                map[string]float64          `json:"weights"` // asset class → percent
	ExpectedReturn         float64                     `json:"expected_return"`
	Returns                map[string]ReturnAssumption `json:"returns"`
}

// SeedFor derives a simulation seed from a job id (FNV-1a), cut to 53 bits
// so it survives a round trip through JSON in a browser.
func SeedFor(jobID string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(jobID))
	return h.Sum64() & (1<<jsonSafeSeedBits - 1)
}

// Simulate is the retirement stage: a Monte Carlo simulation of the
// portfolio's value. Each year every asset class held earns an independent
// normal return and the portfolio their weighted sum (rebalanced yearly);
// contributions are added at the end of each year until retirement, then
// the target income, grown by inflation from today, is withdrawn at the
// start of each retirement year. A path succeeds if it never runs out of
// money. The same inputs and seed give the same payload.
func Simulate(p Portfolio, opts RetirementOptions, seed uint64, now time.Time) RetirementPayload {
	planned := Plan(p)
	opts = opts.normalized()
	mix := investmentMix(planned)
	sim := simulation{
		model:        newReturnModel(mix, opts.Returns),
		start:        planned.Value(),
		contribution: opts.AnnualContribution,
		savingYears:  min(max(planned.YearsUntilRetirement, 0), maxYears),
	}
	income := amount(planned.TargetRetirementIncome)
	sim.withdrawals = withdrawals(income, opts.Inflation, sim.savingYears, opts.RetirementYears)
	sim.milestoneYears = milestoneYears(sim.savingYears, opts.RetirementYears)

	payload := RetirementPayload{
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
			ExpectedReturn:         sim.model.mean,
			Returns:                opts.Returns,
		},
	}
	if sim.nothingToSimulate() {
		payload.Analysis = nothingToSimulateAnalysis(sim)
		return payload
	}
	result := sim.run(opts.Paths, seed)
	payload.Paths = opts.Paths
	payload.SuccessRate = round2(percentOf(float64(result.successes), float64(opts.Paths)))
	payload.Percentiles = percentilesOf(result.atRetirement)
	payload.Milestones = sim.milestones(result, now.Year())
	payload.Analysis = retirementAnalysis(payload, now.Year())
	return payload
}

// normalized fills in defaults and drops values no simulation can use.
func (o RetirementOptions) normalized() RetirementOptions {
	d := DefaultRetirementOptions()
	out := o
	if out.Paths <= 0 {
		out.Paths = d.Paths
	}
	out.Paths = min(out.Paths, maxPaths)
	if out.RetirementYears <= 0 {
		out.RetirementYears = d.RetirementYears
	}
	out.RetirementYears = min(out.RetirementYears, maxYears)
	out.AnnualContribution = amount(out.AnnualContribution)
	if math.IsNaN(out.Inflation) || out.Inflation < -0.5 || out.Inflation > 1 {
		out.Inflation = d.Inflation
	}
	out.Returns = d.Returns
	for class, r := range o.Returns {
		if r.Mean > -1 && r.Mean < 10 && r.StdDev >= 0 && r.StdDev < 10 { // also rejects NaN
			out.Returns[class] = r
		}
	}
	return out
}

// returnModel draws a portfolio's yearly return. The classes' returns are
// independent normals, so their weighted sum is itself normal: mean Σ w·μ,
// standard deviation √Σ (w·σ)². One draw a year gives exactly that
// distribution, with one normal instead of one per class held.
type returnModel struct {
	mean   float64
	stdDev float64
}

func newReturnModel(mix allocation, returns map[string]ReturnAssumption) returnModel {
	m := returnModel{}
	variance := 0.0
	for _, class := range sortedKeys(mix) {
		w := mix[class] / 100
		m.mean += w * returns[class].Mean
		variance += math.Pow(w*returns[class].StdDev, 2)
	}
	m.stdDev = math.Sqrt(variance)
	return m
}

func (m returnModel) annualReturn(rng *rand.Rand) float64 {
	return m.mean + m.stdDev*rng.NormFloat64()
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

// run simulates paths, in parallel blocks. Every path draws the same number
// of returns whether or not it runs dry, so path i sees the same markets in
// every run with the same seed: that makes runs with different contributions
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
			rng := rand.New(rand.NewPCG(seed, pcgStream+uint64(block)))
			successes[block] = s.runPaths(first, end, rng, res.milestones)
		})
	}
	wg.Wait()
	for _, n := range successes {
		res.successes += n
	}
	return res
}

// runPaths simulates paths first to end-1, writes their milestone values and
// counts those that never ran out of money.
func (s simulation) runPaths(first, end int, rng *rand.Rand, milestones [][]float64) (successes int) {
	lastYear := s.savingYears + len(s.withdrawals)
	for path := first; path < end; path++ {
		value := s.start
		broke := false
		row := 0
		for y := 1; y <= lastYear; y++ {
			growth := max(0, 1+s.model.annualReturn(rng))
			switch {
			case y <= s.savingYears:
				value = value*growth + s.contribution
			case !broke:
				value -= s.withdrawals[y-s.savingYears-1]
				if value <= 0 {
					value, broke = 0, true
				}
				value *= growth
			}
			if row < len(s.milestoneYears) && s.milestoneYears[row] == y {
				milestones[row][path] = value
				row++
			}
		}
		if !broke {
			successes++
		}
	}
	return successes
}

func (s simulation) milestones(res simulationResult, thisYear int) []Milestone {
	out := make([]Milestone, len(s.milestoneYears))
	for row, y := range s.milestoneYears {
		p := percentiles(res.milestones[row], 10, 50, 90)
		phase := "accumulation"
		if y > s.savingYears {
			phase = "retirement"
		}
		out[row] = Milestone{
			Year:         thisYear + y,
			YearsFromNow: y,
			Phase:        phase,
			MedianValue:  round2(p[1]),
			P10:          round2(p[0]),
			P90:          round2(p[2]),
		}
	}
	return out
}

func percentilesOf(values []float64) Percentiles {
	p := percentiles(values, 10, 25, 50, 75, 90)
	return Percentiles{P10: round2(p[0]), P25: round2(p[1]), P50: round2(p[2]), P75: round2(p[3]), P90: round2(p[4])}
}

// percentiles returns the values at ascending percentiles pcts, each
// interpolated linearly between the two closest ranks of values in sorted
// order. It reorders values but does not sort them: a selection finds each
// rank in linear time, and each later percentile searches only above the
// ranks found before it.
func percentiles(values []float64, pcts ...float64) []float64 {
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
