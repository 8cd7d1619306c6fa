package market

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/analysis"
)

// PolygonURL is Polygon.io's API.
const PolygonURL = "https://api.polygon.io"

// Polygon quotes the previous close of US tickers from Polygon.io's
// previous-close aggregates endpoint. It is an analysis.PriceSource.
type Polygon struct {
	BaseURL string
	APIKey  string
	Client  *Client
	// Parallel bounds the requests in flight; the Client's limiter bounds
	// their rate. The endpoint takes one ticker, so a batch of symbols is
	// fanned out under both.
	Parallel int
}

// polygonPrev is the previous-close answer.
type polygonPrev struct {
	Ticker       string `json:"ticker"`
	Status       string `json:"status"`
	ResultsCount int    `json:"resultsCount"`
	Results      []struct {
		Ticker string  `json:"T"`
		Close  float64 `json:"c"`
		Open   float64 `json:"o"`
		High   float64 `json:"h"`
		Low    float64 `json:"l"`
		Volume float64 `json:"v"`
		Time   int64   `json:"t"` // Unix ms, start of the bar
	} `json:"results"`
}

// Prices returns the previous close of each symbol Polygon knows. Symbols it
// has no bar for are left out. When some symbols fail, it returns the quotes
// it got together with the error.
func (p *Polygon) Prices(ctx context.Context, symbols []string) (map[string]analysis.Quote, error) {
	var (
		mu     sync.Mutex
		quotes = make(map[string]analysis.Quote, len(symbols))
		errs   []error
		wg     sync.WaitGroup
		next   = make(chan string)
	)
	for range max(p.Parallel, 1) {
		wg.Go(func() {
			for sym := range next {
				q, ok, err := p.prevClose(ctx, sym)
				mu.Lock()
				switch {
				case err != nil:
					errs = append(errs, fmt.Errorf("polygon %s: %w", sym, err))
				case ok:
					quotes[sym] = q
				}
				mu.Unlock()
			}
		})
	}
feed:
	for _, sym := range symbols {
		select {
		case next <- sym:
		case <-ctx.Done():
			mu.Lock()
			errs = append(errs, ctx.Err())
			mu.Unlock()
			break feed
		}
	}
	close(next)
	wg.Wait()
	return quotes, errors.Join(errs...)
}

func (p *Polygon) prevClose(ctx context.Context, symbol string) (analysis.Quote, bool, error) {
	base := p.BaseURL
	if base == "" {
		base = PolygonURL
	}
	u := fmt.Sprintf("%s/v2/aggs/ticker/%s/prev?adjusted=true&apiKey=%s",
		strings.TrimRight(base, "/"), url.PathEscape(symbol), url.QueryEscape(p.APIKey))
	body, err := p.Client.Get(ctx, u, http.Header{"Accept": {"application/json"}})
	if err != nil {
		var se *statusError
		if errors.As(err, &se) && se.status == http.StatusNotFound {
			return analysis.Quote{}, false, nil // an unknown ticker has no price
		}
		return analysis.Quote{}, false, err
	}
	var prev polygonPrev
	if err := json.Unmarshal(body, &prev); err != nil {
		return analysis.Quote{}, false, fmt.Errorf("%w: malformed answer: %w", ErrUpstream, err)
	}
	if prev.Status != "" && prev.Status != "OK" && prev.Status != "DELAYED" {
		return analysis.Quote{}, false, fmt.Errorf("%w: status %q", ErrUpstream, prev.Status)
	}
	if len(prev.Results) == 0 {
		return analysis.Quote{}, false, nil
	}
	bar := prev.Results[0]
	if !(bar.Close > 0) || math.IsInf(bar.Close, 0) || bar.Time <= 0 {
		return analysis.Quote{}, false, fmt.Errorf("%w: unusable bar (close %v, t %d)", ErrUpstream, bar.Close, bar.Time)
	}
	return analysis.Quote{Price: bar.Close, Currency: "USD", AsOf: time.UnixMilli(bar.Time).UTC(), Source: alex.PriceMarket}, true, nil
}
