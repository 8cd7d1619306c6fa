package analysis

import (
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// Portfolio is the snapshot the planner takes of a user's holdings. After
// Valuate every amount in it is in Currency; Rates lists the exchange rates
// that took it there and Warnings what could not be valued or is old.
type Portfolio struct {
	UserID                 string
	Currency               string // ISO 4217; "" in fixtures that never convert
	Rates                  []RateUsed
	Warnings               []Warning
	YearsUntilRetirement   int
	TargetRetirementIncome float64
	AssetClassTargets      map[string]float64 // e.g. {"equity":70,"fixed_income":30}
	RegionTargets          map[string]float64
	Accounts               []Account
}

// Account is one of the user's accounts: a cash balance plus positions.
type Account struct {
	ID, Name, Purpose string
	Currency          string  // the account's own; CashBalance is in the portfolio's after Valuate
	LocalCash         float64 // the balance in Currency, kept by Valuate
	CashBalance       float64
	CashInterest      float64 // 0..1
	Positions         []Position
}

// Position is a quantity of one instrument held in an account.
type Position struct {
	Symbol     string
	Quantity   float64
	Instrument Instrument
}

// Instrument is a tradable security with its allocation breakdowns, each a
// map of key to percent.
type Instrument struct {
	Symbol, Name, Type string // Type: etf, stock, mutual_fund, bond_fund, bond, commodity, reit
	// Price is in Currency. Valuate converts it to the portfolio's currency
	// and keeps the price as quoted in LocalPrice and LocalCurrency.
	Price          float64
	Currency       string
	LocalPrice     float64
	LocalCurrency  string
	PriceSource    string    // seed, market, amfi or user
	PriceUpdatedAt time.Time // the time the price is for; zero = unknown
	// Unpriced is set by Valuate on an instrument it could not value
	// (no price, or no rate to convert it): its Price is 0 and it is named
	// in the portfolio's Warnings, never counted as worth nothing.
	Unpriced     bool
	Regions      map[string]float64 // values sum to 100; empty = unknown
	Sectors      map[string]float64
	AssetClasses map[string]float64
	Inferred     bool // allocations were filled in by Classify
}

// Value is quantity × price.
func (pos Position) Value() float64 {
	return amount(pos.Quantity) * amount(pos.Instrument.Price)
}

// symbol is the position's ticker, preferring the instrument's own symbol.
func (pos Position) symbol() string {
	if s := normalizeSymbol(pos.Instrument.Symbol); s != "" {
		return s
	}
	return normalizeSymbol(pos.Symbol)
}

// Cash is the account's cash balance.
func (a Account) Cash() float64 { return amount(a.CashBalance) }

// InvestedValue is the value of the account's positions.
func (a Account) InvestedValue() float64 {
	total := 0.0
	for _, pos := range a.Positions {
		total += pos.Value()
	}
	return total
}

// Value is cash plus positions.
func (a Account) Value() float64 { return a.Cash() + a.InvestedValue() }

// Cash is the cash held across all accounts.
func (p Portfolio) Cash() float64 {
	total := 0.0
	for _, a := range p.Accounts {
		total += a.Cash()
	}
	return total
}

// InvestedValue is the value of all positions across all accounts.
func (p Portfolio) InvestedValue() float64 {
	total := 0.0
	for _, a := range p.Accounts {
		total += a.InvestedValue()
	}
	return total
}

// Value is cash plus the value of every position.
func (p Portfolio) Value() float64 { return p.Cash() + p.InvestedValue() }

// amount treats negative, NaN and infinite inputs as zero, so one bad row
// cannot turn every total into NaN or make a chart slice negative.
func amount(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
		return 0
	}
	return x
}

func normalizeSymbol(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// clone deep-copies the portfolio so stages can fill in data without
// touching the caller's maps and slices.
func (p Portfolio) clone() Portfolio {
	out := p
	out.AssetClassTargets = maps.Clone(p.AssetClassTargets)
	out.Rates = slices.Clone(p.Rates)
	out.Warnings = slices.Clone(p.Warnings)
	out.RegionTargets = maps.Clone(p.RegionTargets)
	out.Accounts = make([]Account, len(p.Accounts))
	for i, a := range p.Accounts {
		out.Accounts[i] = a.clone()
	}
	return out
}

func (a Account) clone() Account {
	out := a
	out.Positions = make([]Position, len(a.Positions))
	for i, pos := range a.Positions {
		out.Positions[i] = pos
		out.Positions[i].Instrument = pos.Instrument.clone()
	}
	return out
}

func (in Instrument) clone() Instrument {
	out := in
	out.Regions = maps.Clone(in.Regions)
	out.Sectors = maps.Clone(in.Sectors)
	out.AssetClasses = maps.Clone(in.AssetClasses)
	return out
}
