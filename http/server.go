// Package http serves the Alex API on Fiber, with huma for typed routes, the
// OpenAPI document and problem errors. It is the only place where domain
// errors become HTTP statuses.
//
// It may import alex, auth, the adapters (store, queue, market, metrics),
// tasks, analysis, render and display; only cmd imports it.
package http

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/hibiken/asynqmon"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/auth"
	"github.com/alex-advisor/alex/market"
	"github.com/alex-advisor/alex/metrics"
	"github.com/alex-advisor/alex/queue"
	"github.com/alex-advisor/alex/store"
)

// maxBodyBytes is the largest request body the API reads.
const maxBodyBytes = 1 << 20

// DefaultRequestTimeout bounds a request when Config.RequestTimeout is 0:
// past it, its database and Redis calls are cancelled and it answers 503.
const DefaultRequestTimeout = 30 * time.Second

// TokenVerifier checks a bearer token and returns its claims.
type TokenVerifier interface {
	Verify(ctx context.Context, token string) (auth.Claims, error)
}

// Config is what the server needs from the outside.
type Config struct {
	Store    *store.Store
	Verifier TokenVerifier
	// Issuer signs tokens in local auth mode; nil in Clerk mode, where the
	// register and login routes answer 404.
	Issuer      *auth.Issuer
	Log         *slog.Logger
	CORSOrigins []string
	// TrustedProxies may set X-Forwarded-For: the client IP of the sign-in
	// limits comes from it when the peer is one of them.
	TrustedProxies []string
	// Ready reports whether every dependency answers (PostgreSQL, Redis).
	Ready func(ctx context.Context) error
	// Queue enqueues stage tasks and carries job events; nil leaves
	// submitted jobs in the outbox for a worker's sweeper.
	Queue                *queue.Queue
	MaxActiveJobsPerUser int
	// Admins of /monitoring: user ids, or basic auth credentials.
	AdminUserIDs       []string
	MonitoringUser     string
	MonitoringPassword string
	// Funds serves the fund data routes and the first purchase of a fund;
	// nil answers them 503.
	Funds *market.FundCache
	// Rates gives today's exchange rates (GET /fx/rates and trades across
	// currencies); nil knows none: such trades answer 422.
	Rates func(context.Context) (alex.Rates, error)
	// Metrics is the registry the HTTP series go to and GET /metrics
	// serves; nil gives the server a registry of its own.
	Metrics *prometheus.Registry
	// MetricsUser and MetricsPassword guard GET /metrics on the API's port
	// with basic auth; without a user /metrics is not served there (serve
	// MetricsHandler on a port of its own instead).
	MetricsUser     string
	MetricsPassword string
	// PublicURL is where people reach the service (PUBLIC_URL): the origin
	// of share links and of the home page's forms; its session cookie is
	// Secure when it is https. Empty: the origin of each request.
	PublicURL string
	// RequestTimeout is each request's deadline; 0 means
	// DefaultRequestTimeout.
	RequestTimeout time.Duration
	// MaxStreamsPerUser caps each user's open GET /jobs/{id}/events
	// streams in this process; 0 means DefaultMaxStreamsPerUser.
	MaxStreamsPerUser int
	// RateLimitPerMinute caps each user's mutating requests under /api
	// (auth routes excepted), counted in the Queue's Redis; 0 or no Queue
	// turns the limit off.
	RateLimitPerMinute int
}

// Server is the HTTP API.
type Server struct {
	app *fiber.App
	api huma.API
	cfg Config
	log *slog.Logger
	// done is closed on Shutdown to end event streams, which would
	// otherwise hold the shutdown up.
	done chan struct{}
	// draining fails readiness while the server still serves, so that
	// load balancers stop sending before the listener closes.
	draining atomic.Bool

	metrics     *prometheus.Registry
	httpMetrics *metrics.HTTP
	rateLimiter *queue.RateLimiter
	// signInsPerIP and signInsPerEmail limit login and register attempts.
	signInsPerIP, signInsPerEmail *attemptLimit
	routes                        methodIndex
	finished                      *finishedJobs
	// inProcess serves the app's router to the requests the pages send
	// through it (callAPI), on connections in memory.
	inProcess *fasthttp.Server
	// jobChanges carries job changes to the event streams: one Redis
	// subscription for all of them. nil without a Queue.
	jobChanges *queue.JobEvents
	streams    openStreams
	// monitor is Asynqmon, with Redis connections of its own; nil when
	// monitoring is off.
	monitor *asynqmon.HTTPHandler
}

// New builds the Fiber app with every route registered.
func New(cfg Config) *Server {
	useProblemErrors()
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	if cfg.MaxActiveJobsPerUser == 0 {
		cfg.MaxActiveJobsPerUser = 3
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.MaxStreamsPerUser == 0 {
		cfg.MaxStreamsPerUser = DefaultMaxStreamsPerUser
	}
	app := fiber.New(fiber.Config{
		AppName:      "alex",
		ErrorHandler: fiberErrorHandler(log),
		// Above huma's 1 MiB so that huma answers 413 as a problem; Fiber
		// rejects anything larger before reading it.
		BodyLimit: 2 * maxBodyBytes,
		// A finished job's answer (about 15 KB) goes out in one write, not
		// four of fasthttp's default 4 KB; a buffer is held only while a
		// response is written.
		WriteBufferSize:       32 << 10,
		ReadTimeout:           15 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           90 * time.Second,
		DisableStartupMessage: true,
		// Strings read from a request (method, path, params, headers) are
		// copies, not views into buffers fasthttp reuses for the next
		// request: metrics labels, log fields, event streams and whatever
		// huma or a library keeps would otherwise change under them. A few
		// small allocations per request buy that for every reader at once.
		Immutable: true,
		// Behind a load balancer the peer is the balancer: only a trusted
		// one may name the client.
		EnableTrustedProxyCheck: len(cfg.TrustedProxies) > 0,
		TrustedProxies:          cfg.TrustedProxies,
		ProxyHeader:             proxyHeader(cfg.TrustedProxies),
		EnableIPValidation:      true, // the first valid address of the header
	})
	s := &Server{app: app, cfg: cfg, log: log, done: make(chan struct{}), finished: newFinishedJobs(finishedJobsBytes)}
	s.setUpMetrics()
	s.setUpRateLimit()
	s.signInsPerIP = newAttemptLimit(cfg.Queue, attemptsPerIP, attemptsPerIPPeriod)
	s.signInsPerEmail = newAttemptLimit(cfg.Queue, attemptsPerEmail, attemptsPerEmailFor)
	s.watchJobs()
	app.Use(recover.New())
	app.Use(requestid.New(requestid.Config{ContextKey: "request_id"}))
	app.Use(s.requestContext)
	app.Use(s.securityHeaders)
	app.Use(s.countRequests) // outside logRequests, which settles the status
	app.Use(s.logRequests)
	app.Use(cors.New(cors.Config{
		AllowOrigins:  strings.Join(cfg.CORSOrigins, ","),
		AllowHeaders:  "Authorization, Content-Type, Idempotency-Key, If-None-Match, X-Request-ID",
		ExposeHeaders: "Location, ETag, Retry-After, X-Request-ID, Warning, X-Cache, X-Data-Stale, X-Data-Fetched-At",
	}))
	app.Use(apiAlias)
	app.Use("/v1", withMessage) // before anything that may answer a /v1 error
	app.Use(s.limitSignIns)
	app.Use("/api", s.authenticate)
	app.Use("/api", s.limitMutations)
	app.Use("/v1", s.authenticate)
	app.Use("/v1/buy", s.limitMutations)

	s.api = humafiber.New(app, apiConfig())
	s.api.UseMiddleware(unescapePathParams)
	s.registerRoutes()
	s.registerMetricsRoute()
	s.requirePlainText()
	s.routes = newMethodIndex(app.GetRoutes(true))
	app.Use(s.noRoute) // after every route
	s.inProcess = &fasthttp.Server{Handler: app.Handler(), ReadTimeout: 15 * time.Second, WriteTimeout: 30 * time.Second}
	return s
}

func proxyHeader(trusted []string) string {
	if len(trusted) == 0 {
		return ""
	}
	return fiber.HeaderXForwardedFor
}

// App is the Fiber app, for Listen and for tests.
func (s *Server) App() *fiber.App { return s.app }

// API is the huma API, for the OpenAPI document.
func (s *Server) API() huma.API { return s.api }

// Listen serves on addr until Shutdown.
func (s *Server) Listen(addr string) error { return s.app.Listen(addr) }

// Drain makes /ready answer 503 from now on; requests are still served.
func (s *Server) Drain() { s.draining.Store(true) }

// Shutdown stops accepting connections and waits for requests in flight.
func (s *Server) Shutdown(ctx context.Context) error {
	close(s.done)
	err := s.app.ShutdownWithContext(ctx)
	if s.jobChanges != nil {
		err = errors.Join(err, s.jobChanges.Close())
	}
	if s.monitor != nil {
		err = errors.Join(err, s.monitor.Close())
	}
	return err
}

// watchJobs opens the one subscription that feeds every event stream. With
// Redis down it keeps trying in the background; streams meanwhile see
// changes at their heartbeats.
func (s *Server) watchJobs() {
	if s.cfg.Queue == nil {
		return
	}
	events, err := s.cfg.Queue.WatchJobs(context.Background())
	if err != nil {
		s.log.Warn("job events not subscribed yet; retrying in the background", "err", err)
	}
	s.jobChanges = events
}

func apiConfig() huma.Config {
	c := huma.DefaultConfig("Alex API", "1.0.0")
	c.Info.Description = "Personal financial advisor: accounts, positions, instruments, " +
		"transactions, fund data and portfolio analysis jobs. Every /api/v1 route is " +
		"also served under /api with the same handler."
	c.OpenAPIPath = "/openapi"
	c.DocsPath = "" // served from embedded assets: registerPages
	c.SchemasPath = "/schemas"
	c.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", BearerFormat: "JWT",
			Description: "A Clerk session token, or a token of POST /api/v1/auth/login in local mode."},
	}
	// Responses carry no $schema link: the frontend does not need one.
	c.CreateHooks = nil
	c.Formats = maps.Clone(c.Formats)
	c.Formats["application/json"] = jsonFormat
	c.Formats["json"] = jsonFormat
	return c
}

var bearer = []map[string][]string{{"bearer": {}}}

// register adds an operation whose domain errors become problems, so every
// handler returns plain errors and the translation lives in one place.
func register[I, O any](s *Server, op huma.Operation, h func(context.Context, *I) (*O, error)) {
	if strings.HasPrefix(op.Path, "/api/") && !strings.HasPrefix(op.Path, "/api/v1/auth/") {
		op.Security = bearer
		op.Errors = append(op.Errors, http.StatusUnauthorized)
		if mutating(op.Method) && s.rateLimiter != nil {
			op.Errors = append(op.Errors, http.StatusTooManyRequests)
		}
	}
	if op.MaxBodyBytes == 0 {
		op.MaxBodyBytes = maxBodyBytes
	}
	huma.Register(s.api, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		var statusErr huma.StatusError
		if errors.As(err, &statusErr) {
			return nil, err // already an HTTP answer (304, ...)
		}
		if err != nil {
			return nil, problemFor(ctx, s.log, err)
		}
		return out, nil
	})
}

// unescapePathParams hands operations their path parameters decoded. Fiber
// routes on the escaped path (so BRK%2FB stays one segment) and gives its
// parameters as sent; a symbol is validated and looked up as BRK/B or ^GSPC.
func unescapePathParams(ctx huma.Context, next func(huma.Context)) {
	next(unescapedParams{ctx})
}

// humaContext names huma.Context so that embedding it does not hide its
// Context method behind a field of that name.
type humaContext = huma.Context

type unescapedParams struct{ humaContext }

func (c unescapedParams) Param(name string) string {
	v := c.humaContext.Param(name)
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v // not a valid escape: validated as sent
}

// Unwrap lets humafiber.Unwrap reach the Fiber context.
func (c unescapedParams) Unwrap() huma.Context { return c.humaContext }

// apiAlias serves every /api route under /api/v1 too: the Alex frontend calls
// /api/user, /api/jobs/{id}, ... The request's context says it came in on
// the alias (onAlexAlias), for the few answers shaped for that frontend.
func apiAlias(c *fiber.Ctx) error {
	p := c.Path()
	if strings.HasPrefix(p, "/api/") && !strings.HasPrefix(p, "/api/v1/") {
		c.Path("/api/v1" + strings.TrimPrefix(p, "/api"))
		c.SetUserContext(context.WithValue(c.UserContext(), alexAliasKey, true))
	}
	return c.Next()
}

// onAlexAlias tells whether the request came in on the unversioned /api.
func onAlexAlias(ctx context.Context) bool {
	on, _ := ctx.Value(alexAliasKey).(bool)
	return on
}
