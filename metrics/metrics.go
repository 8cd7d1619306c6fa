// Package metrics adapts Prometheus: the series the API and the worker
// export, and the handler that serves them. Every metric is registered on a
// registry passed in, never on the global one, so tests and processes each
// own theirs.
//
// It may import internal/serve, nothing of the domain.
package metrics

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// NewRegistry returns a registry with the Go runtime and process collectors,
// as a production binary exports them.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// Pool are the figures of a database connection pool at one moment.
type Pool struct {
	MaxConns, InUse, Idle int
	Waits                 int64 // connections taken after a wait, since start
	WaitTime              time.Duration
}

// RegisterPool exports the database connection pool read by stats at
// scrape time: its size and use, and how often and how long queries waited
// for a free connection, which is where a read's latency goes when the
// pool is too small for the load.
func RegisterPool(reg prometheus.Registerer, stats func() Pool) {
	gauge := func(name, help string, v func(Pool) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return v(stats()) })
	}
	counter := func(name, help string, v func(Pool) float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return v(stats()) })
	}
	reg.MustRegister(
		gauge("alex_db_pool_max_connections", "Connections the pool may open.", func(p Pool) float64 { return float64(p.MaxConns) }),
		gauge("alex_db_pool_connections_in_use", "Connections running a query or transaction.", func(p Pool) float64 { return float64(p.InUse) }),
		gauge("alex_db_pool_connections_idle", "Open connections waiting for work.", func(p Pool) float64 { return float64(p.Idle) }),
		counter("alex_db_pool_waits_total", "Connections taken after waiting for one to be free.", func(p Pool) float64 { return float64(p.Waits) }),
		counter("alex_db_pool_wait_seconds_total", "Time spent waiting for a free connection.", func(p Pool) float64 { return p.WaitTime.Seconds() }),
	)
}

// HTTP counts requests and their latency by method, route template and
// status. The route is the template (/api/v1/jobs/:id), never the raw path,
// so the number of series stays bounded whatever clients send.
type HTTP struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewHTTP registers the HTTP series on reg.
func NewHTTP(reg prometheus.Registerer) *HTTP {
	labels := []string{"method", "route", "status"}
	m := &HTTP{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "HTTP requests answered, by method, route template and status.",
		}, labels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by method, route template and status.",
			Buckets: prometheus.DefBuckets,
		}, labels),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// Observe records one answered request.
func (m *HTTP) Observe(method, route string, status int, took time.Duration) {
	code := strconv.Itoa(status)
	m.requests.WithLabelValues(method, route, code).Inc()
	m.duration.WithLabelValues(method, route, code).Observe(took.Seconds())
}

// Stage outcomes: how one attempt of a job stage ended.
const (
	StageCompleted = "completed"
	StageRetried   = "retried"
	StageFailed    = "failed"
	// StageDiscarded is an attempt whose result was thrown away because
	// another attempt finished the stage or the job ended meanwhile.
	StageDiscarded = "discarded"
)

// Stages counts stage attempts and their durations by stage and outcome. A
// nil *Stages records nothing, so code paths without metrics need no checks.
type Stages struct {
	runs     *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewStages registers the stage series on reg.
func NewStages(reg prometheus.Registerer) *Stages {
	labels := []string{"stage", "outcome"}
	m := &Stages{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alex_stage_runs_total",
			Help: "Job stage attempts run by this worker, by stage and outcome (completed, retried, failed, discarded).",
		}, labels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "alex_stage_duration_seconds",
			Help: "Time a job stage attempt ran, by stage and outcome.",
			// Stages take milliseconds to tens of seconds (an LLM narrative).
			Buckets: prometheus.ExponentialBuckets(0.005, 2.5, 12),
		}, labels),
	}
	reg.MustRegister(m.runs, m.duration)
	return m
}

// Observe records one stage attempt.
func (m *Stages) Observe(stage, outcome string, took time.Duration) {
	if m == nil {
		return
	}
	m.runs.WithLabelValues(stage, outcome).Inc()
	m.duration.WithLabelValues(stage, outcome).Observe(took.Seconds())
}

// Handler serves the metrics of g in the Prometheus text format. With a
// user set it requires HTTP basic auth with user and password.
func Handler(g prometheus.Gatherer, user, password string) http.Handler {
	h := promhttp.HandlerFor(g, promhttp.HandlerOpts{})
	if user == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		userOK := subtle.ConstantTimeCompare([]byte(u), []byte(user))
		passOK := subtle.ConstantTimeCompare([]byte(p), []byte(password))
		if !ok || userOK&passOK != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="metrics"`)
			http.Error(w, "Metrics need credentials.", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
