package tasks

import (
	"context"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/alex-advisor/alex/queue"
	"github.com/alex-advisor/alex/store"
)

// Sweeper keeps every job moving whatever Redis or a worker lost: it
// delivers outbox rows that were not delivered, takes over stages whose
// worker stopped beating, and queues again pending stages whose task is gone
// from Redis. Every worker runs one; SKIP LOCKED and deterministic task ids
// make that safe.
type Sweeper struct {
	Store *store.Store
	Queue *queue.Queue
	Log   *slog.Logger
	Every time.Duration
	// StaleAfter must match the Handler's.
	StaleAfter time.Duration
	// OutboxGrace leaves a fresh outbox row to the process that wrote it,
	// which delivers right after its commit.
	OutboxGrace time.Duration
	// LostAfter is how long a queued stage may wait before its task is
	// looked up in Redis.
	LostAfter time.Duration
}

const sweepBatch = 200

// Run sweeps until ctx ends.
func (s *Sweeper) Run(ctx context.Context) {
	tick := time.NewTicker(s.Every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			s.Sweep(ctx)
		}
	}
}

// Sweep makes one pass.
func (s *Sweeper) Sweep(ctx context.Context) {
	s.takeOverStale(ctx)
	s.findLost(ctx)
	s.deliverOutbox(ctx)
}

func (s *Sweeper) deliverOutbox(ctx context.Context) {
	for {
		n, err := s.Store.DeliverOutbox(ctx, s.OutboxGrace, sweepBatch, func(tasks []store.OutboxTask) []int64 {
			delivered := enqueue(ctx, s.Queue, s.Log, tasks)
			wakeIdle(ctx, s.Queue, s.Log, tasks)
			return delivered
		})
		if err != nil {
			s.Log.WarnContext(ctx, "outbox sweep failed", "err", err)
			return
		}
		if n > 0 {
			s.Log.InfoContext(ctx, "outbox delivered", "tasks", n)
		}
		if n < sweepBatch {
			return
		}
	}
}

func (s *Sweeper) takeOverStale(ctx context.Context) {
	refs, err := s.Store.StaleStages(ctx, s.StaleAfter, sweepBatch)
	if err != nil {
		s.Log.WarnContext(ctx, "stale stage scan failed", "err", err)
		return
	}
	for _, ref := range refs {
		s.Log.WarnContext(ctx, "stage runner went silent; queueing it again", "job_id", ref.JobID, "stage", ref.Name, "attempts", ref.Attempts)
		if err := s.Store.ReleaseStale(ctx, ref, s.StaleAfter); err != nil {
			s.Log.WarnContext(ctx, "stale stage not released", "job_id", ref.JobID, "stage", ref.Name, "err", err)
		}
	}
}

func (s *Sweeper) findLost(ctx context.Context) {
	refs, err := s.Store.WaitingStages(ctx, s.LostAfter, sweepBatch)
	if err != nil {
		s.Log.WarnContext(ctx, "waiting stage scan failed", "err", err)
		return
	}
	for _, ref := range refs {
		if ref.TaskID == nil {
			continue // never delivered: the outbox sweep covers it
		}
		state, found, err := s.Queue.TaskState(QueueFor(ref.Name, *ref.TaskID), *ref.TaskID)
		if err != nil {
			// Redis did not answer: the task may well be there; the next
			// sweep asks again.
			s.Log.WarnContext(ctx, "lost task check failed", "job_id", ref.JobID, "stage", ref.Name, "task_id", *ref.TaskID, "err", err)
			continue
		}
		if found && taskWillRun(state) {
			continue
		}
		s.Log.WarnContext(ctx, "stage task lost; queueing it again", "job_id", ref.JobID, "stage", ref.Name, "task_id", *ref.TaskID, "found", found)
		if err := s.Store.Requeue(ctx, ref, s.LostAfter); err != nil {
			s.Log.WarnContext(ctx, "requeue failed", "job_id", ref.JobID, "stage", ref.Name, "err", err)
		}
	}
}

// taskWillRun tells whether asynq will still hand out a task in this state.
// A live worker claims a task it dequeues at once: a task active this long
// on a stage still pending was dequeued by a worker that died (asynq would
// hand it out again only after its lease). An archived one ran out of
// retries while PostgreSQL was away.
func taskWillRun(state asynq.TaskState) bool {
	switch state {
	case asynq.TaskStatePending, asynq.TaskStateScheduled, asynq.TaskStateRetry:
		return true
	}
	return false
}
