package market

import (
	"context"

	"golang.org/x/sync/singleflight"
)

// sharedFetch runs fetch once for all concurrent callers of key and gives
// each the result: the one upstream call of many cache misses. The fetch is
// detached from the caller that started it, so that one caller giving up
// (it gets ctx.Err() at once) does not fail the others waiting on the same
// flight; fetch bounds itself.
func sharedFetch[T any](ctx context.Context, g *singleflight.Group, key string, fetch func(context.Context) (T, error)) (T, error) {
	ch := g.DoChan(key, func() (any, error) { return fetch(context.WithoutCancel(ctx)) })
	var zero T
	select {
	case <-ctx.Done():
		return zero, ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return zero, r.Err
		}
		return r.Val.(T), nil
	}
}
