package queue_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex/queue"
	"github.com/alex-advisor/alex/queue/redistest"
)

func openQueue(t testing.TB) *queue.Queue {
	t.Helper()
	q, err := queue.Open(redistest.Start(t).URL())
	require.NoError(t, err)
	t.Cleanup(func() { q.Close() })
	return q
}

func TestRateLimiterAllowsABurstThenSaysWhenToRetry(t *testing.T) {
	t.Parallel()
	limiter := openQueue(t).NewRateLimiter(6, time.Minute) // one request every 10 s, bursts of 6
	for i := range 6 {
		allowed, _, err := limiter.Allow(t.Context(), "user_a")
		require.NoError(t, err)
		require.True(t, allowed, "request %d of the burst", i+1)
	}
	allowed, retryAfter, err := limiter.Allow(t.Context(), "user_a")
	require.NoError(t, err)
	assert.False(t, allowed)
	assert.Greater(t, retryAfter, time.Duration(0))
	assert.LessOrEqual(t, retryAfter, 10*time.Second)

	allowed, _, err = limiter.Allow(t.Context(), "user_b")
	require.NoError(t, err)
	assert.True(t, allowed, "keys are counted apart")
}

// BenchmarkRateLimiterAllow is the cost a mutation pays for the limit: one
// Redis round trip running the GCRA script.
func BenchmarkRateLimiterAllow(b *testing.B) {
	limiter := openQueue(b).NewRateLimiter(1<<30, time.Minute)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := limiter.Allow(b.Context(), "user_bench"); err != nil {
			b.Fatal(err)
		}
	}
}
