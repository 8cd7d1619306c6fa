package analysis

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/alex-advisor/alex"
)

const (
	// rebalanceBand is how far (percentage points) an asset class may drift
	// from its target before a trade is suggested; smaller gaps are noise
	// that would cost more in trading than they fix.
	rebalanceBand = 1.0
	// withdrawalMultiple is the 4% rule: savings of 25× the yearly income
	// sustain that income for about 30 years.
	withdrawalMultiple = 25
)

// Metrics are the numbers the report and the summary are built from,
// computed once by Analyze. Money is in Currency. Every percentage (0..100)
// is a share of Value, the whole portfolio with its cash, as the charts
// show it, so a percent in the report is a chart's value over the sum of
// the chart's values.
type Metrics struct {
	// Currency is the ISO 4217 code every amount is in: the portfolio's
	// (after Valuate), USD when it has none.
	Currency      string           `json:"currency"`
	Value         float64          `json:"value"`
	Cash          float64          `json:"cash"`
	CashPercent   float64          `json:"cash_percent"`
	CashInterest  float64          `json:"cash_interest"` // balance-weighted rate, 0..1
	InvestedValue float64          `json:"invested_value"`
	Accounts      []AccountSummary `json:"accounts"`
	// Holdings are the valued positions combined by symbol across
	// accounts, largest first. Unpriced holdings are not among them.
	Holdings        []Holding `json:"holdings"`
	LargestPosition *Holding  `json:"largest_position,omitempty"`
	// Unpriced are the symbols, sorted, of the holdings that could not be
	// valued (no price, or no rate to convert it). They are worth nothing
	// in any total, so they are named instead of counted.
	Unpriced []string `json:"unpriced"`
	// Warnings name what could not be valued or is old: the portfolio's,
	// plus one for each unpriced holding Valuate did not name.
	Warnings []Warning `json:"warnings"`
	// Rates are the exchange rates the portfolio was converted at.
	Rates []RateUsed `json:"rates"`
	// PriceSources summarize where the valued holdings' prices come from
	// and the days they are for.
	PriceSources []PriceSourceSummary `json:"price_sources"`
	// HHI is the Herfindahl index (0..1) of the shares of the whole value
	// held in each holding, cash counted as one holding, as the top
	// holdings chart shows them; EffectiveHoldings = 1/HHI is the number
	// of equal-sized holdings that would be as concentrated.
	HHI               float64 `json:"hhi"`
	EffectiveHoldings float64 `json:"effective_holdings"`
	// AssetClasses compares each class held or targeted with its target,
	// as a share of the whole value (cash is a class). Regions do the same,
	// rolled up onto the target's keys, with cash as a region of its own
	// (targeted at 0 unless the targets name it), as the geographic chart
	// shows it.
	AssetClasses     []Drift    `json:"asset_classes"`
	Regions          []Drift    `json:"regions"`
	HasAssetTargets  bool       `json:"has_asset_targets"`
	HasRegionTargets bool       `json:"has_region_targets"`
	InstrumentTypes  []Exposure `json:"instrument_types"`
	Trades           []Trade    `json:"trades"`
	// CashReturn is the yearly return cash is assumed to earn: CashReturn(p),
	// the figure the retirement simulation assumes. ExpectedReturn is the
	// blended nominal yearly return of the asset mix, cash earning CashReturn.
	CashReturn     float64   `json:"cash_return"`
	ExpectedReturn float64   `json:"expected_return"`
	Retirement     Readiness `json:"retirement"`
}

// PriceSourceSummary is how many valued holdings are priced from one
// source, and the first and last day of their prices ("" when undated).
type PriceSourceSummary struct {
	Source   string `json:"source"` // seed, market, amfi, user, or "" when not recorded
	Holdings int    `json:"holdings"`
	Undated  int    `json:"undated"` // of Holdings, those whose price has no date
	Oldest   string `json:"oldest,omitempty"`
	Newest   string `json:"newest,omitempty"`
}

// AccountSummary is one account's value.
type AccountSummary struct {
	Name         string  `json:"name"`
	Purpose      string  `json:"purpose"`
	Cash         float64 `json:"cash"`
	CashInterest float64 `json:"cash_interest"`
	Invested     float64 `json:"invested"`
	Value        float64 `json:"value"`
}

// Holding is one symbol held across all accounts.
type Holding struct {
	Symbol   string  `json:"symbol"`
	Name     string  `json:"name"`
	Type     string  `json:"type"`
	Quantity float64 `json:"quantity"`
	Value    float64 `json:"value"`
	Percent  float64 `json:"percent"` // of the portfolio's value
}

// Drift is one category's current share against its target.
type Drift struct {
	Key            string  `json:"key"`
	Name           string  `json:"name"`
	Value          float64 `json:"value"`
	CurrentPercent float64 `json:"current_percent"`
	TargetPercent  float64 `json:"target_percent"`
	Drift          float64 `json:"drift"` // current − target, percentage points
}

// Exposure is the value held in one category.
type Exposure struct {
	Key     string  `json:"key"`
	Name    string  `json:"name"`
	Value   float64 `json:"value"`
	Percent float64 `json:"percent"`
}

// Trade moves money into or out of an asset class to reach its target.
type Trade struct {
	Action     string  `json:"action"` // buy or sell
	AssetClass string  `json:"asset_class"`
	Amount     float64 `json:"amount"`
}

// Readiness is a simple deterministic retirement projection in today's
// dollars: the current value grown at the real expected return, without
// new contributions, against 25× the target income.
type Readiness struct {
	YearsUntilRetirement int     `json:"years_until_retirement"`
	TargetIncome         float64 `json:"target_income"`
	Need                 float64 `json:"need"`
	RealReturn           float64 `json:"real_return"`
	ProjectedValue       float64 `json:"projected_value"`
	FundedRatio          float64 `json:"funded_ratio"` // projected / need, 0 when nothing is needed
	// AnnualSavingsNeeded closes the gap by retirement (0 when funded or
	// when there are no years left to save in).
	AnnualSavingsNeeded float64 `json:"annual_savings_needed"`
}

// Analyze computes the metrics of p (planned first, so every instrument
// has allocations).
func Analyze(p Portfolio) Metrics {
	planned := Plan(p)
	m := Metrics{
		Currency:         cmp.Or(planned.Currency, "USD"),
		Value:            planned.Value(),
		Cash:             planned.Cash(),
		CashInterest:     cashInterest(planned),
		InvestedValue:    planned.InvestedValue(),
		Accounts:         accountSummaries(planned),
		HasAssetTargets:  normalizePercentages(planned.AssetClassTargets) != nil,
		HasRegionTargets: normalizePercentages(planned.RegionTargets) != nil,
	}
	m.CashPercent = percentOf(m.Cash, m.Value)
	m.Holdings = holdingsOf(planned)
	if len(m.Holdings) > 0 {
		m.LargestPosition = &m.Holdings[0]
	}
	m.Unpriced = unpricedSymbols(planned)
	m.Warnings = warningsOf(planned, m.Unpriced)
	m.Rates = slices.Clone(planned.Rates)
	if m.Rates == nil {
		m.Rates = []RateUsed{}
	}
	m.PriceSources = priceSources(planned)
	m.HHI = herfindahl(m.Holdings, m.Cash, m.Value)
	if m.HHI > 0 {
		m.EffectiveHoldings = 1 / m.HHI
	}
	m.AssetClasses = drifts(exposure(planned, assetClassesOf), planned.AssetClassTargets, m.Value, alex.AssetClasses)
	m.Regions = drifts(rollUp(exposure(planned, regionsOf), planned.RegionTargets), planned.RegionTargets, m.Value, alex.Regions)
	m.InstrumentTypes = typeExposure(planned, m.Value)
	if m.HasAssetTargets {
		m.Trades = rebalancingTrades(m.AssetClasses, m.Value)
	}
	// The same returns the retirement simulation assumes by default, cash
	// earning CashReturn, so the report and the simulation agree.
	returns, _ := DefaultRetirementOptions().returnsFor(planned)
	m.CashReturn = returns["cash"].Mean
	m.ExpectedReturn = expectedReturn(investmentMix(planned), returns)
	m.Retirement = readiness(planned, m.Value, m.ExpectedReturn, defaultInflation)
	return m
}

// unpriced reports whether the position's instrument has no usable price:
// flagged by Valuate, or a price no total can count (zero, negative, NaN)
// in a portfolio that was not valued. Its value is 0 and it is named, not
// counted.
func (pos Position) unpriced() bool {
	return pos.Instrument.Unpriced || !usablePrice(pos.Instrument.Price)
}

// unpricedSymbols are the sorted symbols of the unpriced positions.
func unpricedSymbols(p Portfolio) []string {
	out := []string{}
	for _, a := range p.Accounts {
		for _, pos := range a.Positions {
			if pos.unpriced() && amount(pos.Quantity) > 0 {
				out = append(out, pos.symbol())
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// warningsOf are p's warnings plus, for a portfolio that did not go
// through Valuate, one for each unpriced symbol it does not name yet.
func warningsOf(p Portfolio, unpriced []string) []Warning {
	out := slices.Clone(p.Warnings)
	named := map[string]bool{}
	for _, w := range out {
		if w.Code == WarnUnpriced || w.Code == WarnNoRate {
			named[w.Symbol] = true
		}
	}
	for _, sym := range unpriced {
		if !named[sym] {
			out = append(out, unpricedWarning(sym))
		}
	}
	sortWarnings(out)
	if out == nil {
		out = []Warning{}
	}
	return out
}

// priceSources counts the valued holdings per price source, in the order
// seed, market, amfi, user, then any other, then unrecorded.
func priceSources(p Portfolio) []PriceSourceSummary {
	type dates struct {
		symbols, undated map[string]bool
		oldest, newest   time.Time
	}
	bySource := map[string]*dates{}
	for _, a := range p.Accounts {
		for _, pos := range a.Positions {
			if pos.unpriced() || pos.Value() <= 0 {
				continue
			}
			in := pos.Instrument
			d, ok := bySource[in.PriceSource]
			if !ok {
				d = &dates{symbols: map[string]bool{}, undated: map[string]bool{}}
				bySource[in.PriceSource] = d
			}
			d.symbols[pos.symbol()] = true
			t := in.PriceUpdatedAt
			switch {
			case t.IsZero():
				d.undated[pos.symbol()] = true
			default:
				if d.oldest.IsZero() || t.Before(d.oldest) {
					d.oldest = t
				}
				if t.After(d.newest) {
					d.newest = t
				}
			}
		}
	}
	keys := orderedKeys(sortedKeys(bySource), alex.PriceSourceNames())
	if i := slices.Index(keys, ""); i >= 0 { // unrecorded last
		keys = append(slices.Delete(keys, i, i+1), "")
	}
	out := []PriceSourceSummary{}
	for _, src := range keys {
		d := bySource[src]
		s := PriceSourceSummary{Source: src, Holdings: len(d.symbols), Undated: len(d.undated)}
		if !d.newest.IsZero() {
			s.Oldest, s.Newest = d.oldest.UTC().Format(time.DateOnly), d.newest.UTC().Format(time.DateOnly)
		}
		out = append(out, s)
	}
	return out
}

func accountSummaries(p Portfolio) []AccountSummary {
	out := make([]AccountSummary, len(p.Accounts))
	for i, a := range p.Accounts {
		out[i] = AccountSummary{
			Name:         accountLabel(a),
			Purpose:      a.Purpose,
			Cash:         a.Cash(),
			CashInterest: math.Min(amount(a.CashInterest), 1),
			Invested:     a.InvestedValue(),
			Value:        a.Value(),
		}
	}
	return out
}

// assetClass is the drift entry of class, zero if neither held nor targeted.
func (m Metrics) assetClass(class string) Drift {
	for _, d := range m.AssetClasses {
		if d.Key == class {
			return d
		}
	}
	return Drift{Key: class, Name: displayName(class)}
}

// holdingsOf combines positions by symbol, largest value first.
func holdingsOf(p Portfolio) []Holding {
	bySymbol := map[string]*Holding{}
	for _, a := range p.Accounts {
		for _, pos := range a.Positions {
			if pos.unpriced() {
				continue // named in Metrics.Unpriced, never a holding worth 0
			}
			sym := pos.symbol()
			h, ok := bySymbol[sym]
			if !ok {
				h = &Holding{Symbol: sym, Name: pos.Instrument.Name, Type: instrumentKind(pos.Instrument.Type)}
				bySymbol[sym] = h
			}
			h.Quantity += amount(pos.Quantity)
			h.Value += pos.Value()
		}
	}
	total := p.Value()
	holdings := make([]Holding, 0, len(bySymbol))
	for _, sym := range sortedKeys(bySymbol) {
		h := *bySymbol[sym]
		if h.Value <= 0 {
			continue // no shares left: not a holding
		}
		h.Percent = percentOf(h.Value, total)
		holdings = append(holdings, h)
	}
	slices.SortStableFunc(holdings, func(a, b Holding) int { return cmp.Compare(b.Value, a.Value) })
	return holdings
}

// herfindahl is the sum of the squared shares of total held in each
// holding and in cash, the slices of the top holdings chart.
func herfindahl(holdings []Holding, cash, total float64) float64 {
	if total <= 0 || len(holdings) == 0 {
		return 0
	}
	share := cash / total
	hhi := share * share
	for _, h := range holdings {
		share := h.Value / total
		hhi += share * share
	}
	return hhi
}

// CashReturn is the yearly return the cash asset class is assumed to earn:
// the balance-weighted interest of the accounts' cash (cashInterest), or,
// when the accounts hold no cash so there is no rate to weight, the long-run
// default of DefaultReturns. The retirement simulation and the report use it
// so that both state the same figure.
func CashReturn(p Portfolio) float64 {
	if p.Cash() <= 0 {
		return DefaultReturns()["cash"].Mean
	}
	return cashInterest(p)
}

// cashInterest is the rate earned on cash, weighted by balance.
func cashInterest(p Portfolio) float64 {
	cash, earning := 0.0, 0.0
	for _, a := range p.Accounts {
		cash += a.Cash()
		earning += a.Cash() * math.Min(amount(a.CashInterest), 1) // rates are fractions; 1 = 100%
	}
	if cash <= 0 {
		return 0
	}
	return earning / cash
}

// rollUp maps regions the targets do not name onto "international" when the
// targets use it (the API's default targets are north_america/international),
// so holdings in Europe count toward an international target. Cash stays
// a row of its own, as in the geographic chart.
func rollUp(dollars allocation, targets allocation) allocation {
	if _, ok := targets["international"]; !ok {
		return dollars
	}
	out := allocation{}
	for _, key := range sortedKeys(dollars) {
		_, targeted := targets[key]
		if targeted || key == "cash" {
			out[key] += dollars[key]
			continue
		}
		out["international"] += dollars[key]
	}
	return out
}

// drifts lists every category held or targeted, in the contract's order.
func drifts(dollars allocation, targets allocation, total float64, order []string) []Drift {
	target := normalizePercentages(targets)
	keys := append(sortedKeys(dollars), sortedKeys(target)...)
	out := []Drift{}
	for _, key := range orderedKeys(keys, order) {
		current := percentOf(dollars[key], total)
		if dollars[key] <= 0 && target[key] <= 0 {
			continue
		}
		out = append(out, Drift{
			Key:            key,
			Name:           displayName(key),
			Value:          dollars[key],
			CurrentPercent: current,
			TargetPercent:  target[key],
			Drift:          current - target[key],
		})
	}
	return out
}

// rebalancingTrades are the sells and buys, largest first within each,
// that bring every class outside the band back to its target.
func rebalancingTrades(classes []Drift, total float64) []Trade {
	if total <= 0 {
		return nil
	}
	var sells, buys []Trade
	for _, d := range classes {
		if math.Abs(d.Drift) < rebalanceBand {
			continue
		}
		gap := round2(d.TargetPercent/100*total - d.Value)
		if gap < 0 {
			sells = append(sells, Trade{Action: "sell", AssetClass: d.Key, Amount: -gap})
		} else {
			buys = append(buys, Trade{Action: "buy", AssetClass: d.Key, Amount: gap})
		}
	}
	byAmount := func(a, b Trade) int { return cmp.Compare(b.Amount, a.Amount) }
	slices.SortStableFunc(sells, byAmount)
	slices.SortStableFunc(buys, byAmount)
	return append(sells, buys...)
}

// typeExposure is the value held per instrument type, largest first.
func typeExposure(p Portfolio, total float64) []Exposure {
	dollars := allocation{}
	for _, a := range p.Accounts {
		for _, pos := range a.Positions {
			if pos.unpriced() || pos.Value() <= 0 {
				continue
			}
			dollars[cmp.Or(instrumentKind(pos.Instrument.Type), "other")] += pos.Value()
		}
	}
	out := make([]Exposure, 0, len(dollars))
	for _, key := range sortedKeys(dollars) {
		out = append(out, Exposure{Key: key, Name: displayName(key), Value: dollars[key], Percent: percentOf(dollars[key], total)})
	}
	slices.SortStableFunc(out, func(a, b Exposure) int { return cmp.Compare(b.Value, a.Value) })
	return out
}

// investmentMix is the asset-class mix (percent) money is invested in: the
// current one, or for an empty portfolio the targets (new contributions
// would follow them), or else a balanced 60/40.
func investmentMix(p Portfolio) allocation {
	if p.Value() > 0 {
		return normalizePercentages(exposure(p, assetClassesOf))
	}
	if targets := normalizePercentages(p.AssetClassTargets); targets != nil {
		return targets
	}
	return normalizePercentages(balancedMix)
}

// expectedReturn is the mix's weighted mean return.
func expectedReturn(mix allocation, returns map[string]ReturnAssumption) float64 {
	r := 0.0
	for _, class := range sortedKeys(mix) {
		r += mix[class] / 100 * returns[class].Mean
	}
	return r
}

func readiness(p Portfolio, value, nominalReturn, inflation float64) Readiness {
	r := Readiness{
		YearsUntilRetirement: max(p.YearsUntilRetirement, 0),
		TargetIncome:         amount(p.TargetRetirementIncome),
		RealReturn:           (1+nominalReturn)/(1+inflation) - 1,
	}
	r.Need = r.TargetIncome * withdrawalMultiple
	growth := math.Pow(1+r.RealReturn, float64(r.YearsUntilRetirement))
	r.ProjectedValue = value * growth
	if r.Need <= 0 {
		return r
	}
	r.FundedRatio = r.ProjectedValue / r.Need
	gap := r.Need - r.ProjectedValue
	if gap <= 0 || r.YearsUntilRetirement == 0 {
		return r
	}
	// Future value of yearly end-of-year savings: s × ((1+r)^n − 1) / r.
	annuity := float64(r.YearsUntilRetirement)
	if math.Abs(r.RealReturn) > 1e-9 {
		annuity = (growth - 1) / r.RealReturn
	}
	r.AnnualSavingsNeeded = gap / annuity
	return r
}
