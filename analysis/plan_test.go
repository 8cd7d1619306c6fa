package analysis

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestPlanClassifiesACopy(t *testing.T) {
	in := alexTestPortfolio()
	before := alexTestPortfolio()
	out := Plan(in)
	if !reflect.DeepEqual(in, before) {
		t.Fatal("Plan modified its input")
	}
	for _, a := range out.Accounts {
		for _, pos := range a.Positions {
			inst := pos.Instrument
			if len(inst.Regions) == 0 || len(inst.Sectors) == 0 || len(inst.AssetClasses) == 0 {
				t.Errorf("%s not classified: %+v", pos.Symbol, inst)
			}
			wantInferred := instruments[pos.Symbol].Regions == nil
			if inst.Inferred != wantInferred {
				t.Errorf("%s: Inferred = %v, want %v", pos.Symbol, inst.Inferred, wantInferred)
			}
		}
	}
	out.Accounts[0].Positions[0].Instrument.Regions["asia"] = 1
	if _, ok := in.Accounts[0].Positions[0].Instrument.Regions["asia"]; ok {
		t.Error("Plan's output shares maps with its input")
	}
}

// countingSource records every call and answers from quotes.
type countingSource struct {
	quotes StaticPrices
	err    error
	calls  [][]string
}

func (s *countingSource) Prices(ctx context.Context, symbols []string) (map[string]Quote, error) {
	s.calls = append(s.calls, slices.Clone(symbols))
	if s.err != nil {
		return nil, s.err
	}
	return s.quotes.Prices(ctx, symbols)
}

func TestRefreshPricesAsksOnlyForStaleSymbolsOnce(t *testing.T) {
	p := alexTestPortfolio()
	// VTI is held in two accounts; both copies are stale.
	for i := range p.Accounts {
		for j := range p.Accounts[i].Positions {
			if sym := p.Accounts[i].Positions[j].Symbol; sym == "VTI" || sym == "TSLA" || sym == "GLD" {
				p.Accounts[i].Positions[j].Instrument.PriceUpdatedAt = testNow.Add(-48 * time.Hour)
			}
		}
	}
	src := &countingSource{quotes: StaticPrices{
		"VTI": {Price: 270, AsOf: testNow.Add(-time.Minute)},
		"GLD": {Price: 0}, // unusable: must not replace the price
		"SPY": {Price: 1, AsOf: testNow},
	}}
	out, refreshed, err := RefreshPrices(context.Background(), p, src, testNow, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]string{{"GLD", "TSLA", "VTI"}}; !reflect.DeepEqual(src.calls, want) {
		t.Errorf("source asked %v, want %v", src.calls, want)
	}
	if !slices.Equal(refreshed, []string{"VTI"}) {
		t.Errorf("refreshed = %v, want [VTI]", refreshed)
	}
	prices := map[string][]float64{}
	for _, a := range out.Accounts {
		for _, pos := range a.Positions {
			prices[pos.Symbol] = append(prices[pos.Symbol], pos.Instrument.Price)
		}
	}
	checks := map[string][]float64{"VTI": {270, 270}, "TSLA": {248.50}, "GLD": {195.70}, "SPY": {450.25}}
	for sym, want := range checks {
		if !slices.Equal(prices[sym], want) {
			t.Errorf("%s prices = %v, want %v", sym, prices[sym], want)
		}
	}
	if p.Accounts[0].Positions[1].Instrument.Price != 268.40 {
		t.Error("RefreshPrices modified its input")
	}
}

func TestRefreshPricesSkipsTheSourceWhenFresh(t *testing.T) {
	src := &countingSource{}
	_, refreshed, err := RefreshPrices(context.Background(), alexTestPortfolio(), src, testNow, 24*time.Hour)
	if err != nil || refreshed != nil || len(src.calls) != 0 {
		t.Errorf("refreshed %v, err %v, calls %v; want no call", refreshed, err, src.calls)
	}
}

func TestRefreshPricesKeepsPricesOnError(t *testing.T) {
	p := singleStockPortfolio()
	p.Accounts[0].Positions[0].Instrument.PriceUpdatedAt = time.Time{}
	boom := errors.New("provider down")
	out, refreshed, err := RefreshPrices(context.Background(), p, &countingSource{err: boom}, testNow, time.Hour)
	if !errors.Is(err, boom) || refreshed != nil {
		t.Fatalf("err = %v, refreshed = %v", err, refreshed)
	}
	if got := out.Accounts[0].Positions[0].Instrument.Price; got != 229 {
		t.Errorf("price = %v, want the old 229", got)
	}
}

func TestRefreshPricesIgnoresOlderQuotes(t *testing.T) {
	p := singleStockPortfolio()
	p.Accounts[0].Positions[0].Instrument.PriceUpdatedAt = testNow.Add(-2 * time.Hour)
	src := StaticPrices{"AAPL": {Price: 1, AsOf: testNow.Add(-3 * time.Hour)}}
	out, refreshed, err := RefreshPrices(context.Background(), p, src, testNow, time.Hour)
	if err != nil || refreshed != nil || out.Accounts[0].Positions[0].Instrument.Price != 229 {
		t.Errorf("older quote applied: refreshed %v, err %v, price %v", refreshed, err, out.Accounts[0].Positions[0].Instrument.Price)
	}
}

func TestStaticPricesIsSafeForConcurrentUse(t *testing.T) {
	src := StaticPrices{"SPY": {Price: 450.25, AsOf: testNow}}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				q, err := src.Prices(context.Background(), []string{"SPY", "NOPE"})
				if err != nil || len(q) != 1 || q["SPY"].Price != 450.25 {
					t.Errorf("Prices = %v, %v", q, err)
				}
			}
		})
	}
	wg.Wait()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := src.Prices(ctx, []string{"SPY"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v", err)
	}
}
