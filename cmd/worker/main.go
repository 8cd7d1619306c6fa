// Command worker runs analysis job stages from the Redis queues. Run any
// number of replicas against the same PostgreSQL and Redis.
//
// It may import bootstrap, config, metrics and tasks, never http (a test keeps
// it so).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/alex-advisor/alex/cmd/internal/bootstrap"
	"github.com/alex-advisor/alex/config"
	"github.com/alex-advisor/alex/metrics"
	"github.com/alex-advisor/alex/tasks"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	if cfg.EmbeddedRedis() || cfg.EmbeddedDatabase() {
		return errors.New("cmd/worker needs DATABASE_URL and REDIS_URL; without them cmd/api runs the worker in its own process")
	}
	log := bootstrap.Logger(cfg).With("component", "worker")
	log.Info("starting worker", "config", cfg)
	s, stop, err := bootstrap.Start(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer stop()
	q, closeQueue, err := bootstrap.OpenQueue(cfg, log)
	if err != nil {
		return err
	}
	defer closeQueue()
	m := bootstrap.Market(cfg, q, log)
	opts, err := bootstrap.WorkerOptions(cfg, s, m, log)
	if err != nil {
		return err
	}
	if cfg.MetricsAddr != "" {
		reg := metrics.NewRegistry()
		opts.Metrics = reg
		stopMetrics, err := metrics.Serve(cfg.MetricsAddr, metrics.Handler(reg, cfg.MetricsUser, cfg.MetricsPassword), log)
		if err != nil {
			return err
		}
		defer stopMetrics()
	}
	w := tasks.NewWorker(s, q, bootstrap.Stages(cfg, s, m, log), opts)
	if err := w.Start(ctx); err != nil {
		return err
	}
	log.Info("worker running", "concurrency", cfg.WorkerConcurrency)
	<-ctx.Done()
	log.Info("shutting down: running stages finish, the rest return to the queue")
	w.Shutdown()
	return nil
}
