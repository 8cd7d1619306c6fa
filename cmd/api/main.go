// Command api serves the Alex HTTP API.
//
// It may import cmd/internal, config, http, metrics and tasks; nothing imports
// it.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/alex-advisor/alex/cmd/internal/apiserver"
	"github.com/alex-advisor/alex/cmd/internal/bootstrap"
	"github.com/alex-advisor/alex/config"
	alexhttp "github.com/alex-advisor/alex/http"
	"github.com/alex-advisor/alex/metrics"
	"github.com/alex-advisor/alex/tasks"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "api:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	log := bootstrap.Logger(cfg)
	if len(args) > 0 && args[0] == "migrate" {
		cfg.AutoMigrate = true
		s, err := bootstrap.OpenStore(ctx, cfg, log)
		if err != nil {
			return err
		}
		return s.Close()
	}
	log.Info("starting api", "config", cfg)
	s, stop, err := bootstrap.Start(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer stop()
	verifier, issuer, err := bootstrap.Auth(ctx, cfg, s)
	if err != nil {
		return err
	}
	q, closeQueue, err := bootstrap.OpenQueue(cfg, log)
	if err != nil {
		return err
	}
	defer closeQueue()
	reg := metrics.NewRegistry()
	metrics.RegisterPool(reg, func() metrics.Pool { return metrics.Pool(s.PoolStats()) })
	stopMetrics, err := serveMetrics(cfg, reg, log)
	if err != nil {
		return err
	}
	defer stopMetrics()
	m := bootstrap.Market(cfg, q, log)
	if cfg.EmbeddedRedis() {
		// Nothing outside this process reaches its Redis: it runs the stages.
		workerLog := log.With("component", "worker")
		opts, err := bootstrap.WorkerOptions(cfg, s, m, workerLog)
		if err != nil {
			return err
		}
		opts.Metrics = reg
		w := tasks.NewWorker(s, q, bootstrap.Stages(cfg, s, m, workerLog), opts)
		if err := w.Start(ctx); err != nil {
			return err
		}
		defer w.Shutdown()
	}
	httpCfg := apiserver.Config(cfg, s, q, m, verifier, issuer, log)
	httpCfg.Metrics = reg
	httpCfg.MetricsUser, httpCfg.MetricsPassword = metricsUserOnAPIPort(cfg), cfg.MetricsPassword
	srv := alexhttp.New(httpCfg)
	addr := fmt.Sprintf(":%d", cfg.Port)
	if cfg.EmbeddedDatabase() || cfg.EmbeddedRedis() {
		printWelcome(os.Stderr, cfg)
	}
	return serve(ctx, srv, addr, cfg.ShutdownDrain, log)
}

// printWelcome tells a person who ran the one command where things are and
// how to get a token.
func printWelcome(w io.Writer, cfg config.Config) {
	base := fmt.Sprintf("http://localhost:%d", cfg.Port)
	fmt.Fprintf(w, `
Alex is running in embedded mode (for laptops; ALEX_ENV=production refuses it):
  database  %s
  redis     %s
  worker    %s

  Home  %s/          (sign up, add holdings, run an analysis)
  API   %s/api/v1
  Docs  %s/docs

Get a token:
  curl -s %s/api/v1/auth/register -H 'Content-Type: application/json' \
    -d '{"email":"me@example.com","password":"choose-a-password"}'
Then: curl -s %s/api/v1/user -H "Authorization: Bearer <token>"

`, embeddedOr(cfg.EmbeddedDatabase(), "SQLite file "+filepath.Join(cfg.DataDir, "alex.db"), "DATABASE_URL"),
		embeddedOr(cfg.EmbeddedRedis(), "in this process", "REDIS_URL"),
		embeddedOr(cfg.EmbeddedRedis(), "in this process", "run cmd/worker"),
		base, base, base, base, base)
}

func embeddedOr(embedded bool, yes, no string) string {
	if embedded {
		return yes
	}
	return no
}

// serveMetrics serves the metrics on a port of their own when METRICS_ADDR
// is set, until stop is called.
func serveMetrics(cfg config.Config, reg *prometheus.Registry, log *slog.Logger) (stop func(), err error) {
	if cfg.MetricsAddr == "" {
		return func() {}, nil
	}
	return metrics.Serve(cfg.MetricsAddr, metrics.Handler(reg, cfg.MetricsUser, cfg.MetricsPassword), log)
}

// metricsUserOnAPIPort turns GET /metrics on the API's port on (behind basic
// auth) only when the metrics have no port of their own.
func metricsUserOnAPIPort(cfg config.Config) string {
	if cfg.MetricsAddr != "" {
		return ""
	}
	return cfg.MetricsUser
}

// serve listens until ctx ends. Then it fails readiness for drain while
// still serving, so that load balancers take it out of rotation, and stops,
// finishing the requests in flight.
func serve(ctx context.Context, srv *alexhttp.Server, addr string, drain time.Duration, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Listen(addr) }()
	log.Info("api listening", "addr", addr)
	select {
	case err := <-errc:
		return fmt.Errorf("listen %s: %w", addr, err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "drain_ms", drain.Milliseconds())
	srv.Drain()
	time.Sleep(drain)
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
