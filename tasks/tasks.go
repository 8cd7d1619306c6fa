package tasks

import (
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"time"

	"github.com/hibiken/asynq"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/queue"
	"github.com/alex-advisor/alex/store"
)

// TypeStagePrefix starts the type of every stage task: "stage:planner", ...
const TypeStagePrefix = "stage:"

// Queues with their priorities: finishing a job first keeps latency low.
const (
	QueueCritical = "critical" // the last stage of a job (summary)
	QueueDefault  = "default"  // every other stage
	QueueLow      = "low"      // scheduled refreshes
)

// Queues weighs the queues for the asynq server.
var Queues = map[string]int{QueueCritical: 6, QueueDefault: 3, QueueLow: 1}

// StagePayload is the payload of a stage task.
type StagePayload struct {
	JobID string `json:"job_id"`
	Stage string `json:"stage"`
}

const (
	// stageTimeout bounds one attempt of a stage.
	stageTimeout = 2 * time.Minute
	// maxRetry is how often a failing stage is tried again before the job fails.
	maxRetry = 3
)

// NewStageTask builds the task of an outbox row.
func NewStageTask(t store.OutboxTask) *asynq.Task {
	payload, _ := json.Marshal(StagePayload{JobID: t.JobID, Stage: t.Stage}) // two strings: cannot fail
	return asynq.NewTask(TypeStagePrefix+t.Stage, payload,
		asynq.TaskID(t.TaskID), asynq.Queue(QueueFor(t.Stage, t.TaskID)),
		asynq.MaxRetry(maxRetry), asynq.Timeout(stageTimeout))
}

// QueueFor is the queue of a stage's task. A stage that finishes a job
// (summary), and a stage queued again (taken from a dead worker, or its task
// lost), which waited once already, go before new work.
func QueueFor(stage, taskID string) string {
	if st, ok := alex.StageByName(stage); ok && st.Finishes() || store.Requeued(taskID) {
		return QueueCritical
	}
	return QueueDefault
}

// RetryDelay backs off 0.5 s, 1 s, 2 s, ... up to 30 s: stages are short, and
// asynq's default (minutes) would hold a job up for no reason.
func RetryDelay(n int, _ error, _ *asynq.Task) time.Duration {
	d := time.Duration(float64(500*time.Millisecond) * math.Pow(2, float64(n)))
	return min(d, 30*time.Second)
}

// Deliver hands outbox tasks to the queue, marks the delivered ones, and
// wakes an idle worker for each, which runs it at once rather than at
// asynq's next poll. What fails stays in the outbox for the Sweeper; the
// error is only logged.
func Deliver(ctx context.Context, q *queue.Queue, s *store.Store, log *slog.Logger, tasks []store.OutboxTask) {
	if len(tasks) == 0 {
		return
	}
	delivered := enqueue(ctx, q, log, tasks)
	if err := s.MarkDelivered(ctx, delivered...); err != nil {
		log.WarnContext(ctx, "outbox not marked delivered; the sweeper will deliver again", "err", err)
	}
	wakeIdle(ctx, q, log, tasks)
}

// wakeup is the message of a wake-up: the stage to run, and the task that
// is its backstop.
type wakeup struct {
	StagePayload
	TaskID string `json:"task_id"`
}

// wakeIdle hands tasks to idle workers (see queue.Wake); a wake-up lost
// costs only latency.
func wakeIdle(ctx context.Context, q *queue.Queue, log *slog.Logger, tasks []store.OutboxTask) {
	msgs := make([]string, 0, len(tasks))
	for _, t := range tasks {
		b, _ := json.Marshal(wakeup{StagePayload{JobID: t.JobID, Stage: t.Stage}, t.TaskID}) // strings: cannot fail
		msgs = append(msgs, string(b))
	}
	if err := q.Wake(ctx, msgs...); err != nil {
		log.DebugContext(ctx, "workers not woken; they poll", "err", err)
	}
}

func enqueue(ctx context.Context, q *queue.Queue, log *slog.Logger, tasks []store.OutboxTask) []int64 {
	delivered := make([]int64, 0, len(tasks))
	for _, t := range tasks {
		if err := q.Enqueue(ctx, NewStageTask(t)); err != nil {
			log.WarnContext(ctx, "task stays in the outbox", "task_id", t.TaskID, "job_id", t.JobID, "err", err)
			continue
		}
		delivered = append(delivered, t.ID)
	}
	return delivered
}
