package market

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"

	"github.com/alex-advisor/alex"
)

// FundCache serves fund data from Redis and asks the upstream source only
// when the copy is older than TTL: once for any number of concurrent misses
// (singleflight within a process; a re-read of Redis inside the flight
// catches a refresh that another request or replica just wrote). When the
// upstream fails, the stale copy is served and marked stale; only without
// any copy is it an EUNAVAILABLE error.
//
// The copy is one Redis hash: fetched_at, the family list, every scheme
// by family and by code, so a request reads just the field it needs.
type FundCache struct {
	Source FundSource
	Redis  redis.UniversalClient
	// TTL is how long a copy is fresh; KeepStale how long Redis keeps it
	// for outages.
	TTL       time.Duration
	KeepStale time.Duration
	// FetchTimeout bounds one upstream refresh. The refresh is detached from
	// the request that started it, so that one caller giving up does not
	// fail the others waiting on the same flight.
	FetchTimeout time.Duration
	Key          string
	Log          *slog.Logger
	Now          func() time.Time

	flight singleflight.Group
}

// Cache outcomes, reported in X-Cache.
const (
	CacheHit   = "HIT"   // a fresh copy from Redis
	CacheMiss  = "MISS"  // fetched from upstream just now
	CacheStale = "STALE" // upstream failed; an older copy
)

// Freshness says where an answer came from and how old it is.
type Freshness struct {
	Cache     string
	FetchedAt time.Time
}

// Stale tells whether the answer is an old copy served during an outage.
func (f Freshness) Stale() bool { return f.Cache == CacheStale }

// NewFundCache returns a cache with the defaults: a 1 h TTL, a copy kept
// 7 days, 30 s per upstream refresh.
func NewFundCache(src FundSource, rdb redis.UniversalClient, ttl time.Duration, log *slog.Logger) *FundCache {
	if ttl <= 0 {
		ttl = time.Hour
	}
	if log == nil {
		log = slog.Default()
	}
	return &FundCache{Source: src, Redis: rdb, TTL: ttl, KeepStale: max(7*24*time.Hour, 2*ttl),
		FetchTimeout: 30 * time.Second, Key: "alex:funds:v1", Log: log, Now: time.Now}
}

// redisTimeout bounds each cache read or write: a slow Redis is a miss.
const redisTimeout = 2 * time.Second

const (
	fieldFetchedAt = "fetched_at"
	fieldFamilies  = "families"
	fieldSchemes   = "schemes"
)

func familyField(name string) string { return "family:" + name }
func schemeField(code string) string { return "scheme:" + code }

// Families lists the fund families, sorted.
func (c *FundCache) Families(ctx context.Context) ([]string, Freshness, error) {
	return lookup(ctx, c, fieldFamilies, Families)
}

// Schemes lists the schemes of a family, or every scheme for "".
func (c *FundCache) Schemes(ctx context.Context, family string) ([]Scheme, Freshness, error) {
	field := fieldSchemes
	if family != "" {
		field = familyField(family)
	}
	return lookup(ctx, c, field, func(all []Scheme) []Scheme { return inFamily(all, family) })
}

// Scheme returns one scheme by code; ENOTFOUND when the data has none.
func (c *FundCache) Scheme(ctx context.Context, code string) (Scheme, Freshness, error) {
	found, f, err := lookup(ctx, c, schemeField(code), func(all []Scheme) *Scheme {
		for _, s := range all {
			if s.Code == code {
				return &s
			}
		}
		return nil
	})
	if err != nil {
		return Scheme{}, f, err
	}
	if found == nil {
		return Scheme{}, f, alex.Errorf(alex.ENOTFOUND, "No fund scheme has the code %s.", code)
	}
	return *found, f, nil
}

// Reload fetches the upstream data now and caches it, whatever the age of
// the copy: the scheduled NAV refresh.
func (c *FundCache) Reload(ctx context.Context) ([]Scheme, error) {
	v, err, _ := c.flight.Do("reload", func() (any, error) { return c.fetch(ctx) })
	if err != nil {
		return nil, err
	}
	return v.([]Scheme), nil
}

// lookup reads field from a fresh copy, or refreshes and picks the answer
// from the new data, or falls back to the stale copy.
func lookup[T any](ctx context.Context, c *FundCache, field string, pick func([]Scheme) T) (T, Freshness, error) {
	var cached T
	at, raw, found := c.read(ctx, field)
	if found && raw != nil {
		if err := json.Unmarshal(raw, &cached); err != nil {
			c.Log.WarnContext(ctx, "fund cache: unreadable copy, refetching", "field", field, "err", err)
			found = false
		}
	}
	if found && c.fresh(at) {
		return cached, Freshness{Cache: CacheHit, FetchedAt: at}, nil
	}
	schemes, fetchedAt, err := c.refresh(ctx)
	if err == nil {
		return pick(schemes), Freshness{Cache: CacheMiss, FetchedAt: fetchedAt}, nil
	}
	if found {
		c.Log.WarnContext(ctx, "fund data upstream failed: serving the stale copy", "fetched_at", at, "err", err)
		return cached, Freshness{Cache: CacheStale, FetchedAt: at}, nil
	}
	var zero T
	return zero, Freshness{}, fmt.Errorf("%w: %w",
		alex.Errorf(alex.EUNAVAILABLE, "Fund data is unavailable right now; try again shortly."), err)
}

func (c *FundCache) fresh(at time.Time) bool { return c.Now().Sub(at) < c.TTL }

// read returns the copy's fetch time and one field (nil when the copy has
// no such field); found is false without a copy. A Redis error is a miss.
func (c *FundCache) read(ctx context.Context, field string) (time.Time, []byte, bool) {
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	vals, err := c.Redis.HMGet(ctx, c.Key, fieldFetchedAt, field).Result()
	if err != nil {
		c.Log.WarnContext(ctx, "fund cache: redis read failed", "err", err)
		return time.Time{}, nil, false
	}
	atText, ok := vals[0].(string)
	if !ok {
		return time.Time{}, nil, false
	}
	at, err := time.Parse(time.RFC3339Nano, atText)
	if err != nil {
		return time.Time{}, nil, false
	}
	raw, _ := vals[1].(string)
	if raw == "" {
		return at, nil, true
	}
	return at, []byte(raw), true
}

type snapshot struct {
	schemes   []Scheme
	fetchedAt time.Time
}

// refresh is the one upstream call of many concurrent misses. Inside the
// flight it reads Redis again: a request that missed just before another
// flight wrote the copy finds it there instead of calling upstream again.
func (c *FundCache) refresh(ctx context.Context) ([]Scheme, time.Time, error) {
	s, err := sharedFetch(ctx, &c.flight, "refresh", func(ctx context.Context) (snapshot, error) {
		if at, raw, found := c.read(ctx, fieldSchemes); found && raw != nil && c.fresh(at) {
			var schemes []Scheme
			if err := json.Unmarshal(raw, &schemes); err == nil {
				return snapshot{schemes, at}, nil
			}
		}
		schemes, err := c.fetch(ctx)
		if err != nil {
			return snapshot{}, err
		}
		return snapshot{schemes, c.Now()}, nil
	})
	return s.schemes, s.fetchedAt, err
}

// fetch asks upstream and writes the copy. A failed write is logged, not
// returned: the caller has its data, and the next request tries again.
func (c *FundCache) fetch(ctx context.Context) ([]Scheme, error) {
	ctx, cancel := context.WithTimeout(ctx, c.FetchTimeout)
	defer cancel()
	schemes, err := c.Source.Schemes(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.write(ctx, schemes, c.Now()); err != nil {
		c.Log.WarnContext(ctx, "fund cache: redis write failed", "err", err)
	}
	return schemes, nil
}

// write replaces the copy in one MULTI, so readers see the old copy or the
// new one, never a mix.
func (c *FundCache) write(ctx context.Context, schemes []Scheme, at time.Time) error {
	fields := map[string]any{fieldFetchedAt: at.UTC().Format(time.RFC3339Nano)}
	put := func(field string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode %s: %w", field, err)
		}
		fields[field] = b
		return nil
	}
	byFamily := map[string][]Scheme{}
	for _, s := range schemes {
		byFamily[s.Family] = append(byFamily[s.Family], s)
		if err := put(schemeField(s.Code), s); err != nil {
			return err
		}
	}
	for family, list := range byFamily {
		if err := put(familyField(family), list); err != nil {
			return err
		}
	}
	if err := put(fieldSchemes, schemes); err != nil {
		return err
	}
	if err := put(fieldFamilies, Families(schemes)); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	_, err := c.Redis.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, c.Key)
		p.HSet(ctx, c.Key, fields)
		p.Expire(ctx, c.Key, c.KeepStale)
		return nil
	})
	return err
}

func inFamily(all []Scheme, family string) []Scheme {
	if family == "" {
		return all
	}
	out := []Scheme{}
	for _, s := range all {
		if s.Family == family {
			out = append(out, s)
		}
	}
	return out
}
