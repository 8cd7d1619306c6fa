// Package config reads the configuration of cmd/api and cmd/worker from the
// environment into one struct.
//
// It may import nothing of this module.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/alex-advisor/alex/queue"
)

// Config is every setting of the service. Fields tagged secret are masked
// when the config is logged.
type Config struct {
	Env         string `env:"ALEX_ENV" envDefault:"development"`
	Port        int    `env:"PORT" envDefault:"8000"`
	DatabaseURL string `env:"DATABASE_URL" secret:"url"`
	RedisURL    string `env:"REDIS_URL" secret:"url"`
	AutoMigrate bool   `env:"AUTO_MIGRATE" envDefault:"true"`
	// DataDir holds the SQLite file of the embedded mode (no DATABASE_URL).
	DataDir string `env:"ALEX_DATA_DIR" envDefault:".alex"`
	// LogLevel is debug, info, warn or error.
	LogLevel slog.Level `env:"LOG_LEVEL" envDefault:"info"`
	// PprofAddr serves net/http/pprof on a loopback address when set.
	PprofAddr string `env:"PPROF_ADDR"`

	AuthMode               string        `env:"AUTH_MODE"`
	ClerkSecretKey         string        `env:"CLERK_SECRET_KEY" secret:"true"`
	ClerkJWTKey            string        `env:"CLERK_JWT_KEY"`
	ClerkJWKSURL           string        `env:"CLERK_JWKS_URL"`
	ClerkAPIURL            string        `env:"CLERK_API_URL" envDefault:"https://api.clerk.com/v1"`
	ClerkAuthorizedParties []string      `env:"CLERK_AUTHORIZED_PARTIES" envSeparator:","`
	JWTIssuer              string        `env:"JWT_ISSUER"`
	LocalJWTKey            string        `env:"LOCAL_JWT_KEY" secret:"true"`
	LocalTokenTTL          time.Duration `env:"LOCAL_TOKEN_TTL" envDefault:"24h"`

	// ShutdownDrain is how long the API fails /ready but still serves after
	// SIGTERM, for load balancers to stop sending (5s in deploy/).
	ShutdownDrain time.Duration `env:"SHUTDOWN_DRAIN" envDefault:"0s"`

	CORSOrigins []string `env:"CORS_ORIGINS" envSeparator:"," envDefault:"http://localhost:3000"`
	// PublicURL is where people reach the service (https://alex.example.com):
	// share links are made with it, the home page's forms must come from its
	// origin, and https makes the session cookie Secure. Empty: each
	// request's own origin.
	PublicURL string `env:"PUBLIC_URL"`
	// TrustedProxies are the load balancers whose X-Forwarded-For names the
	// client (for the sign-in limits per IP); without them the peer address
	// is the client.
	TrustedProxies []string `env:"TRUSTED_PROXIES" envSeparator:","`

	WorkerConcurrency       int           `env:"WORKER_CONCURRENCY" envDefault:"10"`
	WorkerTaskCheckInterval time.Duration `env:"WORKER_TASK_CHECK_INTERVAL" envDefault:"1s"`
	WorkerShutdownTimeout   time.Duration `env:"WORKER_SHUTDOWN_TIMEOUT" envDefault:"30s"`
	MaxActiveJobsPerUser    int           `env:"MAX_ACTIVE_JOBS_PER_USER" envDefault:"3"`
	MaxStreamsPerUser       int           `env:"MAX_STREAMS_PER_USER" envDefault:"10"`
	RequestTimeout          time.Duration `env:"REQUEST_TIMEOUT" envDefault:"30s"`
	// JobRetention is how long a finished job is kept (the daily purge).
	JobRetention       time.Duration `env:"JOB_RETENTION" envDefault:"2160h"`
	AdminUserIDs       []string      `env:"ADMIN_USER_IDS" envSeparator:","`
	MonitoringUser     string        `env:"MONITORING_USER"`
	MonitoringPassword string        `env:"MONITORING_PASSWORD" secret:"true"`

	// Metrics: with METRICS_ADDR (":9090") on a listener of their own, else
	// on the API's port at /metrics once METRICS_USER is set (basic auth).
	MetricsAddr     string `env:"METRICS_ADDR"`
	MetricsUser     string `env:"METRICS_USER"`
	MetricsPassword string `env:"METRICS_PASSWORD" secret:"true"`
	// RateLimitPerMinute caps each user's mutating API requests; 0 is off.
	RateLimitPerMinute int `env:"RATE_LIMIT_PER_MINUTE" envDefault:"120"`

	PolygonAPIKey            string        `env:"POLYGON_API_KEY" secret:"true"`
	PolygonURL               string        `env:"POLYGON_URL" envDefault:"https://api.polygon.io"`
	PolygonRequestsPerMinute float64       `env:"POLYGON_REQUESTS_PER_MINUTE" envDefault:"5"`
	PriceRefreshInterval     time.Duration `env:"PRICE_REFRESH_INTERVAL" envDefault:"15m"`
	PriceMaxAge              time.Duration `env:"PRICE_MAX_AGE" envDefault:"72h"`
	// PriceStaleAfter is the age past which an analysis warns that a
	// holding's price is old.
	PriceStaleAfter  time.Duration `env:"PRICE_STALE_AFTER" envDefault:"168h"`
	FundDataProvider string        `env:"FUND_DATA_PROVIDER" envDefault:"amfi"`
	FundDataURL      string        `env:"FUND_DATA_URL"`
	RapidAPIKey      string        `env:"RAPIDAPI_KEY" secret:"true"`
	FundCacheTTL     time.Duration `env:"FUND_CACHE_TTL" envDefault:"1h"`
	NAVRefreshCron   string        `env:"NAV_REFRESH_CRON" envDefault:"CRON_TZ=Asia/Kolkata 30 23 * * *"`
	LLMBaseURL       string        `env:"LLM_BASE_URL"`
	LLMAPIKey        string        `env:"LLM_API_KEY" secret:"true"`
	LLMModel         string        `env:"LLM_MODEL" envDefault:"gpt-4o-mini"`

	// FXRatesURL is the ECB reference rates file (market.ECBDailyURL);
	// unset, the bundled sample is served, marked stale.
	FXRatesURL    string        `env:"FX_RATES_URL"`
	FXCacheTTL    time.Duration `env:"FX_CACHE_TTL" envDefault:"12h"`
	FXRefreshCron string        `env:"FX_REFRESH_CRON" envDefault:"CRON_TZ=Europe/Berlin 30 16 * * 1-5"`
}

// Auth modes.
const (
	AuthClerk = "clerk"
	AuthLocal = "local"
)

// Fund data providers.
const (
	FundsAMFI     = "amfi"
	FundsRapidAPI = "rapidapi"
)

// Load reads the environment and checks the settings against each other.
// maxLocalTokenTTL caps the lifetime of local-mode tokens: a stolen token
// is good until it expires, as there is no revocation list.
const maxLocalTokenTTL = 30 * 24 * time.Hour

// minMonitoringPassword is the shortest MONITORING_PASSWORD production
// accepts (elsewhere a shorter one keeps /monitoring's basic auth off).
const minMonitoringPassword = 16

func Load() (Config, error) {
	cfg, err := env.ParseAs[Config]()
	if err != nil {
		return Config{}, namingVariables(err)
	}
	if cfg.AuthMode == "" {
		cfg.AuthMode = AuthLocal
		if cfg.ClerkSecretKey != "" || cfg.ClerkJWTKey != "" || cfg.ClerkJWKSURL != "" {
			cfg.AuthMode = AuthClerk
		}
	}
	return cfg, cfg.Validate()
}

// namingVariables words env's parse errors, which name the struct field, by
// the variable a person set: "LOG_LEVEL=loud: slog: level string ...".
func namingVariables(err error) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return fmt.Errorf("config: %w", err)
	}
	errs := make([]error, len(agg.Errors))
	for i, e := range agg.Errors {
		errs[i] = e
		var pe env.ParseError
		if !errors.As(e, &pe) {
			continue
		}
		if f, ok := reflect.TypeFor[Config]().FieldByName(pe.Name); ok {
			name := f.Tag.Get("env")
			errs[i] = fmt.Errorf("%s=%s is not valid: %w", name, os.Getenv(name), pe.Err)
		}
	}
	return errors.Join(errs...)
}

// EmbeddedDatabase tells whether the store is a SQLite file of DataDir.
func (c Config) EmbeddedDatabase() bool { return c.DatabaseURL == "" }

// EmbeddedRedis tells whether Redis runs inside the API process, which then
// runs the worker too (no other process can reach that Redis).
func (c Config) EmbeddedRedis() bool { return c.RedisURL == "" }

// Production tells whether ALEX_ENV=production.
func (c Config) Production() bool { return c.Env == "production" }

// Validate rejects settings that cannot work together.
func (c Config) Validate() error {
	var errs []error
	switch c.AuthMode {
	case AuthLocal:
		if c.LocalTokenTTL < 5*time.Minute || c.LocalTokenTTL > maxLocalTokenTTL {
			errs = append(errs, fmt.Errorf("LOCAL_TOKEN_TTL must be from 5m to %s, not %s", maxLocalTokenTTL, c.LocalTokenTTL))
		}
		if c.Production() && c.LocalJWTKey == "" {
			errs = append(errs, errors.New("ALEX_ENV=production requires LOCAL_JWT_KEY in local auth mode"))
		}
	case AuthClerk:
		if c.ClerkSecretKey == "" && c.ClerkJWTKey == "" && c.ClerkJWKSURL == "" {
			errs = append(errs, errors.New("AUTH_MODE=clerk needs CLERK_JWT_KEY, CLERK_JWKS_URL or CLERK_SECRET_KEY"))
		}
	default:
		errs = append(errs, fmt.Errorf("AUTH_MODE must be clerk or local, not %q", c.AuthMode))
	}
	if c.Production() && (c.DatabaseURL == "" || c.RedisURL == "") {
		errs = append(errs, errors.New("ALEX_ENV=production requires DATABASE_URL and REDIS_URL: embedded defaults are for laptops"))
	}
	if c.RedisURL != "" {
		if _, err := queue.ParseRedisURL(c.RedisURL); err != nil {
			errs = append(errs, err)
		}
	}
	if c.PprofAddr != "" && !loopback(c.PprofAddr) {
		errs = append(errs, fmt.Errorf("PPROF_ADDR must be a loopback address such as 127.0.0.1:6060, not %q", c.PprofAddr))
	}
	if c.MaxActiveJobsPerUser < 1 {
		errs = append(errs, errors.New("MAX_ACTIVE_JOBS_PER_USER must be at least 1"))
	}
	if c.Production() && c.MonitoringUser != "" && len(c.MonitoringPassword) < minMonitoringPassword {
		errs = append(errs, fmt.Errorf("MONITORING_PASSWORD must have at least %d characters: /monitoring can delete every task", minMonitoringPassword))
	}
	if c.JobRetention < 24*time.Hour {
		errs = append(errs, errors.New("JOB_RETENTION must be at least 24h (the default is 2160h, 90 days)"))
	}
	if c.MaxStreamsPerUser < 1 {
		errs = append(errs, errors.New("MAX_STREAMS_PER_USER must be at least 1"))
	}
	switch c.FundDataProvider {
	case FundsAMFI:
	case FundsRapidAPI:
		if c.RapidAPIKey == "" {
			errs = append(errs, errors.New("FUND_DATA_PROVIDER=rapidapi needs RAPIDAPI_KEY"))
		}
	default:
		errs = append(errs, fmt.Errorf("FUND_DATA_PROVIDER must be amfi or rapidapi, not %q", c.FundDataProvider))
	}
	if c.PriceRefreshInterval < time.Minute || c.PriceRefreshInterval > time.Hour {
		errs = append(errs, errors.New("PRICE_REFRESH_INTERVAL must be from 1m to 60m"))
	}
	if c.FundCacheTTL <= 0 {
		errs = append(errs, errors.New("FUND_CACHE_TTL must be positive"))
	}
	if c.FXCacheTTL <= 0 {
		errs = append(errs, errors.New("FX_CACHE_TTL must be positive"))
	}
	if c.FXRatesURL != "" {
		if u, err := url.Parse(c.FXRatesURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("FX_RATES_URL must be an http(s) URL such as https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml, not %q", c.FXRatesURL))
		}
	}
	if c.PublicURL != "" && !origin(c.PublicURL) {
		errs = append(errs, fmt.Errorf("PUBLIC_URL must be an http(s) origin such as https://alex.example.com, not %q", c.PublicURL))
	}
	if c.RateLimitPerMinute < 0 {
		errs = append(errs, errors.New("RATE_LIMIT_PER_MINUTE must be 0 (off) or more"))
	}
	if c.MetricsUser != "" && c.MetricsPassword == "" {
		errs = append(errs, errors.New("METRICS_USER needs METRICS_PASSWORD"))
	}
	if c.WorkerConcurrency < 1 {
		errs = append(errs, errors.New("WORKER_CONCURRENCY must be at least 1"))
	}
	return errors.Join(errs...)
}

// LogValue logs the config with secrets masked: passwords inside URLs are
// replaced, secret values show only whether they are set.
func (c Config) LogValue() slog.Value {
	v := reflect.ValueOf(c)
	t := v.Type()
	attrs := make([]slog.Attr, 0, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("env")
		val := v.Field(i).Interface()
		if d, ok := val.(time.Duration); ok {
			val = d.String() // as the variable is written ("24h0m0s"), not in nanoseconds
		}
		switch f.Tag.Get("secret") {
		case "true":
			val = mask(fmt.Sprint(val))
		case "url":
			val = maskURL(fmt.Sprint(val))
		}
		attrs = append(attrs, slog.Any(name, val))
	}
	return slog.GroupValue(attrs...)
}

// origin tells whether s is an http(s) URL with a host and nothing after
// it but a slash.
func origin(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil &&
		(u.Path == "" || u.Path == "/") && u.RawQuery == "" && u.Fragment == ""
}

// loopback tells whether addr (host:port) listens on the loopback interface only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func mask(s string) string {
	if s == "" {
		return ""
	}
	return "****"
}

func maskURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return mask(s)
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "****")
	}
	// REDIS_URL's Sentinel form carries sentinel_password in its query.
	if q := u.Query(); strings.Contains(strings.ToLower(u.RawQuery), "password") {
		for k := range q {
			if strings.Contains(strings.ToLower(k), "password") {
				q.Set(k, "****")
			}
		}
		u.RawQuery = q.Encode()
	}
	return strings.ReplaceAll(u.String(), "%2A%2A%2A%2A", "****")
}
