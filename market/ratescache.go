package market

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"

	"github.com/alex-advisor/alex"
)

// DefaultRatesTTL is how long a table of rates is fresh: the ECB publishes
// once a working day, around 16:00 CET, and the scheduled refresh
// (tasks.TypeRefreshRates) fetches the new day soon after.
const DefaultRatesTTL = 12 * time.Hour

// RatesCache serves exchange rates from Redis the way FundCache serves fund
// data: a fresh copy within TTL; else one upstream fetch for any number of
// concurrent misses; when upstream fails, the old copy marked Stale; with
// no copy at all, an EUNAVAILABLE error. Rates are never made up.
//
// The copy is one Redis string: the table and when it was fetched, as JSON
// (the rates as decimal strings, so they stay exact).
type RatesCache struct {
	Source RatesSource
	Redis  redis.UniversalClient
	// TTL is how long a copy is fresh; KeepStale how long Redis keeps it
	// for outages.
	TTL       time.Duration
	KeepStale time.Duration
	// FetchTimeout bounds one upstream fetch (detached from the request
	// that started it, see sharedFetch).
	FetchTimeout time.Duration
	Key          string
	Log          *slog.Logger
	Now          func() time.Time

	flight singleflight.Group
}

// NewRatesCache returns a cache with the defaults: DefaultRatesTTL when ttl
// is 0, a copy kept 30 days for outages, 30 s per upstream fetch.
func NewRatesCache(src RatesSource, rdb redis.UniversalClient, ttl time.Duration, log *slog.Logger) *RatesCache {
	if ttl <= 0 {
		ttl = DefaultRatesTTL
	}
	if log == nil {
		log = slog.Default()
	}
	return &RatesCache{Source: src, Redis: rdb, TTL: ttl, KeepStale: max(30*24*time.Hour, 2*ttl),
		FetchTimeout: 30 * time.Second, Key: "alex:fx:v1", Log: log, Now: time.Now}
}

// ratesCopy is what Redis holds.
type ratesCopy struct {
	FetchedAt time.Time  `json:"fetched_at"`
	Rates     alex.Rates `json:"rates"`
}

// Rates returns the latest table. Its error, when there is no table at all,
// has the code EUNAVAILABLE and wraps alex.ErrNoRate and the upstream error.
func (c *RatesCache) Rates(ctx context.Context) (alex.Rates, Freshness, error) {
	old, found := c.read(ctx)
	if found && c.fresh(old.FetchedAt) {
		return old.Rates, Freshness{Cache: CacheHit, FetchedAt: old.FetchedAt}, nil
	}
	cp, err := sharedFetch(ctx, &c.flight, "refresh", func(ctx context.Context) (ratesCopy, error) {
		// Another request or replica may have written a copy since our read.
		if cp, ok := c.read(ctx); ok && c.fresh(cp.FetchedAt) {
			return cp, nil
		}
		return c.fetch(ctx)
	})
	if err == nil {
		return cp.Rates, Freshness{Cache: CacheMiss, FetchedAt: cp.FetchedAt}, nil
	}
	if found {
		c.Log.WarnContext(ctx, "fx rates upstream failed: serving the stale copy",
			"fetched_at", old.FetchedAt, "as_of", old.Rates.AsOf, "err", err)
		old.Rates.Stale = true
		return old.Rates, Freshness{Cache: CacheStale, FetchedAt: old.FetchedAt}, nil
	}
	return alex.Rates{}, Freshness{}, fmt.Errorf("%w: %w", &alex.Error{Code: alex.EUNAVAILABLE, Err: alex.ErrNoRate,
		Message: "No exchange rate is available right now; try again shortly."}, err)
}

// Refresh fetches the rates now and caches them, whatever the age of the
// copy: the scheduled refresh after the ECB publishes. On failure the copy
// stays as it was.
func (c *RatesCache) Refresh(ctx context.Context) error {
	cp, err := sharedFetch(ctx, &c.flight, "reload", c.fetch)
	if err != nil {
		return fmt.Errorf("refresh fx rates: %w", err)
	}
	c.Log.InfoContext(ctx, "fx rates refreshed", "as_of", cp.Rates.AsOf, "currencies", len(cp.Rates.PerEUR))
	return nil
}

func (c *RatesCache) fresh(at time.Time) bool { return c.Now().Sub(at) < c.TTL }

// read returns the copy; ok is false without a usable one. A Redis error is
// a miss, as an unreadable copy is.
func (c *RatesCache) read(ctx context.Context) (ratesCopy, bool) {
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	raw, err := c.Redis.Get(ctx, c.Key).Bytes()
	if err != nil {
		if !errors.Is(err, redis.Nil) {
			c.Log.WarnContext(ctx, "fx cache: redis read failed", "err", err)
		}
		return ratesCopy{}, false
	}
	var cp ratesCopy
	if err := json.Unmarshal(raw, &cp); err != nil {
		c.Log.WarnContext(ctx, "fx cache: unreadable copy, refetching", "err", err)
		return ratesCopy{}, false
	}
	if err := cp.Rates.Validate(); err != nil {
		c.Log.WarnContext(ctx, "fx cache: invalid copy, refetching", "err", err)
		return ratesCopy{}, false
	}
	return cp, true
}

// fetch asks upstream and writes the copy. A table that does not validate
// is an upstream fault. A failed write is logged, not returned: the caller
// has its rates, and the next request tries again.
func (c *RatesCache) fetch(ctx context.Context) (ratesCopy, error) {
	ctx, cancel := context.WithTimeout(ctx, c.FetchTimeout)
	defer cancel()
	r, err := c.Source.Fetch(ctx)
	if err == nil {
		if verr := r.Validate(); verr != nil {
			err = fmt.Errorf("%w: %w", ErrUpstream, verr)
		}
	}
	if err != nil {
		return ratesCopy{}, err
	}
	cp := ratesCopy{FetchedAt: c.Now().UTC(), Rates: r}
	if err := c.write(ctx, cp); err != nil {
		c.Log.WarnContext(ctx, "fx cache: redis write failed", "err", err)
	}
	return cp, nil
}

func (c *RatesCache) write(ctx context.Context, cp ratesCopy) error {
	b, err := json.Marshal(cp)
	if err != nil {
		return fmt.Errorf("encode rates: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	return c.Redis.Set(ctx, c.Key, b, c.KeepStale).Err()
}
