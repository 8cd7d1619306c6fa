package market_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex/analysis"
	"github.com/alex-advisor/alex/market"
)

// testClient retries quickly: the tests count attempts, not wait.
func testClient(timeout time.Duration) *market.Client {
	return market.NewClient(market.ClientOptions{Timeout: timeout, Retries: 2, Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
}

// polygonBody is a previous-close answer as Polygon.io sends it.
func polygonBody(ticker string, close float64) string {
	return fmt.Sprintf(`{"ticker":%q,"queryCount":1,"resultsCount":1,"adjusted":true,
		"results":[{"T":%q,"v":70790813,"vw":131.6292,"o":130.465,"c":%v,"h":133.41,"l":129.89,"t":1673038800000,"n":645365}],
		"status":"OK","request_id":"6a7e466379af0a71039d60cc78e72282","count":1}`, ticker, ticker, close)
}

// polygonServer answers by ticker with handle; it checks the path and key
// the way Polygon does and counts requests per ticker.
func polygonServer(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, ticker string, n int64)) (*httptest.Server, map[string]*atomic.Int64) {
	t.Helper()
	counts := map[string]*atomic.Int64{"AAPL": {}, "MSFT": {}, "NOPE": {}, "BAD": {}, "EMPTY": {}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ticker, ok := strings.CutPrefix(r.URL.Path, "/v2/aggs/ticker/")
		ticker, ok2 := strings.CutSuffix(ticker, "/prev")
		if !ok || !ok2 || r.URL.Query().Get("adjusted") != "true" {
			http.Error(w, `{"status":"NOT_FOUND"}`, http.StatusNotFound)
			return
		}
		if r.URL.Query().Get("apiKey") != "test-key" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"status":"ERROR","request_id":"x","error":"Unknown API Key"}`)
			return
		}
		handle(w, r, ticker, counts[ticker].Add(1))
	}))
	t.Cleanup(srv.Close)
	return srv, counts
}

func TestPolygonPrices(t *testing.T) {
	srv, counts := polygonServer(t, func(w http.ResponseWriter, _ *http.Request, ticker string, n int64) {
		switch ticker {
		case "AAPL":
			if n == 1 {
				w.Header().Set("Retry-After", "0")
				http.Error(w, `{"status":"ERROR","error":"You've exceeded the maximum requests per minute"}`, http.StatusTooManyRequests)
				return
			}
			fmt.Fprint(w, polygonBody("AAPL", 129.62))
		case "MSFT":
			if n == 1 {
				http.Error(w, "upstream hiccup", http.StatusInternalServerError)
				return
			}
			fmt.Fprint(w, polygonBody("MSFT", 415.5))
		case "EMPTY":
			fmt.Fprint(w, `{"ticker":"EMPTY","queryCount":0,"resultsCount":0,"adjusted":true,"status":"OK","request_id":"y"}`)
		default:
			http.Error(w, `{"status":"NOT_FOUND"}`, http.StatusNotFound)
		}
	})
	p := &market.Polygon{BaseURL: srv.URL, APIKey: "test-key", Client: testClient(time.Second), Parallel: 2}

	quotes, err := p.Prices(t.Context(), []string{"AAPL", "MSFT", "NOPE", "EMPTY"})
	require.NoError(t, err)
	assert.Equal(t, map[string]analysis.Quote{
		"AAPL": {Price: 129.62, Currency: "USD", AsOf: time.UnixMilli(1673038800000).UTC(), Source: "market"},
		"MSFT": {Price: 415.5, Currency: "USD", AsOf: time.UnixMilli(1673038800000).UTC(), Source: "market"},
	}, quotes, "429 and 500 are retried; unknown and empty tickers have no price")
	assert.EqualValues(t, 2, counts["AAPL"].Load())
	assert.EqualValues(t, 2, counts["MSFT"].Load())
	assert.EqualValues(t, 1, counts["NOPE"].Load(), "a 404 is not retried")
}

func TestPolygonFailures(t *testing.T) {
	tests := []struct {
		name     string
		handle   func(w http.ResponseWriter, r *http.Request)
		attempts int64
	}{
		{"500 every time", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "down", http.StatusInternalServerError)
		}, 3},
		{"429 every time", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		}, 3},
		{"malformed JSON", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, `{"ticker":"AAPL","results":[{"c":`)
		}, 1},
		{"malformed bar", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, `{"ticker":"AAPL","status":"OK","resultsCount":1,"results":[{"T":"AAPL","c":"129.62","t":1673038800000}]}`)
		}, 1},
		{"zero close", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, polygonBody("AAPL", 0))
		}, 1},
		{"empty body", func(http.ResponseWriter, *http.Request) {}, 1},
		{"slower than the timeout", func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done() // answers only once the client gave up
		}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, counts := polygonServer(t, func(w http.ResponseWriter, r *http.Request, _ string, _ int64) { tt.handle(w, r) })
			p := &market.Polygon{BaseURL: srv.URL, APIKey: "test-key", Client: testClient(50 * time.Millisecond)}
			quotes, err := p.Prices(t.Context(), []string{"AAPL"})
			require.Error(t, err)
			assert.True(t, errors.Is(err, market.ErrUpstream), "%v", err)
			assert.NotContains(t, err.Error(), "test-key", "errors never carry the API key")
			assert.Empty(t, quotes)
			assert.Equal(t, tt.attempts, counts["AAPL"].Load())
		})
	}
}

func TestPolygonWrongKeyIsNotRetried(t *testing.T) {
	srv, _ := polygonServer(t, func(http.ResponseWriter, *http.Request, string, int64) {})
	p := &market.Polygon{BaseURL: srv.URL, APIKey: "wrong", Client: testClient(time.Second)}
	_, err := p.Prices(t.Context(), []string{"AAPL"})
	require.ErrorIs(t, err, market.ErrUpstream)
	assert.Contains(t, err.Error(), "HTTP 401")
}

func TestClientStopsWhenTheCallerCancels(t *testing.T) {
	var n atomic.Int64
	started := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		select {
		case started <- struct{}{}:
		default:
		}
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(t.Context())
	c := testClient(time.Minute)
	go func() {
		<-started
		cancel()
	}()
	_, err := c.Get(ctx, srv.URL, nil)
	require.ErrorIs(t, err, context.Canceled)
	assert.EqualValues(t, 1, n.Load(), "a cancelled caller is not retried")
}

func TestLastKnownServesTheLastPriceWhenThePrimaryFails(t *testing.T) {
	fail := false
	primary := priceFunc(func(_ context.Context, symbols []string) (map[string]analysis.Quote, error) {
		if fail {
			return nil, market.ErrUpstream
		}
		return map[string]analysis.Quote{"AAPL": {Price: 130, AsOf: time.Unix(200, 0)}}, nil
	})
	seed := map[string]analysis.Quote{"AAPL": {Price: 120, AsOf: time.Unix(100, 0)}, "SPY": {Price: 450, AsOf: time.Unix(100, 0)}}
	l := market.NewLastKnown(primary, seed)

	got, err := l.Prices(t.Context(), []string{"AAPL", "SPY"})
	require.NoError(t, err)
	assert.Equal(t, 130.0, got["AAPL"].Price, "the primary's fresh price")
	assert.Equal(t, 450.0, got["SPY"].Price, "the seeded price of a symbol the primary did not answer")

	fail = true
	got, err = l.Prices(t.Context(), []string{"AAPL", "SPY"})
	require.NoError(t, err)
	assert.Equal(t, 130.0, got["AAPL"].Price, "the last price the primary gave")

	_, err = l.Prices(t.Context(), []string{"AAPL", "QQQ"})
	assert.ErrorIs(t, err, market.ErrUpstream, "no known price for QQQ: the outage shows")

	static := market.NewLastKnown(nil, seed)
	got, err = static.Prices(t.Context(), []string{"SPY", "QQQ"})
	require.NoError(t, err)
	assert.Equal(t, map[string]analysis.Quote{"SPY": seed["SPY"]}, got, "never a made-up price")
}

type priceFunc func(ctx context.Context, symbols []string) (map[string]analysis.Quote, error)

func (f priceFunc) Prices(ctx context.Context, symbols []string) (map[string]analysis.Quote, error) {
	return f(ctx, symbols)
}

// A provider's redirect to another host is not followed, so its key header
// never reaches that host; a redirect on its own host is.
func TestClientFollowsNoRedirectToAnotherHost(t *testing.T) {
	var leaked atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-RapidAPI-Key") != "" {
			leaked.Add(1)
		}
	}))
	defer other.Close()
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
		case "/moved":
			http.Redirect(w, r, "/here", http.StatusMovedPermanently)
		default:
			_, _ = w.Write([]byte("ok"))
		}
	}))
	defer provider.Close()
	c := market.NewClient(market.ClientOptions{Retries: -1})
	key := http.Header{"X-RapidAPI-Key": {"provider-secret"}}

	_, err := c.Get(t.Context(), provider.URL+"/away", key)
	require.ErrorContains(t, err, "refused")
	require.Zero(t, leaked.Load(), "the key went to another host")

	body, err := c.Get(t.Context(), provider.URL+"/moved", key)
	require.NoError(t, err)
	require.Equal(t, "ok", string(body))
}
