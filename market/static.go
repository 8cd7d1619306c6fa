package market

import (
	"context"
	"sync"

	"github.com/alex-advisor/alex/analysis"
)

// LastKnown is the static price provider: it answers with the last price it
// knows of each symbol and never invents one. With a Primary it asks that
// first and remembers every quote it gets, so an outage of the primary is
// answered with the last known prices instead of an error. Without one it
// serves only the quotes it was given.
type LastKnown struct {
	Primary analysis.PriceSource

	mu   sync.RWMutex
	last map[string]analysis.Quote
}

// NewLastKnown returns a provider seeded with quotes (may be nil).
func NewLastKnown(primary analysis.PriceSource, seed map[string]analysis.Quote) *LastKnown {
	l := &LastKnown{Primary: primary, last: map[string]analysis.Quote{}}
	l.Remember(seed)
	return l
}

// Remember records quotes, keeping for each symbol the most recent one.
func (l *LastKnown) Remember(quotes map[string]analysis.Quote) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for sym, q := range quotes {
		if old, ok := l.last[sym]; ok && q.AsOf.Before(old.AsOf) {
			continue
		}
		l.last[sym] = q
	}
}

// Prices asks the primary, then fills in every symbol it did not answer
// with the last known quote. The primary's error is dropped once a known
// quote stands in for what it failed to give, and returned when none does.
func (l *LastKnown) Prices(ctx context.Context, symbols []string) (map[string]analysis.Quote, error) {
	var err error
	fresh := map[string]analysis.Quote{}
	if l.Primary != nil {
		fresh, err = l.Primary.Prices(ctx, symbols)
		l.Remember(fresh)
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	out := make(map[string]analysis.Quote, len(symbols))
	for _, sym := range symbols {
		if q, ok := l.last[sym]; ok {
			out[sym] = q
		}
	}
	if err != nil && len(out) < len(symbols) {
		return out, err
	}
	return out, nil
}
