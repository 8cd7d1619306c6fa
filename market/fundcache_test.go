package market_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/market"
	"github.com/alex-advisor/alex/queue/redistest"
)

// amfiUpstream serves the sample NAV file and counts requests; down makes it
// answer 503.
type amfiUpstream struct {
	srv      *httptest.Server
	requests atomic.Int64
	down     atomic.Bool
}

func newAMFIUpstream(t *testing.T) *amfiUpstream {
	u := &amfiUpstream{}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		u.requests.Add(1)
		if u.down.Load() {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write(market.SampleNAVFile)
	}))
	t.Cleanup(u.srv.Close)
	return u
}

// clock is a settable time for TTL checks.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newFundCache(t *testing.T, up *amfiUpstream) (*market.FundCache, *clock, *redistest.Server) {
	t.Helper()
	r := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr(), MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	src := &market.AMFI{URL: up.srv.URL, Client: testClient(time.Second)}
	c := market.NewFundCache(src, rdb, time.Hour, slog.New(slog.NewTextHandler(io.Discard, nil)))
	clk := &clock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	c.Now = clk.Now
	return c, clk, r
}

func TestFundCacheColdMissesMakeOneUpstreamCall(t *testing.T) {
	up := newAMFIUpstream(t)
	c, _, _ := newFundCache(t, up)

	const n = 100
	var wg sync.WaitGroup
	results := make([][]market.Scheme, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			results[i], _, errs[i] = c.Schemes(t.Context(), "HDFC Mutual Fund")
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		require.Len(t, results[i], 3, "request %d", i)
	}
	assert.EqualValues(t, 1, up.requests.Load(), "one upstream call for %d concurrent misses", n)

	families, f, err := c.Families(t.Context())
	require.NoError(t, err)
	assert.Equal(t, market.CacheHit, f.Cache)
	assert.Equal(t, []string{"Aditya Birla Sun Life Mutual Fund", "HDFC Mutual Fund", "ICICI Prudential Mutual Fund", "SBI Mutual Fund"}, families)
	assert.EqualValues(t, 1, up.requests.Load())
}

func TestFundCacheLookups(t *testing.T) {
	up := newAMFIUpstream(t)
	c, _, _ := newFundCache(t, up)

	all, f, err := c.Schemes(t.Context(), "")
	require.NoError(t, err)
	assert.Equal(t, market.CacheMiss, f.Cache)
	assert.Len(t, all, 12)

	none, f, err := c.Schemes(t.Context(), "No Such Mutual Fund")
	require.NoError(t, err)
	assert.Equal(t, market.CacheHit, f.Cache)
	assert.Empty(t, none)

	s, _, err := c.Scheme(t.Context(), "119063")
	require.NoError(t, err)
	assert.Equal(t, "HDFC Large Cap Fund - Growth Option - Direct Plan", s.Name)
	assert.Equal(t, "1123.087", s.NAV.String())

	_, _, err = c.Scheme(t.Context(), "999999")
	assert.Equal(t, alex.ENOTFOUND, alex.ErrorCode(err))
	assert.EqualValues(t, 1, up.requests.Load())
}

func TestFundCacheServesTheStaleCopyWhenUpstreamFails(t *testing.T) {
	up := newAMFIUpstream(t)
	c, clk, _ := newFundCache(t, up)
	_, _, err := c.Families(t.Context())
	require.NoError(t, err)
	fetchedAt := clk.Now()

	clk.Add(2 * time.Hour) // past the TTL
	up.down.Store(true)
	families, f, err := c.Families(t.Context())
	require.NoError(t, err)
	assert.True(t, f.Stale())
	assert.Equal(t, fetchedAt, f.FetchedAt.UTC())
	assert.Len(t, families, 4)

	up.down.Store(false)
	_, f, err = c.Families(t.Context())
	require.NoError(t, err)
	assert.Equal(t, market.CacheMiss, f.Cache, "refetched once upstream is back")
	_, f, err = c.Families(t.Context())
	require.NoError(t, err)
	assert.Equal(t, market.CacheHit, f.Cache)
}

func TestFundCacheWithoutACopyIsUnavailable(t *testing.T) {
	up := newAMFIUpstream(t)
	up.down.Store(true)
	c, _, _ := newFundCache(t, up)
	_, _, err := c.Schemes(t.Context(), "HDFC Mutual Fund")
	require.Error(t, err)
	assert.Equal(t, alex.EUNAVAILABLE, alex.ErrorCode(err))
	assert.ErrorIs(t, err, market.ErrUpstream)
}

func TestFundCacheWithRedisDownAsksUpstream(t *testing.T) {
	up := newAMFIUpstream(t)
	c, _, r := newFundCache(t, up)
	r.Stop()
	families, f, err := c.Families(t.Context())
	require.NoError(t, err)
	assert.Equal(t, market.CacheMiss, f.Cache)
	assert.Len(t, families, 4)
}

func TestFundCacheReload(t *testing.T) {
	up := newAMFIUpstream(t)
	c, _, _ := newFundCache(t, up)
	_, _, err := c.Families(t.Context())
	require.NoError(t, err)
	schemes, err := c.Reload(t.Context())
	require.NoError(t, err)
	assert.Len(t, schemes, 12)
	assert.EqualValues(t, 2, up.requests.Load(), "a reload always asks upstream")
}
