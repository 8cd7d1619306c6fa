package tasks_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/store"
	"github.com/alex-advisor/alex/tasks"
)

// The worker's scheduler enqueues the purge and the worker runs it: a job
// finished longer ago than the retention is gone, a recent one stays.
func TestWorkerRunsTheScheduledPurge(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	tok := h.token("user_purge")
	old, recent := h.submit(tok), h.submit(tok)
	long := time.Now().UTC().Add(-100 * 24 * time.Hour)
	require.NoError(t, h.store.DB().Exec(`UPDATE jobs SET status = 'completed', completed_at = ? WHERE id = ?`, long, old).Error)
	require.NoError(t, h.store.DB().Exec(`UPDATE jobs SET status = 'cancelled', completed_at = ? WHERE id = ?`, time.Now().UTC(), recent).Error)

	entries, err := tasks.ScheduledTasks(tasks.RefreshSchedule{PurgeCron: "@every 1s"})
	require.NoError(t, err)
	h.startWorker(h.realStages(), tasks.WorkerOptions{
		Purger:   &tasks.Purger{Store: h.store, Retention: store.Retention{Jobs: 90 * 24 * time.Hour}, Log: h.log},
		Schedule: entries[3:],
	})
	require.Eventually(t, func() bool {
		_, err := h.store.JobByID(t.Context(), old)
		return alex.ErrorCode(err) == alex.ENOTFOUND
	}, 20*time.Second, 50*time.Millisecond, "the old job is purged")
	_, err = h.store.JobByID(t.Context(), recent)
	require.NoError(t, err, "the recent job stays")
}
