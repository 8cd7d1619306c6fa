package http_test

import (
	"context"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	alexhttp "github.com/alex-advisor/alex/http"
	"github.com/alex-advisor/alex/market"
	"github.com/alex-advisor/alex/queue/redistest"
)

// fundUpstream is a fake AMFI server serving the sample NAV file; down makes
// it answer 503.
type fundUpstream struct {
	requests atomic.Int64
	down     atomic.Bool
}

type fundFixture struct {
	api      *testAPI
	upstream *fundUpstream
	cache    *market.FundCache
	now      atomic.Pointer[time.Time]
	// ecb is the fake ECB server of the exchange rates; rates their cache.
	ecb   *fundUpstream
	rates *market.RatesCache
}

// newFundFixture is the real router with a fund cache on a redis-server of
// its own in front of a fake AMFI upstream; opts add to the router's options.
func newFundFixture(t testing.TB, opts ...apiOption) *fundFixture {
	t.Helper()
	f := &fundFixture{upstream: &fundUpstream{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		f.upstream.requests.Add(1)
		if f.upstream.down.Load() {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write(market.SampleNAVFile)
	}))
	t.Cleanup(srv.Close)
	r := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr(), MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	client := market.NewClient(market.ClientOptions{Timeout: time.Second, Retries: 1, Backoff: time.Millisecond})
	f.cache = market.NewFundCache(&market.AMFI{URL: srv.URL, Client: client}, rdb, time.Hour, slog.New(slog.NewTextHandler(io.Discard, nil)))
	start := time.Now()
	f.now.Store(&start)
	f.cache.Now = func() time.Time { return *f.now.Load() }
	f.ecb = &fundUpstream{}
	ecb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		f.ecb.requests.Add(1)
		if f.ecb.down.Load() {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write(market.SampleRatesFile)
	}))
	t.Cleanup(ecb.Close)
	f.rates = market.NewRatesCache(&market.ECBRates{URL: ecb.URL, Client: client}, rdb, time.Hour, slog.New(slog.NewTextHandler(io.Discard, nil)))
	f.api = newTestAPI(t, append([]apiOption{withFunds(f.cache), withConfig(func(c *alexhttp.Config) {
		c.Rates = func(ctx context.Context) (alex.Rates, error) {
			r, _, err := f.rates.Rates(ctx)
			return r, err
		}
	})}, opts...)...)
	return f
}

// advance moves the cache's clock on.
func (f *fundFixture) advance(d time.Duration) {
	next := f.now.Load().Add(d)
	f.now.Store(&next)
}

type familiesJSON struct {
	Families []string `json:"families"`
}

type fundSchemeJSON struct {
	SchemeCode string   `json:"scheme_code"`
	Name       string   `json:"name"`
	NAV        *float64 `json:"nav"`
	NAVDate    string   `json:"nav_date"`
	Category   string   `json:"category"`
	Family     string   `json:"family"`
	Symbol     string   `json:"symbol"`
}

type schemesJSON struct {
	Schemes    []fundSchemeJSON `json:"schemes"`
	NextCursor *string          `json:"next_cursor"`
}

func TestFundFamiliesAndSchemes(t *testing.T) {
	t.Parallel()
	f := newFundFixture(t)
	tok := f.api.token(t, "user_funds")

	resp, raw := f.api.do(t, http.MethodGet, "/api/v1/funds/families", tok, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)
	assert.Equal(t, "MISS", resp.Header.Get("X-Cache"))
	assert.Empty(t, resp.Header.Get("Warning"))
	families := decodeStrict[familiesJSON](t, raw)
	assert.Equal(t, []string{"Aditya Birla Sun Life Mutual Fund", "HDFC Mutual Fund", "ICICI Prudential Mutual Fund", "SBI Mutual Fund"}, families.Families)

	resp, raw = f.api.do(t, http.MethodGet, "/api/funds/schemes?family=SBI+Mutual+Fund", tok, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)
	assert.Equal(t, "HIT", resp.Header.Get("X-Cache"))
	all := decodeStrict[schemesJSON](t, raw)
	require.Len(t, all.Schemes, 4)
	assert.Equal(t, fundSchemeJSON{SchemeCode: "119598", Name: "SBI BLUECHIP FUND - DIRECT PLAN - GROWTH", NAV: ptr(98.7612),
		NAVDate: "2026-11-22", Category: "Equity Scheme - Large Cap Fund", Family: "SBI Mutual Fund", Symbol: "MF119598"}, all.Schemes[0])
	assert.Nil(t, all.Schemes[1].NAV, "N.A. is null")

	open := mustDo[schemesJSON](t, f.api, http.MethodGet, "/api/v1/funds/schemes?family=SBI+Mutual+Fund&open_ended=true", tok, nil, http.StatusOK)
	assert.Len(t, open.Schemes, 3, "the close-ended FMP is left out")
	assert.Nil(t, open.NextCursor, "one page holds them all")

	// Pages of one, in the same order, until next_cursor is null.
	var paged []fundSchemeJSON
	path := "/api/v1/funds/schemes?family=SBI+Mutual+Fund&limit=1"
	for range len(all.Schemes) {
		page := mustDo[schemesJSON](t, f.api, http.MethodGet, path, tok, nil, http.StatusOK)
		require.Len(t, page.Schemes, 1)
		paged = append(paged, page.Schemes...)
		if page.NextCursor == nil {
			break
		}
		path = "/api/v1/funds/schemes?family=SBI+Mutual+Fund&limit=1&cursor=" + *page.NextCursor
	}
	assert.Equal(t, all.Schemes, paged)
	resp, raw = f.api.do(t, http.MethodGet, "/api/v1/funds/schemes?cursor=424242", tok, nil)
	requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "query.cursor")
	resp, raw = f.api.do(t, http.MethodGet, "/api/v1/funds/schemes?limit=501", tok, nil)
	requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "query.limit")

	none := mustDo[schemesJSON](t, f.api, http.MethodGet, "/api/v1/funds/schemes?family=Nobody", tok, nil, http.StatusOK)
	assert.Empty(t, none.Schemes)
	assert.NotNil(t, none.Schemes, "an empty list, not null")
	assert.EqualValues(t, 1, f.upstream.requests.Load())

	resp, raw = f.api.do(t, http.MethodGet, "/api/v1/funds/families", "", nil)
	requireProblem(t, resp, raw, http.StatusUnauthorized)
}

func TestFundsStaleCopyDuringAnOutage(t *testing.T) {
	t.Parallel()
	f := newFundFixture(t)
	tok := f.api.token(t, "user_funds")
	mustDo[schemesJSON](t, f.api, http.MethodGet, "/api/v1/funds/schemes?family=HDFC+Mutual+Fund", tok, nil, http.StatusOK)

	f.advance(2 * time.Hour)
	f.upstream.down.Store(true)
	resp, raw := f.api.do(t, http.MethodGet, "/api/v1/funds/schemes?family=HDFC+Mutual+Fund", tok, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)
	assert.Equal(t, `110 - "Response is Stale"`, resp.Header.Get("Warning"))
	assert.Equal(t, "true", resp.Header.Get("X-Data-Stale"))
	assert.Equal(t, "STALE", resp.Header.Get("X-Cache"))
	assert.NotEmpty(t, resp.Header.Get("X-Data-Fetched-At"))
	assert.Len(t, decodeStrict[schemesJSON](t, raw).Schemes, 3)
}

func TestFundsWithoutACopyAre503(t *testing.T) {
	t.Parallel()
	f := newFundFixture(t)
	f.upstream.down.Store(true)
	tok := f.api.token(t, "user_funds")
	for _, path := range []string{"/api/v1/funds/families", "/api/v1/funds/schemes?family=HDFC+Mutual+Fund"} {
		resp, raw := f.api.do(t, http.MethodGet, path, tok, nil)
		p := requireProblem(t, resp, raw, http.StatusServiceUnavailable)
		assert.Equal(t, "Fund data is unavailable right now; try again shortly.", p.Detail)
		assert.NotEmpty(t, resp.Header.Get("Retry-After"))
	}
	// Nor can a fund be bought for the first time.
	acc := f.api.createAccount(t, tok, map[string]any{"account_name": "Funds", "cash_balance": 1000})
	resp, raw := f.api.do(t, http.MethodPost, "/api/v1/accounts/"+acc.ID+"/transactions", tok,
		map[string]any{"side": "buy", "symbol": "MF119063", "quantity": 1})
	requireProblem(t, resp, raw, http.StatusServiceUnavailable)
}

func TestBuyFundUnits(t *testing.T) {
	t.Parallel()
	f := newFundFixture(t)
	tok := f.api.token(t, "user_funds")
	acc := f.api.createAccount(t, tok, map[string]any{"account_name": "India", "currency": "INR", "cash_balance": 10000})
	buy := func(body map[string]any) (*http.Response, []byte) {
		return f.api.do(t, http.MethodPost, "/api/v1/accounts/"+acc.ID+"/transactions", tok, body)
	}

	tr := f.api.trade(t, tok, acc.ID, map[string]any{"side": "buy", "symbol": "mf119063", "quantity": 3})
	assert.Equal(t, "MF119063", tr.Symbol)
	assert.Equal(t, 1123.087, tr.Price)
	assert.Equal(t, 3369.26, tr.Amount)
	assert.Equal(t, "INR", tr.PriceCurrency, "an AMFI NAV is in rupees")
	assert.Equal(t, "INR", tr.Currency)
	assert.Equal(t, 1.0, tr.FXRate, "rupees from a rupee account: nothing converted")
	assert.Nil(t, tr.FXAsOf)
	assert.Zero(t, f.ecb.requests.Load(), "no rate asked for a trade in the account's currency")

	first := tr.Amount
	tr = f.api.trade(t, tok, acc.ID, map[string]any{"side": "buy", "symbol": "MF119551", "amount": 1000})
	assert.Equal(t, 105.4567, tr.Price)
	assert.Equal(t, 9.482564, tr.Quantity, "units bought by amount: six places, truncated")
	assert.Equal(t, math.Round(9.482564*105.4567*100)/100, tr.Amount)

	pos := f.api.positions(t, tok, acc.ID)
	require.Len(t, pos, 2)
	equity, debt := pos[0], pos[1] // by symbol: MF119063, MF119551
	assert.Equal(t, "mutual_fund", debt.InstrumentType)
	assert.Equal(t, "Aditya Birla Sun Life Banking & PSU Debt Fund - DIRECT - IDCW", debt.InstrumentName)
	assert.Equal(t, map[string]float64{"fixed_income": 100}, debt.Instrument.AllocationAssetClass)
	assert.Equal(t, map[string]float64{"equity": 100}, equity.Instrument.AllocationAssetClass)
	assert.Equal(t, map[string]float64{"asia": 100}, equity.Instrument.AllocationRegions)
	assert.Equal(t, 3.0, equity.Quantity)
	assert.Equal(t, ptr(1123.087), equity.CurrentPrice)
	cash := f.api.account(t, tok, acc.ID).CashBalance
	assert.Equal(t, cents(10000-first-tr.Amount), cents(cash), "cash = 10000 - NAV × units of each buy")

	for _, tt := range []struct{ symbol, why string }{
		{"MF999999", "no such scheme"},
		{"MF119599", "N.A. NAV"},
		{"MF149601", "close-ended"},
	} {
		resp, raw := buy(map[string]any{"side": "buy", "symbol": tt.symbol, "quantity": 1})
		requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "body.symbol")
	}
	resp, raw := buy(map[string]any{"side": "buy", "symbol": "MF119063", "quantity": 100})
	requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "body.quantity")
}

func ptr[T any](v T) *T { return &v }

// BenchmarkFundsSchemes is GET /api/v1/funds/schemes?family= through the
// router with a warm cache: token check, one HMGET, JSON.
func BenchmarkFundsSchemes(b *testing.B) {
	f := newFundFixture(b)
	tok := f.api.token(b, "user_bench")
	path := "/api/v1/funds/schemes?family=HDFC+Mutual+Fund&open_ended=true"
	mustDo[schemesJSON](b, f.api, http.MethodGet, path, tok, nil, http.StatusOK)
	b.ReportAllocs()
	for b.Loop() {
		resp, raw := f.api.do(b, http.MethodGet, path, tok, nil)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Cache") != "HIT" {
			b.Fatalf("%d %s %s", resp.StatusCode, resp.Header.Get("X-Cache"), raw)
		}
	}
	if n := f.upstream.requests.Load(); n != 1 {
		b.Fatalf("upstream asked %d times", n)
	}
}
