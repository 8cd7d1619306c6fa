package market

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/analysis"
)

// Scheme is one mutual fund scheme with its latest NAV.
type Scheme struct {
	Code             string `json:"scheme_code"`
	Name             string `json:"name"`
	ISINGrowth       string `json:"isin_growth,omitempty"`
	ISINReinvestment string `json:"isin_reinvestment,omitempty"`
	// NAV is nil when the provider publishes none ("N.A.").
	NAV      *decimal.Decimal `json:"nav"`
	NAVDate  string           `json:"nav_date"` // YYYY-MM-DD
	Category string           `json:"category"` // e.g. "Debt Scheme - Banking and PSU Fund"
	Family   string           `json:"family"`   // e.g. "HDFC Mutual Fund"
	Type     string           `json:"type"`     // e.g. "Open Ended Schemes"
	Symbol   string           `json:"symbol"`   // alex.FundSymbol(Code)
}

// OpenEnded tells whether units can be bought from the fund any day.
func (s Scheme) OpenEnded() bool {
	return strings.HasPrefix(strings.ToLower(s.Type), "open ended")
}

// FundSource lists every scheme of a fund data provider with its latest NAV.
type FundSource interface {
	Schemes(ctx context.Context) ([]Scheme, error)
}

// ErrNoSchemes is returned for an answer without a single usable scheme:
// an empty file is an outage, not the news that every fund closed.
var ErrNoSchemes = fmt.Errorf("%w: no schemes in the answer", ErrUpstream)

// NAVDateLayout is the date format of both providers: "22-Nov-2026".
const NAVDateLayout = "02-Jan-2006"

// newScheme validates the fields common to both providers; ok is false for
// a row that is not a scheme.
func newScheme(code, name, nav, date string) (Scheme, error) {
	code, name = strings.TrimSpace(code), strings.Join(strings.Fields(name), " ")
	sym, err := alex.FundSymbol(code)
	if err != nil {
		return Scheme{}, err
	}
	if name == "" {
		return Scheme{}, errors.New("no scheme name")
	}
	s := Scheme{Code: code, Name: name, Symbol: sym}
	if d, err := time.Parse(NAVDateLayout, strings.TrimSpace(date)); err == nil {
		s.NAVDate = d.Format(time.DateOnly)
	} else {
		return Scheme{}, fmt.Errorf("date %q: %w", date, err)
	}
	nav = strings.TrimSpace(nav)
	if strings.EqualFold(nav, "N.A.") || nav == "" {
		return s, nil
	}
	v, err := decimal.NewFromString(nav)
	if err != nil || !v.IsPositive() {
		return Scheme{}, fmt.Errorf("net asset value %q is not a positive number", nav)
	}
	s.NAV = &v
	return s, nil
}

// isin is an ISIN column, where "-" means none.
func isin(s string) string {
	s = strings.TrimSpace(s)
	if s == "-" {
		return ""
	}
	return s
}

// Families lists the fund families of schemes, sorted, once each.
func Families(schemes []Scheme) []string {
	var out []string
	for _, s := range schemes {
		if s.Family != "" {
			out = append(out, s.Family)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// FundCurrency is the currency of every scheme's NAV: both providers
// publish India's mutual funds, priced in rupees.
const FundCurrency = "INR"

// NAVAsOf is the day the NAV is for, and false when the provider gave no
// readable date.
func (s Scheme) NAVAsOf() (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, s.NAVDate)
	return t, err == nil
}

// Instrument describes the scheme as an instrument for the planner: a
// mutual fund whose allocations are inferred by analysis.Classify from its
// SEBI category and name (an Indian fund invests in asia, the closest
// region of the enum; equity, debt and hybrid categories give the asset
// classes). Price is the NAV, 0 when there is none.
func (s Scheme) Instrument() analysis.Instrument {
	in := analysis.Classify(analysis.Instrument{Symbol: s.Symbol, Name: s.Category + " - " + s.Name, Type: "mutual_fund"})
	in.Name = s.Name
	in.Type = "mutual_fund" // Classify may retype a known ticker; a scheme stays a fund
	if s.NAV != nil {
		in.Price = s.NAV.InexactFloat64()
	}
	return in
}
