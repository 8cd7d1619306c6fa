// Command api serves the Alex HTTP API.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/alex-advisor/alex/cmd/internal/bootstrap"
	"github.com/alex-advisor/alex/config"
	alexhttp "github.com/alex-advisor/alex/http"
	"github.com/alex-advisor/alex/metrics"
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
	s, err := bootstrap.OpenStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()
	verifier, issuer, err := bootstrap.Auth(ctx, cfg, s)
	if err != nil {
		return err
	}
	q, err := bootstrap.OpenQueue(cfg)
	if err != nil {
		return err
	}
	defer q.Close()
	reg := metrics.NewRegistry()
	if err := serveMetrics(ctx, cfg, reg, log); err != nil {
		return err
	}
	srv := alexhttp.New(alexhttp.Config{
		Store: s, Queue: q, Verifier: verifier, Issuer: issuer, Log: log,
		CORSOrigins:          cfg.CORSOrigins,
		MaxActiveJobsPerUser: cfg.MaxActiveJobsPerUser,
		AdminUserIDs:         cfg.AdminUserIDs,
		MonitoringUser:       cfg.MonitoringUser,
		MonitoringPassword:   cfg.MonitoringPassword,
		Ready: func(ctx context.Context) error {
			return errors.Join(s.Ping(ctx), q.Ping(ctx))
		},
		Metrics:            reg,
		MetricsUser:        metricsUserOnAPIPort(cfg),
		MetricsPassword:    cfg.MetricsPassword,
		RateLimitPerMinute: cfg.RateLimitPerMinute,
	})
	return serve(ctx, srv, fmt.Sprintf(":%d", cfg.Port), log)
}

// serveMetrics serves the metrics on a port of their own when METRICS_ADDR
// is set.
func serveMetrics(ctx context.Context, cfg config.Config, reg *prometheus.Registry, log *slog.Logger) error {
	if cfg.MetricsAddr == "" {
		return nil
	}
	return metrics.Serve(ctx, cfg.MetricsAddr, metrics.Handler(reg, cfg.MetricsUser, cfg.MetricsPassword), log)
}

// metricsUserOnAPIPort turns GET /metrics on the API's port on (behind basic
// auth) only when the metrics have no port of their own.
func metricsUserOnAPIPort(cfg config.Config) string {
	if cfg.MetricsAddr != "" {
		return ""
	}
	return cfg.MetricsUser
}

// serve listens until ctx ends, then drains requests in flight.
func serve(ctx context.Context, srv *alexhttp.Server, addr string, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Listen(addr) }()
	log.Info("api listening", "addr", addr)
	select {
	case err := <-errc:
		return fmt.Errorf("listen %s: %w", addr, err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
