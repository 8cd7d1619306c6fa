package analysis

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/alex-advisor/alex"
)

type failingSource struct{}

func (failingSource) Prices(context.Context, []string) (map[string]Quote, error) {
	return nil, errors.New("provider down")
}

var yenRates = alex.Rates{AsOf: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC),
	PerEUR: map[string]decimal.Decimal{"USD": decimal.RequireFromString("1.05"), "JPY": decimal.RequireFromString("157.5")}}

func yenPortfolio() Portfolio {
	return Portfolio{Accounts: []Account{{Name: "Tokyo", Currency: "USD", Positions: []Position{{Symbol: "7203T", Quantity: 10,
		Instrument: Instrument{Symbol: "7203T", Price: 3000, Currency: "JPY", PriceUpdatedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}}}}}}
}

// When the provider fails, the last known price is used in the currency it
// was quoted in: ¥3,000, not $3,000.
func TestFallbackPriceKeepsItsCurrency(t *testing.T) {
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	p, refreshed, err := RefreshPrices(context.Background(), yenPortfolio(), failingSource{}, now, time.Hour)
	if err == nil || len(refreshed) != 0 {
		t.Fatalf("refresh: %v %v", refreshed, err)
	}
	v := Valuate(p, Valuation{Currency: "USD", Rates: &yenRates, Now: now})
	if got := v.Value(); math.Abs(got-200) > 0.005 {
		t.Errorf("valued at %v, want 10 × ¥3,000 at ¥150 a dollar = 200", got)
	}
	if len(v.Rates) != 1 || v.Rates[0].From != "JPY" || v.Rates[0].AsOf != "2026-11-20" {
		t.Errorf("rates used: %+v", v.Rates)
	}

	// A quote replaces the price together with its currency.
	q := StaticPrices{"7203T": {Price: 20, Currency: "USD", AsOf: now}}
	p, _, err = RefreshPrices(context.Background(), yenPortfolio(), q, now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if in := p.Accounts[0].Positions[0].Instrument; in.Price != 20 || in.Currency != "USD" {
		t.Errorf("after a dollar quote: %v %s", in.Price, in.Currency)
	}
}

// Without a rate a foreign holding is left out and named, never valued at 1.
func TestNoRateIsReportedNeverOne(t *testing.T) {
	v := Valuate(yenPortfolio(), Valuation{Currency: "USD", Now: time.Now()})
	if got := v.Value(); got != 0 {
		t.Errorf("valued at %v without a rate", got)
	}
	if len(v.Warnings) != 1 || v.Warnings[0].Code != WarnNoRate || v.Warnings[0].Symbol != "7203T" {
		t.Errorf("warnings: %+v", v.Warnings)
	}
	if !v.Accounts[0].Positions[0].Instrument.Unpriced {
		t.Error("not flagged unpriced")
	}
}
