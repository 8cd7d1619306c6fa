package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
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

	// local runs stages in this process (see Worker); nil leaves every
	// stage to its task.
	local *local
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
	if _, ok := h.Stages[p.Stage]; !ok {
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
	return h.execute(ctx, run{StagePayload: p, attempt: attempt, log: log.With("attempt", attempt)})
}

// run is an attempt of a stage that was claimed for it.
type run struct {
	StagePayload
	attempt int
	// job is the job the claim read; nil reads it.
	job *store.Job
	// inProcess runs without a task of asynq's: it has no retry count, and
	// a failure leaves the stage pending for the sweeper to queue again.
	inProcess bool
	log       *slog.Logger
}

// execute runs a claimed stage and records its end. What the completion
// unblocks runs here at once, as far as the local slots allow, the rest
// through the queue; a stage run here that this worker does not finish
// (it died, or the attempt failed) is queued again by the sweeper.
func (h *Handler) execute(ctx context.Context, r run) error {
	start := time.Now()
	result, err := h.runWithHeartbeat(ctx, r)
	if err != nil {
		err = h.fail(ctx, r, err)
		h.Metrics.Observe(r.Stage, failureOutcome(err), time.Since(start))
		return err
	}
	claim := h.local.reserve(widestPosition)
	c, err := h.Store.CompleteStageAndClaim(ctx, r.JobID, r.Stage, r.attempt, result, claim)
	h.local.release(claim - len(c.Claimed))
	if errors.Is(err, store.ErrStageNotClaimed) {
		r.log.InfoContext(ctx, "stage result discarded: another attempt finished it or the job ended")
		h.Metrics.Observe(r.Stage, metrics.StageDiscarded, time.Since(start))
		return nil
	}
	if err != nil {
		// Back to pending, so that asynq's retry claims it at once.
		err = h.fail(ctx, r, err)
		h.Metrics.Observe(r.Stage, failureOutcome(err), time.Since(start))
		return err
	}
	h.Metrics.Observe(r.Stage, metrics.StageCompleted, time.Since(start))
	r.log.InfoContext(ctx, "stage completed", "duration_ms", time.Since(start).Milliseconds(), "in_process", r.inProcess)
	for _, cl := range c.Claimed {
		h.runLocal(c.Job, cl)
	}
	h.publish(ctx, r.JobID, r.log)
	Deliver(ctx, h.Queue, h.Store, r.log, c.Next)
	return nil
}

// widestPosition is the most stages that one completion can make ready.
var widestPosition = func() int {
	n := map[int]int{}
	for _, st := range alex.Stages {
		n[st.Position]++
	}
	return max(1, slices.Max(slices.Collect(maps.Values(n))))
}()

// runLocal runs a stage claimed for this process in its slot.
func (h *Handler) runLocal(job store.Job, cl store.ClaimedStage) {
	r := run{StagePayload: StagePayload{JobID: job.ID, Stage: cl.Name}, attempt: cl.Attempt, job: &job, inProcess: true,
		log: h.Log.With("job_id", job.ID, "stage", cl.Name, "task_id", cl.TaskID, "attempt", cl.Attempt)}
	if !h.startInProcess(r) {
		r.log.Info("worker stopping: the stage claimed is left to the sweeper")
	}
}

// startInProcess runs a claimed stage in the local slot its caller took,
// within the stage's time. It is false when the worker is stopping: the
// slot is given back and the stage left to its backstop.
func (h *Handler) startInProcess(r run) bool {
	return h.local.start(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, stageTimeout)
		defer cancel()
		_ = h.execute(ctx, r) // logged; the sweeper queues a failed stage again
	})
}

// runWoken claims the stage a wake-up names and runs it in the local slot
// the caller took, which it gives back if the stage is not claimed.
func (h *Handler) runWoken(ctx context.Context, msg string) {
	var w wakeup
	if err := json.Unmarshal([]byte(msg), &w); err != nil || h.Stages[w.Stage] == nil {
		h.Log.WarnContext(ctx, "wake-up ignored", "msg", msg, "err", err)
		h.local.release(1)
		return
	}
	p := w.StagePayload
	log := h.Log.With("job_id", p.JobID, "stage", p.Stage, "task_id", w.TaskID)
	attempt, err := h.Store.ClaimStage(ctx, p.JobID, p.Stage, h.StaleAfter)
	if err != nil {
		if !errors.Is(err, store.ErrStageNotClaimed) {
			log.WarnContext(ctx, "woken stage not claimed; its task will be", "err", err)
		}
		h.local.release(1)
		return
	}
	h.publish(ctx, p.JobID, log)
	h.startInProcess(run{StagePayload: p, attempt: attempt, inProcess: true, log: log.With("attempt", attempt)})
}

func (h *Handler) runWithHeartbeat(ctx context.Context, r run) ([]byte, error) {
	fn, ok := h.Stages[r.Stage]
	if !ok {
		return nil, fmt.Errorf("no stage %q: %w", r.Stage, asynq.SkipRetry)
	}
	if r.job == nil {
		job, err := h.Store.JobResults(ctx, r.JobID)
		if err != nil {
			return nil, err
		}
		r.job = &job
	}
	beatCtx, stop := context.WithCancel(ctx)
	defer stop()
	go h.beat(beatCtx, r)
	return fn(ctx, *r.job)
}

func (h *Handler) beat(ctx context.Context, r run) {
	tick := time.NewTicker(h.HeartbeatEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := h.Store.Heartbeat(ctx, r.JobID, r.Stage, r.attempt); err != nil && ctx.Err() == nil {
				h.Log.WarnContext(ctx, "heartbeat failed", "job_id", r.JobID, "stage", r.Stage, "err", err)
			}
		}
	}
}

// fail puts the stage back for a retry, or, when no try is left or none
// can help, fails the job naming the stage. It logs cause, once, with the
// job, stage and task; the user reads a sentence (see stageError). A run in
// process is retried by the sweeper, which finds the stage pending with no
// task of its id in the queue (a woken stage's task, refused while the run
// held the stage, is gone too).
func (h *Handler) fail(ctx context.Context, r run, cause error) error {
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetried, _ := asynq.GetMaxRetry(ctx)
	// A dependency that is down fails no job: the stage waits for it (the
	// sweeper queues it again when asynq gave up on the task).
	unavailable := alex.ErrorCode(cause) == alex.EUNAVAILABLE
	// An attempt in process and asynq's tries share the stage's budget of
	// maxRetry+1 attempts (a worker that died mid-attempt used one too).
	lastTry := r.attempt > maxRetry || (!r.inProcess && retried >= maxRetried)
	final := !unavailable && (errors.Is(cause, asynq.SkipRetry) || lastTry)
	log := r.log
	// The stage's own context may be spent (timeout): record with a fresh one.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if !final {
		log.WarnContext(ctx, "stage attempt failed; retrying", "err", cause, "retry", retried, "in_process", r.inProcess)
		if err := h.Store.RetryStage(wctx, r.JobID, r.Stage, r.attempt, stageError(r.Stage, cause)); err != nil {
			log.WarnContext(ctx, "stage retry not recorded", "err", err)
		}
		return loggedError{cause}
	}
	log.ErrorContext(ctx, "stage failed for good", "err", cause, "retry", retried)
	err := h.Store.FailStage(wctx, r.JobID, r.Stage, r.attempt, stageError(r.Stage, cause), jobError(r.Stage, cause))
	if errors.Is(err, store.ErrStageNotClaimed) {
		log.InfoContext(ctx, "stage failure discarded: another attempt replaced this one")
		return nil
	}
	if err != nil {
		log.ErrorContext(ctx, "stage failure not recorded", "err", err)
		return loggedError{errors.Join(cause, err)}
	}
	h.publish(wctx, r.JobID, log)
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
