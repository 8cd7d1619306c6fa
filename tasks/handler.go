package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/metrics"
	"github.com/alex-advisor/alex/queue"
	"github.com/alex-advisor/alex/store"
)

// StageFunc computes a stage's result from its job (with the results of the
// earlier stages). It must honour ctx; wrap an error in asynq.SkipRetry when
// trying again cannot help.
type StageFunc func(ctx context.Context, job store.Job) ([]byte, error)

// Handler runs stage tasks.
type Handler struct {
	Store  *store.Store
	Queue  *queue.Queue
	Log    *slog.Logger
	Stages map[string]StageFunc
	// HeartbeatEvery is how often a running stage says it is alive, and
	// StaleAfter how long a silent one is left before another worker takes
	// it over (see Sweeper).
	HeartbeatEvery time.Duration
	StaleAfter     time.Duration
	// Metrics counts stage attempts by outcome; nil counts nothing.
	Metrics *metrics.Stages
}

// Default heartbeat timing: a dead worker's stage runs again within seconds,
// far sooner than asynq's lease expiry.
const (
	DefaultHeartbeatEvery = time.Second
	DefaultStaleAfter     = 5 * time.Second
)

// ProcessTask runs one attempt of a stage.
func (h *Handler) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var p StagePayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("decode %s payload: %v: %w", t.Type(), err, asynq.SkipRetry)
	}
	run, ok := h.Stages[p.Stage]
	if !ok {
		return fmt.Errorf("no stage %q: %w", p.Stage, asynq.SkipRetry)
	}
	taskID, _ := asynq.GetTaskID(ctx)
	log := h.Log.With("job_id", p.JobID, "stage", p.Stage, "task_id", taskID)

	attempt, err := h.Store.ClaimStage(ctx, p.JobID, p.Stage, h.StaleAfter)
	if errors.Is(err, store.ErrStageNotClaimed) {
		log.DebugContext(ctx, "stage not claimed: done, cancelled, waiting or running elsewhere")
		return nil
	}
	if err != nil {
		log.WarnContext(ctx, "stage not claimed", "err", err)
		return loggedError{err}
	}
	h.publish(ctx, p.JobID, log)
	log = log.With("attempt", attempt)
	start := time.Now()

	result, err := h.runWithHeartbeat(ctx, run, p, attempt)
	if err != nil {
		err = h.fail(ctx, p, attempt, err, log)
		h.Metrics.Observe(p.Stage, failureOutcome(err), time.Since(start))
		return err
	}
	next, err := h.Store.CompleteStage(ctx, p.JobID, p.Stage, attempt, result)
	if errors.Is(err, store.ErrStageNotClaimed) {
		log.InfoContext(ctx, "stage result discarded: another attempt finished it or the job ended")
		h.Metrics.Observe(p.Stage, metrics.StageDiscarded, time.Since(start))
		return nil
	}
	if err != nil {
		// Back to pending, so that asynq's retry claims it at once.
		err = h.fail(ctx, p, attempt, err, log)
		h.Metrics.Observe(p.Stage, failureOutcome(err), time.Since(start))
		return err
	}
	h.Metrics.Observe(p.Stage, metrics.StageCompleted, time.Since(start))
	log.InfoContext(ctx, "stage completed", "duration_ms", time.Since(start).Milliseconds())
	h.publish(ctx, p.JobID, log)
	Deliver(ctx, h.Queue, h.Store, log, next)
	return nil
}

func (h *Handler) runWithHeartbeat(ctx context.Context, run StageFunc, p StagePayload, attempt int) ([]byte, error) {
	job, err := h.Store.JobResults(ctx, p.JobID)
	if err != nil {
		return nil, err
	}
	beatCtx, stop := context.WithCancel(ctx)
	defer stop()
	go h.beat(beatCtx, p, attempt)
	return run(ctx, job)
}

func (h *Handler) beat(ctx context.Context, p StagePayload, attempt int) {
	tick := time.NewTicker(h.HeartbeatEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := h.Store.Heartbeat(ctx, p.JobID, p.Stage, attempt); err != nil && ctx.Err() == nil {
				h.Log.WarnContext(ctx, "heartbeat failed", "job_id", p.JobID, "stage", p.Stage, "err", err)
			}
		}
	}
}

// fail puts the stage back for asynq's retry, or, when no retry is left or
// none can help, fails the job naming the stage. It logs cause, once, with
// the job, stage and task; the user reads a sentence (see stageError).
func (h *Handler) fail(ctx context.Context, p StagePayload, attempt int, cause error, log *slog.Logger) error {
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetried, _ := asynq.GetMaxRetry(ctx)
	// A dependency that is down fails no job: the stage waits for it (the
	// sweeper queues it again when asynq gave up on the task).
	unavailable := alex.ErrorCode(cause) == alex.EUNAVAILABLE
	final := !unavailable && (errors.Is(cause, asynq.SkipRetry) || retried >= maxRetried)
	// The stage's own context may be spent (timeout): record with a fresh one.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if !final {
		log.WarnContext(ctx, "stage attempt failed; retrying", "err", cause, "retry", retried)
		if err := h.Store.RetryStage(wctx, p.JobID, p.Stage, attempt, stageError(p.Stage, cause)); err != nil {
			log.WarnContext(ctx, "stage retry not recorded", "err", err)
		}
		return loggedError{cause}
	}
	log.ErrorContext(ctx, "stage failed for good", "err", cause, "retry", retried)
	err := h.Store.FailStage(wctx, p.JobID, p.Stage, attempt, stageError(p.Stage, cause), jobError(p.Stage, cause))
	if errors.Is(err, store.ErrStageNotClaimed) {
		log.InfoContext(ctx, "stage failure discarded: another attempt replaced this one")
		return nil
	}
	if err != nil {
		log.ErrorContext(ctx, "stage failure not recorded", "err", err)
		return loggedError{errors.Join(cause, err)}
	}
	h.publish(wctx, p.JobID, log)
	return loggedError{fmt.Errorf("%w: %w", cause, asynq.SkipRetry)}
}

// failureOutcome tells from fail's answer how the attempt ended: nil when
// its failure was discarded, SkipRetry when the stage failed for good, any
// other error hands the task back to asynq for a retry.
func failureOutcome(err error) string {
	switch {
	case err == nil:
		return metrics.StageDiscarded
	case errors.Is(err, asynq.SkipRetry):
		return metrics.StageFailed
	}
	return metrics.StageRetried
}

func (h *Handler) publish(ctx context.Context, jobID string, log *slog.Logger) {
	if err := h.Queue.PublishJobChanged(ctx, jobID); err != nil {
		log.WarnContext(ctx, "job event not published", "err", err)
	}
}
