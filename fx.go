package alex

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// BaseCurrencyDefault is the currency amounts are reported in when the
// person has not chosen another.
const BaseCurrencyDefault = "USD"

// RatePrecision is the number of decimal places of a cross rate. The ECB
// publishes at most 6 significant digits, so 10 places keep every rate's
// own precision even for currencies of very different size (IDR per JPY),
// and a 10-million amount converted is still exact to the cent.
const RatePrecision = 10

// ErrNoRate is in the chain of every error that says an exchange rate is
// missing: a currency the table does not have, or no table at all. Callers
// test it with errors.Is and must never substitute a rate of 1.
var ErrNoRate = errors.New("no exchange rate")

// ValidCurrency tells whether code has the shape of an ISO 4217 code: three
// upper-case ASCII letters. It does not tell whether rates exist for it.
func ValidCurrency(code string) bool {
	if len(code) != 3 {
		return false
	}
	for i := range 3 {
		if code[i] < 'A' || code[i] > 'Z' {
			return false
		}
	}
	return true
}

// Rates is one day's table of reference rates, quoted against the euro as
// the ECB publishes them.
type Rates struct {
	// AsOf is the day the rates are for (the ECB's date), UTC midnight.
	AsOf time.Time `json:"as_of"`
	// Stale is set when the table is not the latest one: an old copy
	// served while the source is down, or the bundled offline sample.
	Stale bool `json:"stale"`
	// PerEUR holds the units of each currency one euro buys; EUR is 1.
	PerEUR map[string]decimal.Decimal `json:"per_eur"`
}

var one = decimal.NewFromInt(1)

// perEUR is the table's entry for code; the euro is 1 even when the table
// leaves it out, as the ECB's does.
func (r Rates) perEUR(code string) (decimal.Decimal, bool) {
	if v, ok := r.PerEUR[code]; ok {
		return v, true
	}
	if code == "EUR" {
		return one, true
	}
	return decimal.Decimal{}, false
}

// noRate is the error of a missing rate: EINVALID for the person (the
// currency cannot be used), ErrNoRate for the code.
func noRate(format string, args ...any) error {
	return &Error{Code: EINVALID, Err: ErrNoRate, Message: fmt.Sprintf(format, args...)}
}

// Rate is the price of one unit of from in to: PerEUR[to] / PerEUR[from],
// rounded to RatePrecision places. The same currency is exactly 1. A
// currency missing from the table is an error wrapping ErrNoRate.
func (r Rates) Rate(from, to string) (decimal.Decimal, error) {
	if !ValidCurrency(from) || !ValidCurrency(to) {
		return decimal.Decimal{}, noRate("No exchange rate from %s to %s is available.", from, to)
	}
	if from == to {
		return one, nil
	}
	f, okFrom := r.perEUR(from)
	t, okTo := r.perEUR(to)
	if !okFrom || !okTo || !f.IsPositive() || !t.IsPositive() {
		return decimal.Decimal{}, noRate("No exchange rate from %s to %s is available.", from, to)
	}
	if from == "EUR" {
		return t, nil // no division, so no rounding
	}
	return t.DivRound(f, RatePrecision), nil
}

// For lists every currency of the table priced in base: 1 base = X of the
// currency. base itself is 1. The answer of GET /fx/rates?base=USD.
func (r Rates) For(base string) (map[string]decimal.Decimal, error) {
	if _, ok := r.perEUR(base); !ok || !ValidCurrency(base) {
		return nil, noRate("No exchange rates for %s are available.", base)
	}
	out := make(map[string]decimal.Decimal, len(r.PerEUR)+1)
	// The euro is listed even when the table leaves it out.
	codes := append([]string{"EUR"}, slices.Collect(maps.Keys(r.PerEUR))...)
	for _, code := range codes {
		v, err := r.Rate(base, code)
		if err != nil {
			return nil, err
		}
		out[code] = v
	}
	return out, nil
}

// Validate checks a table before it is used or stored: a date, at least one
// currency besides the euro, well-formed codes, positive rates and the euro
// at 1. A table that fails is an upstream fault, not a rate of zero.
func (r Rates) Validate() error {
	if r.AsOf.IsZero() {
		return errors.New("rates have no date")
	}
	others := 0
	for code, v := range r.PerEUR {
		switch {
		case !ValidCurrency(code):
			return fmt.Errorf("rates: %q is not a currency code", code)
		case !v.IsPositive():
			return fmt.Errorf("rates: %s has the rate %s", code, v)
		case code == "EUR" && !v.Equal(one):
			return fmt.Errorf("rates: EUR is %s per EUR", v)
		case code != "EUR":
			others++
		}
	}
	if others == 0 {
		return errors.New("rates: no currency but the euro")
	}
	return nil
}

// Conversion is an amount converted, with the rate and the day of the rate
// it was converted at, to be recorded next to the result.
type Conversion struct {
	Amount   decimal.Decimal `json:"amount"`
	Currency string          `json:"currency"`
	Rate     decimal.Decimal `json:"rate"`
	RateAsOf time.Time       `json:"rate_as_of"`
}

// Convert prices amount of from in to at r's rate. The amount is not
// rounded: the caller rounds money where it is shown or stored, once.
func Convert(amount decimal.Decimal, from, to string, r Rates) (Conversion, error) {
	rate, err := r.Rate(from, to)
	if err != nil {
		return Conversion{}, err
	}
	return Conversion{Amount: amount.Mul(rate), Currency: to, Rate: rate, RateAsOf: r.AsOf}, nil
}
