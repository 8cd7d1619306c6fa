package store_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/alex-advisor/alex/store"
	"github.com/alex-advisor/alex/store/storetest"
)

// An operator sees the queries that waited for a connection (the api
// exports these figures on /metrics): a query that asked while the only
// connection was taken counts as a wait, with its time.
func TestPoolStatsCountWaits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{URL: storetest.URL(), MaxOpenConns: 1})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	require.Equal(t, 1, s.PoolStats().MaxConns)

	// The waiter may ask only after the connection is free again; then it
	// does not wait, and the round is tried again.
	waitedOnce := func() bool {
		done := make(chan error, 1)
		require.NoError(t, s.DB().WithContext(ctx).Connection(func(*gorm.DB) error {
			go func() { done <- s.DB().WithContext(ctx).Exec("SELECT 1").Error }()
			runtime.Gosched()
			return nil
		}))
		require.NoError(t, <-done)
		return s.PoolStats().Waits > 0
	}
	require.Eventually(t, waitedOnce, 10*time.Second, time.Millisecond)
	require.Positive(t, s.PoolStats().WaitTime)
	require.Zero(t, s.PoolStats().InUse, "every connection is back")
}
