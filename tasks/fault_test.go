package tasks_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/internal/faultproxy"
	"github.com/alex-advisor/alex/store"
	"github.com/alex-advisor/alex/store/storetest"
	"github.com/alex-advisor/alex/tasks"
)

// Redis is cut for 30 s between it and both the API and the worker, with
// jobs running. CRUD keeps working, every submit during the cut is
// accepted, and once Redis answers again every job completes, without a
// restart, each stage's result written once.
func TestRedisCutLosesNoJob(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 1000)
	proxy := faultproxy.Start(t, h.redis.Addr())
	h.connectRedisThrough(proxy)
	countPayloadWrites(t, h)
	h.startWorker(h.realStages(), tasks.WorkerOptions{})
	tok := h.token("user_redis_cut")
	h.populate(tok)
	var ids []string
	for range 10 {
		ids = append(ids, h.submit(tok))
	}

	proxy.Cut()
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(time.Second) {
		res := h.do("POST", "/api/v1/accounts", tok, map[string]any{"account_name": "Opened during the cut"})
		require.Equal(t, http.StatusCreated, res.status, "%s", res.body)
		ids = append(ids, h.submit(tok))
	}
	proxy.Restore()

	for _, id := range ids {
		require.Equal(t, alex.StatusCompleted, h.waitJob(id, 2*time.Minute).Status)
	}
	requireEachStageWrittenOnce(t, h, len(ids))
}

// PostgreSQL is cut for 10 s between it and the worker while jobs run:
// stages wait for it instead of failing their jobs, and once it answers
// again every job completes, each stage's result written once.
func TestPostgresCutLosesNoJob(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 1000)
	countPayloadWrites(t, h)
	proxy := faultproxy.Start(t, "127.0.0.1:5432")
	url := strings.Replace(storetest.URL(), "127.0.0.1:5432", proxy.Addr(), 1)
	require.NotEqual(t, storetest.URL(), url, "the test database is on 127.0.0.1:5432")
	workerStore, err := store.Open(context.Background(), store.Options{URL: url, Schema: h.schema, MaxOpenConns: 10})
	require.NoError(t, err)
	t.Cleanup(func() { workerStore.Close() })
	o := tasks.WorkerOptions{Log: h.log, StaleAfter: 3 * time.Second, HeartbeatEvery: 100 * time.Millisecond, SweepEvery: 100 * time.Millisecond}
	w := tasks.NewWorker(workerStore, h.queue, (&tasks.Analysis{Store: workerStore}).Stages(), o)
	require.NoError(t, w.Start(context.Background()))
	t.Cleanup(w.Shutdown)

	tok := h.token("user_pg_cut")
	h.populate(tok)
	var ids []string
	for range 30 {
		ids = append(ids, h.submit(tok))
	}
	require.Eventually(t, func() bool { return countJobs(t, h, alex.StatusCompleted) >= 3 },
		time.Minute, 10*time.Millisecond, "the worker did not get going")
	proxy.Cut()
	time.Sleep(10 * time.Second) // the outage
	proxy.Restore()

	for _, id := range ids {
		require.Equal(t, alex.StatusCompleted, h.waitJob(id, 2*time.Minute).Status)
	}
	requireEachStageWrittenOnce(t, h, len(ids))
}
