package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
)

// rateLimitPrefix namespaces the limiter's keys away from asynq's.
const rateLimitPrefix = "alex:ratelimit:"

// rateLimitTimeout is shorter than other Redis calls: a limiter check sits
// on every mutation, and a slow Redis should cost it little before the
// caller lets the request through.
const rateLimitTimeout = 500 * time.Millisecond

// RateLimiter counts requests per key in Redis (GCRA), so a limit holds
// across every API replica sharing the Redis.
type RateLimiter struct {
	limiter *redis_rate.Limiter
	limit   redis_rate.Limit
}

// NewRateLimiter allows n requests per period and key, in bursts of up to n.
func (q *Queue) NewRateLimiter(n int, period time.Duration) *RateLimiter {
	return &RateLimiter{limiter: redis_rate.NewLimiter(q.rdb),
		limit: redis_rate.Limit{Rate: n, Burst: n, Period: period}}
}

// Allow takes one request of key's allowance. When it is spent, allowed is
// false and retryAfter says when the next request will be let through.
func (l *RateLimiter) Allow(ctx context.Context, key string) (allowed bool, retryAfter time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, rateLimitTimeout)
	defer cancel()
	res, err := l.limiter.Allow(ctx, rateLimitPrefix+key, l.limit)
	if err != nil {
		return false, 0, fmt.Errorf("rate limit: %w", err)
	}
	return res.Allowed > 0, res.RetryAfter, nil
}
