package tasks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/alex-advisor/alex/metrics"
	"github.com/alex-advisor/alex/queue"
	"github.com/alex-advisor/alex/store"
)

// WorkerOptions configure a Worker; zero values take the defaults.
type WorkerOptions struct {
	Concurrency       int
	TaskCheckInterval time.Duration
	ShutdownTimeout   time.Duration
	HeartbeatEvery    time.Duration
	StaleAfter        time.Duration
	SweepEvery        time.Duration
	// LostAfter is how long a queued stage waits before the sweeper checks
	// that its task is still in Redis.
	LostAfter time.Duration
	Log       *slog.Logger
	// Refresher, when set, handles the refresh tasks, and Schedule, when
	// set, is run by the worker's scheduler.
	Refresher *Refresher
	// Purger, when set, handles the daily purge task.
	Purger   *Purger
	Schedule []ScheduledTask
	// Metrics receives the stage series and the queue sizes; nil exports
	// none.
	Metrics prometheus.Registerer
}

func (o *WorkerOptions) defaults() {
	if o.Concurrency == 0 {
		o.Concurrency = 10
	}
	if o.TaskCheckInterval == 0 {
		o.TaskCheckInterval = DefaultTaskCheckInterval
	}
	if o.ShutdownTimeout == 0 {
		o.ShutdownTimeout = 30 * time.Second
	}
	if o.HeartbeatEvery == 0 {
		o.HeartbeatEvery = DefaultHeartbeatEvery
	}
	if o.StaleAfter == 0 {
		o.StaleAfter = DefaultStaleAfter
	}
	if o.SweepEvery == 0 {
		o.SweepEvery = DefaultSweepEvery
	}
	if o.LostAfter == 0 {
		o.LostAfter = 5 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
}

// DefaultSweepEvery is how often the sweeper looks for what a dead worker
// or Redis lost: a few times within the StaleAfter a takeover waits anyway,
// and seldom enough that an idle process (the embedded server on SQLite)
// does not spend its CPU on it.
const DefaultSweepEvery = 2 * time.Second

// DefaultTaskCheckInterval is how long asynq's idle processors wait before
// polling the queues again. No stage waits for it on the way of a job (see
// Worker); it bounds only how soon a task whose wake-up was lost, or that
// the sweeper queued again, runs.
const DefaultTaskCheckInterval = time.Second

// Worker is one replica of the stage worker pool: the asynq server with
// the stage handler, the sweeper, and the in-process runs that keep a job
// moving without waiting for a poll. A worker that completes a stage runs
// the stages that completion unblocks at once, claimed in the completion's
// transaction, when it has free slots (Concurrency of them); an idle one
// blocks on the wake-ups that a submit (or a worker without free slots)
// sends, claims the stage named and runs it. A stage claimed in a
// completion gets no asynq task: its heartbeat is its backstop (the sweeper
// queues it again when it goes silent or goes back to pending); the others'
// tasks are queued, and one that finds its stage done or running returns
// at once.
type Worker struct {
	server  *asynq.Server
	mux     *asynq.ServeMux
	handler *Handler
	queue   *queue.Queue
	local   *local
	sweeper *Sweeper
	stop    context.CancelFunc
	wg      sync.WaitGroup

	conn      asynq.RedisConnOpt
	schedule  []ScheduledTask
	scheduler *asynq.Scheduler
	log       *slog.Logger
}

// NewWorker builds a worker running stages.
func NewWorker(s *store.Store, q *queue.Queue, stages map[string]StageFunc, o WorkerOptions) *Worker {
	o.defaults()
	h := &Handler{Store: s, Queue: q, Log: o.Log, Stages: stages,
		HeartbeatEvery: o.HeartbeatEvery, StaleAfter: o.StaleAfter, local: newLocal(o.Concurrency)}
	if o.Metrics != nil {
		h.Metrics = metrics.NewStages(o.Metrics)
		o.Metrics.MustRegister(metrics.NewQueues(q.Inspector(), QueueNames(), o.Log))
	}
	w := &Worker{
		conn: q.ConnOpt(), schedule: o.Schedule, log: o.Log, handler: h, queue: q, local: h.local,
		server: NewServer(q.ConnOpt(), ServerOptions{Concurrency: o.Concurrency,
			TaskCheckInterval: o.TaskCheckInterval, ShutdownTimeout: o.ShutdownTimeout, Log: o.Log}),
		mux: NewMux(h),
		sweeper: &Sweeper{Store: s, Queue: q, Log: o.Log, Every: o.SweepEvery, StaleAfter: o.StaleAfter,
			OutboxGrace: 2 * time.Second, LostAfter: o.LostAfter},
	}
	if o.Refresher != nil {
		o.Refresher.register(w.mux)
	}
	if o.Purger != nil {
		o.Purger.register(w.mux)
	}
	return w
}

// Start starts processing and sweeping.
func (w *Worker) Start(ctx context.Context) error {
	if err := w.server.Start(w.mux); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	if err := w.startScheduler(); err != nil {
		w.server.Shutdown()
		return err
	}
	ctx, w.stop = context.WithCancel(ctx)
	w.wg.Go(func() { w.sweeper.Run(ctx) })
	w.wg.Go(func() { w.listen(ctx) })
	return nil
}

// listen runs the stages that wake-ups name while it has a free slot:
// only an idle worker waits for one, so a wake-up goes to a worker that
// can run its stage now.
func (w *Worker) listen(ctx context.Context) {
	wakeups := w.queue.Wakeups()
	stop := context.AfterFunc(ctx, func() { _ = wakeups.Close() })
	defer func() {
		if stop() {
			_ = wakeups.Close()
		}
	}()
	for w.local.acquire(ctx) {
		msg, err := wakeups.Next(ctx)
		if err != nil {
			w.local.release(1)
			if ctx.Err() != nil {
				return
			}
			if !errors.Is(err, queue.ErrNoWakeup) {
				w.log.DebugContext(ctx, "no wake-ups; asynq's poll carries on", "err", err)
				sleep(ctx, time.Second)
			}
			continue
		}
		w.handler.runWoken(ctx, msg)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// Shutdown stops taking tasks, cancels the stages running in-process (their
// tasks and the sweeper run them again), lets the stages asynq handed out
// finish within the shutdown timeout and hands the rest back to the queue.
func (w *Worker) Shutdown() {
	w.stop()
	w.wg.Wait()
	w.local.stop()
	if w.scheduler != nil {
		w.scheduler.Shutdown()
	}
	w.server.Shutdown()
}

// startScheduler runs the scheduled refreshes, if any; every replica runs
// one (see ScheduledTasks for why that enqueues each tick once).
func (w *Worker) startScheduler() error {
	if len(w.schedule) == 0 {
		return nil
	}
	s, err := NewScheduler(w.conn, w.schedule, w.log)
	if err != nil {
		return err
	}
	if err := s.Start(); err != nil {
		return fmt.Errorf("start scheduler: %w", err)
	}
	w.scheduler = s
	return nil
}

// QueueNames are the names of the worker's queues, sorted.
func QueueNames() []string { return slices.Sorted(maps.Keys(Queues)) }
