// Package apiserver builds the HTTP API's configuration from the service's.
// It is apart from bootstrap so that the worker, which uses bootstrap, does
// not link the HTTP stack.
//
// It may import bootstrap, config, auth, queue, store and http.
package apiserver

import (
	"context"
	"errors"
	"log/slog"

	"github.com/alex-advisor/alex/auth"
	"github.com/alex-advisor/alex/cmd/internal/bootstrap"
	"github.com/alex-advisor/alex/config"
	alexhttp "github.com/alex-advisor/alex/http"
	"github.com/alex-advisor/alex/queue"
	"github.com/alex-advisor/alex/store"
)

// Config is the API server's configuration, shared by cmd/api and
// cmd/lambda so that a new setting reaches both.
func Config(cfg config.Config, s *store.Store, q *queue.Queue, m bootstrap.MarketData,
	verifier *auth.Verifier, issuer *auth.Issuer, log *slog.Logger) alexhttp.Config {
	return alexhttp.Config{
		Store: s, Queue: q, Funds: m.Funds, Rates: m.TodaysRates, Verifier: verifier, Issuer: issuer, Log: log,
		CORSOrigins:          cfg.CORSOrigins,
		PublicURL:            cfg.PublicURL,
		TrustedProxies:       cfg.TrustedProxies,
		MaxActiveJobsPerUser: cfg.MaxActiveJobsPerUser,
		MaxStreamsPerUser:    cfg.MaxStreamsPerUser,
		RequestTimeout:       cfg.RequestTimeout,
		AdminUserIDs:         cfg.AdminUserIDs,
		MonitoringUser:       cfg.MonitoringUser,
		MonitoringPassword:   cfg.MonitoringPassword,
		RateLimitPerMinute:   cfg.RateLimitPerMinute,
		Ready: func(ctx context.Context) error {
			return errors.Join(s.Ping(ctx), q.Ping(ctx))
		},
	}
}
