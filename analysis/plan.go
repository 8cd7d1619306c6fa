package analysis

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/alex-advisor/alex"
)

// Plan is the planner stage: a copy of p in which every instrument has its
// allocations filled in (see Classify) and carries its position's symbol.
// The input's maps and slices are never modified.
func Plan(p Portfolio) Portfolio {
	out := p.clone()
	for i := range out.Accounts {
		for j := range out.Accounts[i].Positions {
			pos := &out.Accounts[i].Positions[j]
			pos.Instrument.Symbol = pos.symbol()
			pos.Instrument = Classify(pos.Instrument)
		}
	}
	return out
}

// Quote is a price in Currency for a point in time (a NAV's own day).
type Quote struct {
	Price    float64
	Currency string // ISO 4217; "" is USD (the US market providers')
	AsOf     time.Time
	Source   string // market or amfi
}

// WithDefaults fills in what a quote left out, as the US market providers
// do: USD, source "market", and as of at.
func (q Quote) WithDefaults(at time.Time) Quote {
	q.Currency, q.Source = cmp.Or(q.Currency, "USD"), cmp.Or(q.Source, alex.PriceMarket)
	if q.AsOf.IsZero() {
		q.AsOf = at
	}
	return q
}

// PriceSource looks up current prices. It may return fewer symbols than
// asked for; a missing symbol means "no price known".
type PriceSource interface {
	Prices(ctx context.Context, symbols []string) (map[string]Quote, error)
}

// StaticPrices is an in-memory PriceSource keyed by symbol. Prices only
// reads the map, so a StaticPrices that is not written to after it is
// shared is safe for concurrent use.
type StaticPrices map[string]Quote

// Prices returns the quotes it holds for symbols.
func (s StaticPrices) Prices(ctx context.Context, symbols []string) (map[string]Quote, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make(map[string]Quote, len(symbols))
	for _, sym := range symbols {
		if q, ok := s[sym]; ok {
			out[sym] = q
		}
	}
	return out, nil
}

// RefreshPrices returns a copy of p whose stale prices (older than maxAge
// at now, unknown, or not positive) are replaced by quotes from src, and the
// sorted symbols it refreshed. It asks src once, for each stale symbol once.
// A symbol the source has no usable price for keeps its old price: prices
// are never invented. On error the portfolio comes back unchanged, so the
// caller may carry on with the prices it has.
func RefreshPrices(ctx context.Context, p Portfolio, src PriceSource, now time.Time, maxAge time.Duration) (Portfolio, []string, error) {
	out := p.clone()
	stale := staleSymbols(out, now, maxAge)
	if len(stale) == 0 || src == nil {
		return out, nil, nil
	}
	quotes, err := src.Prices(ctx, stale)
	if err != nil {
		return out, nil, fmt.Errorf("refresh prices of %d symbols: %w", len(stale), err)
	}
	var refreshed []string
	for _, sym := range stale {
		q, ok := quotes[sym]
		if !ok || !usablePrice(q.Price) {
			continue
		}
		if applyQuote(&out, sym, q.WithDefaults(now)) {
			refreshed = append(refreshed, sym)
		}
	}
	return out, refreshed, nil
}

// staleSymbols lists, sorted and once each, the symbols with a price to refresh.
func staleSymbols(p Portfolio, now time.Time, maxAge time.Duration) []string {
	var stale []string
	for _, a := range p.Accounts {
		for _, pos := range a.Positions {
			if isStale(pos.Instrument, now, maxAge) {
				stale = append(stale, pos.symbol())
			}
		}
	}
	slices.Sort(stale)
	return slices.Compact(stale)
}

func isStale(in Instrument, now time.Time, maxAge time.Duration) bool {
	return !usablePrice(in.Price) || in.PriceUpdatedAt.IsZero() || now.Sub(in.PriceUpdatedAt) > maxAge
}

func usablePrice(price float64) bool {
	return price > 0 && !math.IsInf(price, 0) // NaN fails price > 0
}

// applyQuote sets q on every position of sym whose price is older than the
// quote, and reports whether any changed. A quote older than the price we
// hold would turn the clock back, so it is ignored.
func applyQuote(p *Portfolio, sym string, q Quote) bool {
	changed := false
	for i := range p.Accounts {
		for j := range p.Accounts[i].Positions {
			pos := &p.Accounts[i].Positions[j]
			if pos.symbol() != sym {
				continue
			}
			in := &pos.Instrument
			if usablePrice(in.Price) && q.AsOf.Before(in.PriceUpdatedAt) {
				continue
			}
			// The price and its currency go together: a quote never
			// keeps the currency of the price it replaces.
			in.Price, in.PriceUpdatedAt, in.Currency, in.PriceSource = q.Price, q.AsOf, q.Currency, q.Source
			changed = true
		}
	}
	return changed
}
