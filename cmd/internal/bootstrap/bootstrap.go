// Package bootstrap builds what cmd/api and cmd/worker share from the
// configuration: the logger, the store, the queue, the token verifier, the
// market data, the analysis stages, the worker's options and pprof.
//
// It may import alex, config, auth, the adapters (store, queue, market,
// narrator), analysis and tasks, never http: cmd/worker links it.
package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/analysis"
	"github.com/alex-advisor/alex/auth"
	"github.com/alex-advisor/alex/config"
	"github.com/alex-advisor/alex/market"
	"github.com/alex-advisor/alex/narrator"
	"github.com/alex-advisor/alex/queue"
	"github.com/alex-advisor/alex/store"
	"github.com/alex-advisor/alex/tasks"
)

// Logger returns a JSON logger at the configured level.
func Logger(cfg config.Config) *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))
}

// Start does what both commands do first: serve pprof when PPROF_ADDR is
// set, then open the store. stop closes both.
func Start(ctx context.Context, cfg config.Config, log *slog.Logger) (s *store.Store, stop func(), err error) {
	stopPprof, err := ServePprof(cfg, log)
	if err != nil {
		return nil, nil, err
	}
	s, err = OpenStore(ctx, cfg, log)
	if err != nil {
		stopPprof()
		return nil, nil, err
	}
	return s, func() {
		CloseLogged(log, "store", s.Close)
		stopPprof()
	}, nil
}

// OpenStore connects to PostgreSQL (or, without DATABASE_URL, opens the
// SQLite file of the embedded mode) and, unless AUTO_MIGRATE=false, migrates.
func OpenStore(ctx context.Context, cfg config.Config, log *slog.Logger) (*store.Store, error) {
	url := cfg.DatabaseURL
	if cfg.EmbeddedDatabase() {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("ALEX_DATA_DIR: %w", err)
		}
		path := filepath.Join(cfg.DataDir, "alex.db")
		log.Info("no DATABASE_URL: using the embedded SQLite database", "path", path)
		url = "sqlite:" + path
	}
	s, err := store.Open(ctx, store.Options{URL: url})
	if err != nil {
		return nil, err
	}
	if cfg.AutoMigrate {
		if err := s.Migrate(ctx, log); err != nil {
			return nil, errors.Join(err, s.Close())
		}
	}
	return s, nil
}

// localIssuerDefault is the iss of local-mode tokens when JWT_ISSUER is unset.
const localIssuerDefault = "alex-local"

// Auth returns the verifier of the configured auth mode and, in local mode,
// the issuer that signs tokens.
func Auth(ctx context.Context, cfg config.Config, s *store.Store) (*auth.Verifier, *auth.Issuer, error) {
	if cfg.AuthMode == config.AuthLocal {
		return localAuth(ctx, cfg, s)
	}
	keys, err := clerkKeys(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	v := auth.NewVerifier(keys, auth.VerifierOptions{
		Issuer:             cfg.JWTIssuer,
		RequireClerkIssuer: cfg.JWTIssuer == "",
		AuthorizedParties:  cfg.ClerkAuthorizedParties,
	})
	return v, nil, nil
}

// jwksRefreshEvery is how often Clerk's key set is fetched again while the
// process runs (besides on an unknown kid).
const jwksRefreshEvery = time.Hour

// clerkKeys is the key source of Clerk mode; a remote key set is refreshed
// every jwksRefreshEvery until ctx ends.
func clerkKeys(ctx context.Context, cfg config.Config) (auth.KeySource, error) {
	var keys *auth.KeyCache
	switch {
	case cfg.ClerkJWTKey != "":
		static, err := auth.StaticKeyFromPEM(strings.ReplaceAll(cfg.ClerkJWTKey, `\n`, "\n"))
		if err != nil {
			return nil, fmt.Errorf("CLERK_JWT_KEY: %w", err)
		}
		return static, nil
	case cfg.ClerkJWKSURL != "":
		keys = auth.NewJWKSCache(cfg.ClerkJWKSURL, nil, time.Minute)
	default:
		keys = auth.NewClerkAPIKeys(cfg.ClerkSecretKey, cfg.ClerkAPIURL, nil, time.Minute)
	}
	go keys.RefreshEvery(ctx, jwksRefreshEvery, func(err error) {
		slog.Default().Warn("Clerk key set not refreshed; the previous one stays", "err", err)
	})
	return keys, nil
}

func localAuth(ctx context.Context, cfg config.Config, s *store.Store) (*auth.Verifier, *auth.Issuer, error) {
	iss := cfg.JWTIssuer
	if iss == "" {
		iss = localIssuerDefault
	}
	var issuer *auth.Issuer
	var err error
	if cfg.LocalJWTKey != "" {
		issuer, err = auth.NewIssuer(ctx, []byte(strings.ReplaceAll(cfg.LocalJWTKey, `\n`, "\n")), iss, cfg.LocalTokenTTL)
	} else {
		issuer, err = auth.LoadOrCreateIssuer(ctx, s, iss, cfg.LocalTokenTTL)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("local auth: %w", err)
	}
	return auth.NewVerifier(issuer.KeySource(), auth.VerifierOptions{Issuer: iss}), issuer, nil
}

// CloseLogged closes what a process holds until it exits, logging a failure:
// at exit there is no caller left to return it to.
func CloseLogged(log *slog.Logger, what string, close func() error) {
	if err := close(); err != nil {
		log.Warn(what+" not closed cleanly", "err", err)
	}
}

// OpenQueue connects to Redis, or, without REDIS_URL, starts one inside
// this process. close stops both.
func OpenQueue(cfg config.Config, log *slog.Logger) (q *queue.Queue, close func(), err error) {
	url := cfg.RedisURL
	stopRedis := func() {}
	if cfg.EmbeddedRedis() {
		r := miniredis.NewMiniRedis()
		// asynq leases and locks expire by TTL: let them, as Redis would.
		r.ClockTTL(true)
		if err := r.StartAddr("127.0.0.1:0"); err != nil {
			return nil, nil, fmt.Errorf("embedded redis: %w", err)
		}
		log.Info("no REDIS_URL: using an in-process Redis", "addr", r.Addr())
		url, stopRedis = "redis://"+r.Addr(), r.Close
	}
	q, err = queue.Open(url)
	if err != nil {
		stopRedis()
		return nil, nil, err
	}
	return q, func() {
		CloseLogged(log, "queue", q.Close)
		stopRedis()
	}, nil
}

// Stages returns the analysis stage functions of the configuration; the
// planner refreshes prices older than PRICE_MAX_AGE from prices.
func Stages(cfg config.Config, s *store.Store, m MarketData, log *slog.Logger) map[string]tasks.StageFunc {
	a := &tasks.Analysis{Store: s, Prices: m.Prices, PriceMaxAge: cfg.PriceMaxAge, PriceStaleAfter: cfg.PriceStaleAfter,
		Rates: m.TodaysRates, Log: log}
	if cfg.LLMBaseURL != "" {
		a.Narrator = &narrator.Narrator{BaseURL: cfg.LLMBaseURL, APIKey: cfg.LLMAPIKey, Model: cfg.LLMModel}
		log.Info("reports are narrated by an LLM", "base_url", cfg.LLMBaseURL, "model", cfg.LLMModel)
	}
	return a.Stages()
}

// WorkerOptions returns the worker's settings of the configuration, with
// the scheduled refreshes of prices and NAVs.
func WorkerOptions(cfg config.Config, s *store.Store, m MarketData, log *slog.Logger) (tasks.WorkerOptions, error) {
	schedule, err := tasks.ScheduledTasks(tasks.RefreshSchedule{PriceInterval: cfg.PriceRefreshInterval,
		NAVCron: cfg.NAVRefreshCron, RatesCron: cfg.FXRefreshCron})
	if err != nil {
		return tasks.WorkerOptions{}, err
	}
	return tasks.WorkerOptions{
		Concurrency:       cfg.WorkerConcurrency,
		TaskCheckInterval: cfg.WorkerTaskCheckInterval,
		ShutdownTimeout:   cfg.WorkerShutdownTimeout,
		Log:               log,
		Refresher: &tasks.Refresher{Store: s, Prices: m.Prices, Funds: m.Funds, Rates: m.Rates, Log: log,
			PriceBudget: int(cfg.PolygonRequestsPerMinute * cfg.PriceRefreshInterval.Minutes())},
		Purger:   &tasks.Purger{Store: s, Retention: store.Retention{Jobs: cfg.JobRetention}, Log: log},
		Schedule: schedule,
	}, nil
}

// MarketData is what the service knows of markets: prices, fund data and
// exchange rates, each from its provider through a cache.
type MarketData struct {
	Prices analysis.PriceSource
	Funds  *market.FundCache
	Rates  *market.RatesCache
}

// TodaysRates is the exchange rates of today as the API and the planner ask
// them.
func (m MarketData) TodaysRates(ctx context.Context) (alex.Rates, error) {
	r, _, err := m.Rates.Rates(ctx)
	return r, err
}

// Market returns the market data sources of the configuration. Without
// POLYGON_API_KEY instrument prices stay at their last known values: prices
// are never made up. Without FX_RATES_URL the rates are the bundled ECB
// sample, marked stale.
func Market(cfg config.Config, q *queue.Queue, log *slog.Logger) MarketData {
	funds := market.NewFundCache(fundSource(cfg, log), q.Redis(), cfg.FundCacheTTL, log)
	if cfg.FXRatesURL == "" {
		log.Info("FX_RATES_URL is not set: exchange rates are the bundled ECB sample, marked stale")
	}
	rates := market.NewRatesCache(market.NewRatesSource(cfg.FXRatesURL, nil), q.Redis(), cfg.FXCacheTTL, log)
	prices := market.Prices{Funds: funds}
	m := MarketData{Prices: prices, Funds: funds, Rates: rates}
	if cfg.PolygonAPIKey == "" {
		log.Info("POLYGON_API_KEY is not set: instrument prices stay at their last known values")
		return m
	}
	client := market.NewClient(market.ClientOptions{RequestsPerSecond: cfg.PolygonRequestsPerMinute / 60, Burst: 1})
	polygon := &market.Polygon{BaseURL: cfg.PolygonURL, APIKey: cfg.PolygonAPIKey, Client: client, Parallel: 4}
	prices.Stocks = market.NewLastKnown(polygon, nil)
	m.Prices = prices
	return m
}

func fundSource(cfg config.Config, log *slog.Logger) market.FundSource {
	client := market.NewClient(market.ClientOptions{Timeout: 60 * time.Second})
	if cfg.FundDataProvider == config.FundsRapidAPI {
		return &market.RapidAPI{URL: cfg.FundDataURL, Key: cfg.RapidAPIKey, Client: client, Log: log}
	}
	if cfg.FundDataURL == "" {
		log.Info("FUND_DATA_URL is not set: fund data is the embedded AMFI sample")
	}
	return &market.AMFI{URL: cfg.FundDataURL, Client: client, Log: log}
}
