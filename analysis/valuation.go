package analysis

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/alex-advisor/alex"
)

// Warning is something that makes an analysis less certain: a holding
// without a usable price, a price or rate that is old. It is shown to the
// user as it is.
type Warning struct {
	Code    string `json:"code"`
	Symbol  string `json:"symbol,omitempty"`
	Message string `json:"message"`
}

// Warning codes.
const (
	WarnUnpriced   = "unpriced"    // no price at all: left out of every total
	WarnNoRate     = "no_rate"     // priced in a currency no rate converts: left out
	WarnStalePrice = "stale_price" // valued at a price older than the allowed age
	WarnStaleRate  = "stale_rate"  // converted at rates that are not today's
)

// WarningCodes lists the warning codes, as the API documents them.
var WarningCodes = []string{WarnUnpriced, WarnNoRate, WarnStalePrice, WarnStaleRate}

// RateUsed is one exchange rate a valuation converted at: 1 From = Rate To.
type RateUsed struct {
	From  string  `json:"from"`
	To    string  `json:"to"`
	Rate  float64 `json:"rate"`
	AsOf  string  `json:"as_of"` // the day of the reference rate, YYYY-MM-DD
	Stale bool    `json:"stale"`
}

// Valuation says how Valuate values a portfolio.
type Valuation struct {
	Currency string // the user's base currency
	// Rates converts other currencies; nil when none are available, so
	// anything in another currency is left out and reported.
	Rates *alex.Rates
	Now   time.Time
	// StaleAfter is the age past which a price is reported as old; 0 never.
	StaleAfter time.Duration
}

// Valuate returns a copy of p with every cash balance and price in v's
// currency, converted with alex.Convert (exact decimals) at v's rates. What
// cannot be valued (no price, no rate) is set to zero, flagged Unpriced and
// named in Warnings, so that no total silently counts it as worth nothing;
// old prices and rates are valued and named too.
func Valuate(p Portfolio, v Valuation) Portfolio {
	out := p.clone()
	out.Currency = v.Currency
	c := converter{v: v, used: map[string]RateUsed{}}
	warned := map[string]bool{}
	warn := func(w Warning) {
		if key := w.Code + "|" + w.Symbol; !warned[key] {
			warned[key] = true
			out.Warnings = append(out.Warnings, w)
		}
	}
	for i := range out.Accounts {
		a := &out.Accounts[i]
		a.Currency = cmp.Or(a.Currency, v.Currency)
		a.LocalCash = a.CashBalance
		cash, ok := c.convert(a.CashBalance, a.Currency)
		if !ok {
			warn(Warning{Code: WarnNoRate, Message: fmt.Sprintf("The cash of %s (%s %s) is left out of the totals: no exchange rate from %s to %s is available.",
				accountLabel(*a), formatNumber(a.CashBalance), a.Currency, a.Currency, v.Currency)})
		}
		a.CashBalance = cash
		for j := range a.Positions {
			valuePosition(&a.Positions[j], c, warn)
		}
	}
	out.Rates = c.rates()
	if len(out.Rates) > 0 && v.Rates.Stale {
		warn(Warning{Code: WarnStaleRate, Message: fmt.Sprintf("The exchange rates used are the European Central Bank's of %s, not today's: values converted from other currencies may be out of date.",
			v.Rates.AsOf.Format(time.DateOnly))})
	}
	for _, w := range staleWarnings(out, v) {
		warn(w)
	}
	sortWarnings(out.Warnings)
	return out
}

// NeedsRates tells whether valuing p in currency converts anything: an
// account or a price in another currency ("" counts as currency, as in
// Valuate).
func NeedsRates(p Portfolio, currency string) bool {
	for _, a := range p.Accounts {
		if cmp.Or(a.Currency, currency) != currency {
			return true
		}
		for _, pos := range a.Positions {
			if cmp.Or(pos.Instrument.Currency, currency) != currency {
				return true
			}
		}
	}
	return false
}

func unpricedWarning(sym string) Warning {
	return Warning{Code: WarnUnpriced, Symbol: sym,
		Message: fmt.Sprintf("%s has no price, so it is left out of every total and chart instead of being counted as worth nothing.", sym)}
}

// sortWarnings orders warnings by code, then symbol.
func sortWarnings(ws []Warning) {
	slices.SortStableFunc(ws, func(a, b Warning) int {
		return cmp.Or(cmp.Compare(a.Code, b.Code), cmp.Compare(a.Symbol, b.Symbol))
	})
}

// valuePosition converts one position's price, or flags it unpriced.
func valuePosition(pos *Position, c converter, warn func(Warning)) {
	in := &pos.Instrument
	sym := pos.symbol()
	in.LocalPrice, in.LocalCurrency = in.Price, cmp.Or(in.Currency, c.v.Currency)
	if !usablePrice(in.Price) {
		in.Price, in.Unpriced = 0, true
		warn(unpricedWarning(sym))
		return
	}
	price, ok := c.convert(in.Price, in.LocalCurrency)
	if !ok {
		in.Price, in.Unpriced = 0, true
		warn(Warning{Code: WarnNoRate, Symbol: sym, Message: fmt.Sprintf("%s is priced in %s and no exchange rate from %s to %s is available, so it is left out of every total and chart.",
			sym, in.LocalCurrency, in.LocalCurrency, c.v.Currency)})
		return
	}
	in.Price, in.Currency = price, c.v.Currency
}

// staleWarnings names the holdings valued at a price older than StaleAfter.
func staleWarnings(p Portfolio, v Valuation) []Warning {
	if v.StaleAfter <= 0 {
		return nil
	}
	var out []Warning
	for _, a := range p.Accounts {
		for _, pos := range a.Positions {
			in := pos.Instrument
			if in.Unpriced {
				continue
			}
			switch {
			case in.PriceUpdatedAt.IsZero():
				out = append(out, Warning{Code: WarnStalePrice, Symbol: pos.symbol(),
					Message: fmt.Sprintf("%s's price has no date, so its value may be out of date.", pos.symbol())})
			case v.Now.Sub(in.PriceUpdatedAt) > v.StaleAfter:
				days := int(v.Now.Sub(in.PriceUpdatedAt).Hours() / 24)
				out = append(out, Warning{Code: WarnStalePrice, Symbol: pos.symbol(),
					Message: fmt.Sprintf("%s's price is for %s, %s ago, so its value may be out of date.",
						pos.symbol(), in.PriceUpdatedAt.Format(time.DateOnly), plural(days, "day"))})
			}
		}
	}
	return out
}

// converter converts amounts to the valuation's currency and remembers the
// rates it used.
type converter struct {
	v    Valuation
	used map[string]RateUsed
}

func (c converter) convert(x float64, from string) (float64, bool) {
	if from == c.v.Currency {
		return x, true
	}
	if c.v.Rates == nil {
		return 0, false
	}
	conv, err := alex.Convert(decimal.NewFromFloat(x), from, c.v.Currency, *c.v.Rates)
	if err != nil {
		return 0, false
	}
	c.used[from] = RateUsed{From: from, To: c.v.Currency, Rate: conv.Rate.InexactFloat64(),
		AsOf: conv.RateAsOf.Format(time.DateOnly), Stale: c.v.Rates.Stale}
	return conv.Amount.InexactFloat64(), true
}

func (c converter) rates() []RateUsed {
	out := make([]RateUsed, 0, len(c.used))
	for _, from := range sortedKeys(c.used) {
		out = append(out, c.used[from])
	}
	return out
}
