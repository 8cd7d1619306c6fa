package tasks_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/store"
	"github.com/alex-advisor/alex/tasks"
)

// Redis goes away: CRUD keeps working, submits are accepted into the outbox,
// and every one of them completes once Redis is back, without a restart.
func TestRedisOutageLosesNoJob(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 10)
	h.startWorker(h.realStages(), tasks.WorkerOptions{})
	tok := h.token("user_outage")
	h.populate(tok)
	before := h.submit(tok)
	require.Equal(t, alex.StatusCompleted, h.waitJob(before, 30*time.Second).Status)

	h.redis.Stop()
	res := h.do("POST", "/api/v1/accounts", tok, map[string]any{"account_name": "Opened during the outage", "cash_balance": 100})
	require.Equal(t, http.StatusCreated, res.status, "%s", res.body)
	require.Equal(t, http.StatusOK, h.do("GET", "/api/v1/accounts", tok, nil).status)
	ready := h.do("GET", "/ready", "", nil)
	assert.Equal(t, http.StatusOK, ready.status, "no Ready check configured in this harness")
	var during []string
	for range 3 {
		during = append(during, h.submit(tok))
	}
	for _, id := range during {
		j, err := h.store.JobByID(context.Background(), id)
		require.NoError(t, err)
		assert.Equal(t, alex.StatusPending, j.Status)
	}

	h.redis.Restart() // empty: whatever the queue held is gone too
	for _, id := range during {
		assert.Equal(t, alex.StatusCompleted, h.waitJob(id, 60*time.Second).Status)
	}
}

// A worker that dies mid-stage stops beating; another takes the stage over
// under a new task id within seconds, and the stage completes once.
func TestSilentStageIsTakenOver(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	tok := h.token("user_takeover")
	h.populate(tok)
	id := h.submit(tok)
	ctx := context.Background()

	// A "dead worker" claims the planner and never beats again.
	_, err := h.store.ClaimStage(ctx, id, "planner", time.Second)
	require.NoError(t, err)
	// Its task is gone, as if asynq had handed it out and lost the worker.
	require.NoError(t, h.queue.Inspector().DeleteTask(tasks.QueueDefault, store.TaskID(id, "planner", 0)))

	h.startWorker(h.realStages(), tasks.WorkerOptions{StaleAfter: 2 * time.Second, HeartbeatEvery: 100 * time.Millisecond})
	j := h.waitJob(id, 30*time.Second)
	require.Equal(t, alex.StatusCompleted, j.Status)
	for _, st := range j.JobStages {
		want := 1
		if st.Name == "planner" {
			want = 2
		}
		assert.Equal(t, want, st.Attempts, st.Name)
	}
}

// The pending task of a stage vanishes from Redis (a flush, a failover):
// the sweeper finds the stage waiting with no task and queues it again.
func TestLostTaskIsQueuedAgain(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	tok := h.token("user_lost")
	h.populate(tok)
	id := h.submit(tok)
	require.NoError(t, h.queue.Inspector().DeleteTask(tasks.QueueDefault, store.TaskID(id, "planner", 0)))

	h.startWorker(h.realStages(), tasks.WorkerOptions{LostAfter: 200 * time.Millisecond})
	assert.Equal(t, alex.StatusCompleted, h.waitJob(id, 30*time.Second).Status)
}
