package tasks

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/alex-advisor/alex"
)

// ServerOptions tune the asynq server.
type ServerOptions struct {
	Concurrency int
	// TaskCheckInterval is how long an idle worker waits before polling the
	// queues again: the floor of each stage's pick-up latency.
	TaskCheckInterval time.Duration
	ShutdownTimeout   time.Duration
	Log               *slog.Logger
}

// NewServer builds the asynq server of a worker.
func NewServer(conn asynq.RedisConnOpt, o ServerOptions) *asynq.Server {
	return asynq.NewServer(conn, asynq.Config{
		Concurrency:       o.Concurrency,
		Queues:            Queues,
		TaskCheckInterval: o.TaskCheckInterval,
		// The janitor deletes completed tasks kept for a retention, and no
		// task has one: checking every 8 s (asynq's default) costs an idle
		// worker's CPU for nothing.
		JanitorInterval: time.Minute,
		RetryDelayFunc:  RetryDelay,
		ShutdownTimeout: o.ShutdownTimeout,
		Logger:          slogAdapter{o.Log},
		LogLevel:        asynq.WarnLevel,
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
			if alreadyLogged(err) {
				return // by the stage handler, with its job and stage
			}
			id, _ := asynq.GetTaskID(ctx)
			o.Log.WarnContext(ctx, "task failed", "type", t.Type(), "task_id", id, "err", err)
		}),
	})
}

// NewMux routes every stage's task type to the handler.
func NewMux(h *Handler) *asynq.ServeMux {
	mux := asynq.NewServeMux()
	for _, st := range alex.Stages {
		mux.Handle(TypeStagePrefix+st.Name, h)
	}
	return mux
}

// slogAdapter lets asynq log through slog.
type slogAdapter struct{ log *slog.Logger }

func (a slogAdapter) Debug(args ...any) { a.log.Debug(fmt.Sprint(args...)) }
func (a slogAdapter) Info(args ...any)  { a.log.Info(fmt.Sprint(args...)) }
func (a slogAdapter) Warn(args ...any)  { a.log.Warn(fmt.Sprint(args...)) }
func (a slogAdapter) Error(args ...any) { a.log.Error(fmt.Sprint(args...)) }
func (a slogAdapter) Fatal(args ...any) { a.log.Error(fmt.Sprint(args...)) }
