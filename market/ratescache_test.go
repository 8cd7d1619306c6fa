package market_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/market"
	"github.com/alex-advisor/alex/queue/redistest"
)

func newRatesCache(t *testing.T, src market.RatesSource) (*market.RatesCache, *clock, *redistest.Server, *redis.Client) {
	t.Helper()
	r := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr(), MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	c := market.NewRatesCache(src, rdb, 0, slog.New(slog.NewTextHandler(io.Discard, nil)))
	clk := &clock{now: time.Date(2026, 11, 20, 16, 30, 0, 0, time.UTC)}
	c.Now = clk.Now
	return c, clk, r, rdb
}

func ecbSource(up *ecbUpstream) market.RatesSource {
	return &market.ECBRates{URL: up.srv.URL, Client: testClient(time.Second)}
}

func TestRatesCacheColdMissesMakeOneUpstreamCall(t *testing.T) {
	up := newECBUpstream(t)
	c, _, _, _ := newRatesCache(t, ecbSource(up))
	assert.Equal(t, market.DefaultRatesTTL, c.TTL)

	const n = 50
	var wg sync.WaitGroup
	rates := make([]alex.Rates, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			rates[i], _, errs[i] = c.Rates(t.Context())
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		require.Equal(t, "1.165", rates[i].PerEUR["USD"].String(), "request %d", i)
	}
	assert.EqualValues(t, 1, up.requests.Load(), "one upstream call for %d concurrent misses", n)

	r, f, err := c.Rates(t.Context())
	require.NoError(t, err)
	assert.Equal(t, market.CacheHit, f.Cache)
	assert.False(t, r.Stale)
	assert.Equal(t, "2026-11-20", r.AsOf.Format(time.DateOnly))
	rate, err := r.Rate("INR", "USD")
	require.NoError(t, err)
	assert.Equal(t, "0.0112838394", rate.String(), "exact through Redis")
	assert.EqualValues(t, 1, up.requests.Load())
}

func TestRatesCacheRefetchesAfterTheTTL(t *testing.T) {
	up := newECBUpstream(t)
	c, clk, _, _ := newRatesCache(t, ecbSource(up))
	_, _, err := c.Rates(t.Context())
	require.NoError(t, err)
	clk.Add(11 * time.Hour)
	_, f, err := c.Rates(t.Context())
	require.NoError(t, err)
	assert.Equal(t, market.CacheHit, f.Cache)
	clk.Add(2 * time.Hour)
	_, f, err = c.Rates(t.Context())
	require.NoError(t, err)
	assert.Equal(t, market.CacheMiss, f.Cache)
	assert.EqualValues(t, 2, up.requests.Load())
}

func TestRatesCacheServesTheStaleCopyWhenUpstreamFails(t *testing.T) {
	up := newECBUpstream(t)
	c, clk, _, _ := newRatesCache(t, ecbSource(up))
	_, _, err := c.Rates(t.Context())
	require.NoError(t, err)
	fetchedAt := clk.Now()

	clk.Add(13 * time.Hour) // past the TTL
	up.down.Store(true)
	r, f, err := c.Rates(t.Context())
	require.NoError(t, err)
	assert.True(t, f.Stale())
	assert.True(t, r.Stale, "the table says it is old")
	assert.Equal(t, fetchedAt, f.FetchedAt.UTC())
	assert.Equal(t, "178.45", r.PerEUR["JPY"].String())

	up.down.Store(false)
	r, f, err = c.Rates(t.Context())
	require.NoError(t, err)
	assert.Equal(t, market.CacheMiss, f.Cache, "refetched once upstream is back")
	assert.False(t, r.Stale)
	_, f, err = c.Rates(t.Context())
	require.NoError(t, err)
	assert.Equal(t, market.CacheHit, f.Cache)
}

func TestRatesCacheWithoutACopyIsUnavailable(t *testing.T) {
	up := newECBUpstream(t)
	up.down.Store(true)
	c, _, _, _ := newRatesCache(t, ecbSource(up))
	r, _, err := c.Rates(t.Context())
	require.Error(t, err)
	assert.Equal(t, alex.EUNAVAILABLE, alex.ErrorCode(err))
	assert.Equal(t, "No exchange rate is available right now; try again shortly.", alex.ErrorMessage(err))
	assert.ErrorIs(t, err, alex.ErrNoRate)
	assert.ErrorIs(t, err, market.ErrUpstream)
	assert.Empty(t, r.PerEUR, "no rate is made up")

	up.down.Store(false)
	up.body.Store([]byte(`<gesmes:Envelope><Cube></Cube></gesmes:Envelope>`))
	_, _, err = c.Rates(t.Context())
	assert.Equal(t, alex.EUNAVAILABLE, alex.ErrorCode(err), "an empty cube is no table")
}

func TestRatesCacheWithRedisDownAsksUpstream(t *testing.T) {
	up := newECBUpstream(t)
	c, _, r, _ := newRatesCache(t, ecbSource(up))
	r.Stop()
	rates, f, err := c.Rates(t.Context())
	require.NoError(t, err)
	assert.Equal(t, market.CacheMiss, f.Cache)
	assert.Len(t, rates.PerEUR, 30)
}

func TestRatesCacheIgnoresAnUnreadableCopy(t *testing.T) {
	up := newECBUpstream(t)
	c, _, _, rdb := newRatesCache(t, ecbSource(up))
	require.NoError(t, rdb.Set(t.Context(), c.Key, `{"fetched_at":"2026-11-20T16:00:00Z","rates":{"per_eur":{"USD":"0"}}}`, 0).Err())
	r, f, err := c.Rates(t.Context())
	require.NoError(t, err)
	assert.Equal(t, market.CacheMiss, f.Cache)
	assert.Equal(t, "1.165", r.PerEUR["USD"].String())
}

func TestRatesCacheRefresh(t *testing.T) {
	up := newECBUpstream(t)
	c, _, _, _ := newRatesCache(t, ecbSource(up))
	require.NoError(t, c.Refresh(t.Context()))
	_, f, err := c.Rates(t.Context())
	require.NoError(t, err)
	assert.Equal(t, market.CacheHit, f.Cache, "the refresh filled the cache")
	require.NoError(t, c.Refresh(t.Context()))
	assert.EqualValues(t, 2, up.requests.Load(), "a refresh always asks upstream")

	up.down.Store(true)
	require.Error(t, c.Refresh(t.Context()))
	r, f, err := c.Rates(t.Context())
	require.NoError(t, err)
	assert.Equal(t, market.CacheHit, f.Cache, "a failed refresh leaves the copy")
	assert.Len(t, r.PerEUR, 30)
}

func TestRatesCacheOfTheSampleIsStale(t *testing.T) {
	c, _, _, _ := newRatesCache(t, market.NewRatesSource("", nil))
	for range 2 {
		r, _, err := c.Rates(t.Context())
		require.NoError(t, err)
		assert.True(t, r.Stale, "the bundled sample is never today's rates")
		conv, err := alex.Convert(decimal.NewFromInt(100), "EUR", "USD", r)
		require.NoError(t, err)
		assert.Equal(t, "116.5", conv.Amount.String())
		assert.Equal(t, r.AsOf, conv.RateAsOf)
	}
}

// A caller that gives up does not fail the others on the same flight.
func TestRatesCacheCallerCancellationIsItsOwn(t *testing.T) {
	up := newECBUpstream(t)
	c, _, _, _ := newRatesCache(t, ecbSource(up))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, err := c.Rates(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	_, _, err = c.Rates(t.Context())
	require.NoError(t, err)
}
