package tasks_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/internal/faultproxy"
	"github.com/alex-advisor/alex/queue"
	"github.com/alex-advisor/alex/store"
	"github.com/alex-advisor/alex/store/storetest"
	"github.com/alex-advisor/alex/tasks"
)

// noPoll is a queue check interval no test outlives: a job that completes
// under it moved on wake-ups and in-process runs alone.
const noPoll = time.Hour

// startUnpolledWorker starts a worker whose asynq processors poll once, at
// start, and then sleep for noPoll. asynq's Shutdown waits for that sleep
// to end, so the test does not wait for its Shutdown.
func startUnpolledWorker(h *harness, s *store.Store, q *queue.Queue, stages map[string]tasks.StageFunc, o tasks.WorkerOptions) {
	h.t.Helper()
	o.TaskCheckInterval, o.Log = noPoll, h.log
	if o.StaleAfter == 0 {
		o.StaleAfter, o.HeartbeatEvery = 3*time.Second, 100*time.Millisecond
	}
	w := tasks.NewWorker(s, q, stages, o)
	require.NoError(h.t, w.Start(context.Background()))
	h.t.Cleanup(func() { go w.Shutdown() })
}

// A job goes from submit to completed with workers that never poll asynq
// (nor sweep): the submit wakes an idle worker, and every completion runs
// what it unblocks at once. Each stage runs once.
func TestJobCompletesWithoutPolling(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	for range 2 {
		startUnpolledWorker(h, h.store, h.queue, h.realStages(), tasks.WorkerOptions{SweepEvery: noPoll})
	}
	tok := h.token("user_nopoll")
	h.populate(tok)
	for range 3 {
		j := h.waitJob(h.submit(tok), 30*time.Second)
		require.Equal(t, alex.StatusCompleted, j.Status, "%v", j.ErrorMessage)
		for _, st := range j.JobStages {
			assert.Equal(t, 1, st.Attempts, st.Name)
		}
	}
}

// With many jobs at once on several workers, wake-ups, in-process runs and
// the queued tasks of the same stages race: no stage ever runs twice at
// once, and none runs twice at all.
func TestStageNeverRunsTwiceConcurrently(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 100)
	var mu sync.Mutex
	running := map[string]int{}
	runs := map[string]int{}
	var overlaps []string
	watched := func(name string, f tasks.StageFunc) tasks.StageFunc {
		return func(ctx context.Context, j store.Job) ([]byte, error) {
			key := j.ID + "/" + name
			mu.Lock()
			running[key]++
			runs[key]++
			if running[key] > 1 {
				overlaps = append(overlaps, key)
			}
			mu.Unlock()
			defer func() {
				mu.Lock()
				running[key]--
				mu.Unlock()
			}()
			return f(ctx, j)
		}
	}
	for range 3 {
		stages := h.realStages()
		for name, f := range stages {
			stages[name] = watched(name, f)
		}
		// Few slots, so that some stages go to asynq's tasks and to other
		// workers' wake-ups; a short poll, so that the tasks race the runs.
		h.startWorker(stages, tasks.WorkerOptions{Concurrency: 2, TaskCheckInterval: 5 * time.Millisecond})
	}
	tok := h.token("user_race")
	h.populate(tok)
	ids := make([]string, 30)
	for i := range ids {
		ids[i] = h.submit(tok)
	}
	for _, id := range ids {
		j := h.waitJob(id, time.Minute)
		require.Equal(t, alex.StatusCompleted, j.Status, "%v", j.ErrorMessage)
		for _, st := range j.JobStages {
			assert.Equal(t, 1, st.Attempts, "%s %s", id, st.Name)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, overlaps, "stages that ran twice at once")
	for key, n := range runs {
		assert.Equal(t, 1, n, key)
	}
	assert.Len(t, runs, len(ids)*len(alex.Stages))
}

// A worker dies in the middle of a stage it runs in-process: it loses
// PostgreSQL and Redis at once, and stops beating. Another worker, which
// never polls asynq, takes the stage over through the sweeper and completes
// the job; the dead worker's attempt writes nothing.
func TestCrashedInProcessRunIsRecovered(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	pg := faultproxy.Start(t, "127.0.0.1:5432")
	url := strings.Replace(storetest.URL(), "127.0.0.1:5432", pg.Addr(), 1)
	doomed, err := store.Open(context.Background(), store.Options{URL: url, Schema: h.schema, MaxOpenConns: 4})
	require.NoError(t, err)
	t.Cleanup(func() { doomed.Close() })
	rd := faultproxy.Start(t, h.redis.Addr())
	doomedQueue, err := queue.Open("redis://" + rd.Addr() + "/0")
	require.NoError(t, err)
	t.Cleanup(func() { doomedQueue.Close() })

	hung := make(chan struct{})
	release := make(chan struct{})
	stages := (&tasks.Analysis{Store: doomed}).Stages()
	stages["charter"] = func(ctx context.Context, j store.Job) ([]byte, error) {
		close(hung)
		<-release // hangs, whatever its context says
		return nil, fmt.Errorf("the dead worker's attempt")
	}
	t.Cleanup(func() { close(release) })
	startUnpolledWorker(h, doomed, doomedQueue, stages, tasks.WorkerOptions{SweepEvery: noPoll, StaleAfter: time.Second,
		HeartbeatEvery: 100 * time.Millisecond})

	tok := h.token("user_crash_inprocess")
	h.populate(tok)
	id := h.submit(tok)
	<-hung
	// The siblings the dying worker ran beside charter finish first.
	require.Eventually(t, func() bool {
		j, err := h.store.JobByID(context.Background(), id)
		require.NoError(t, err)
		return stageStatus(j, "reporter") == alex.StatusCompleted && stageStatus(j, "retirement") == alex.StatusCompleted
	}, 30*time.Second, 10*time.Millisecond)
	pg.Cut()
	rd.Cut()

	startUnpolledWorker(h, h.store, h.queue, h.realStages(), tasks.WorkerOptions{StaleAfter: time.Second,
		HeartbeatEvery: 100 * time.Millisecond, SweepEvery: 100 * time.Millisecond})
	j := h.waitJob(id, 30*time.Second)
	require.Equal(t, alex.StatusCompleted, j.Status, "%v", j.ErrorMessage)
	for _, st := range j.JobStages {
		want := 1
		if st.Name == "charter" {
			want = 2
		}
		assert.Equal(t, want, st.Attempts, st.Name)
	}
}

func stageStatus(j store.Job, name string) string {
	for _, st := range j.JobStages {
		if st.Name == name {
			return st.Status
		}
	}
	return ""
}
