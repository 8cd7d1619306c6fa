package tasks_test

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex/market"
	"github.com/alex-advisor/alex/tasks"
)

// fakeECB serves the sample rates file as the ECB does, counting requests;
// down makes it answer 500.
func fakeECB(t *testing.T, down *atomic.Bool) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		if down != nil && down.Load() {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write(market.SampleRatesFile)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestRefreshRatesFillsTheCache(t *testing.T) {
	t.Parallel()
	require.NoError(t, (&tasks.Refresher{}).RefreshRates(t.Context()), "no rates cache: nothing to do")

	h := newHarness(t, 3)
	var down atomic.Bool
	ecb, requests := fakeECB(t, &down)
	cache := market.NewRatesCache(&market.ECBRates{URL: ecb.URL, Client: quickClient()}, h.queue.Redis(), 0, h.log)
	r := &tasks.Refresher{Store: h.store, Rates: cache, Log: h.log}

	require.NoError(t, r.RefreshRates(t.Context()))
	rates, f, err := cache.Rates(t.Context())
	require.NoError(t, err)
	assert.Equal(t, market.CacheHit, f.Cache, "the API reads what the refresh fetched")
	assert.Equal(t, "1.165", rates.PerEUR["USD"].String())
	assert.EqualValues(t, 1, requests.Load())

	down.Store(true)
	require.Error(t, r.RefreshRates(t.Context()), "asynq retries a failed refresh")
	_, f, err = cache.Rates(t.Context())
	require.NoError(t, err)
	assert.Equal(t, market.CacheHit, f.Cache, "the copy stays")
}

// The worker's scheduler enqueues the rates refresh and the worker runs it.
func TestWorkerRunsScheduledRatesRefresh(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	ecb, requests := fakeECB(t, nil)
	entries, err := tasks.ScheduledTasks(tasks.RefreshSchedule{})
	require.NoError(t, err)
	rates := entries[2]
	require.Equal(t, tasks.TypeRefreshRates, rates.Task.Type())
	rates.Cron = "@every 1s"
	cache := market.NewRatesCache(&market.ECBRates{URL: ecb.URL, Client: quickClient()}, h.queue.Redis(), 0, h.log)
	h.startWorker(h.realStages(), tasks.WorkerOptions{
		Refresher: &tasks.Refresher{Store: h.store, Log: h.log, Rates: cache},
		Schedule:  []tasks.ScheduledTask{rates},
	})
	require.Eventually(t, func() bool { return requests.Load() > 0 }, 20*time.Second, 20*time.Millisecond)
	require.Eventually(t, func() bool {
		_, f, err := cache.Rates(t.Context())
		return err == nil && f.Cache == market.CacheHit
	}, 5*time.Second, 20*time.Millisecond)
}
