package tasks_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/auth"
	alexhttp "github.com/alex-advisor/alex/http"
	"github.com/alex-advisor/alex/store"
	"github.com/alex-advisor/alex/tasks"
)

const (
	scrapeUser     = "prometheus"
	scrapePassword = "scrape-secret"
)

// withMetrics rebuilds the harness's API with reg as its registry and
// /metrics on its port behind basic auth.
func (h *harness) withMetrics(reg *prometheus.Registry) {
	h.api = alexhttp.New(alexhttp.Config{
		Store: h.store, Queue: h.queue, Log: h.log, MaxActiveJobsPerUser: 3,
		Verifier: auth.NewVerifier(h.issuer.KeySource(), auth.VerifierOptions{Issuer: "alex-test"}),
		Metrics:  reg, MetricsUser: scrapeUser, MetricsPassword: scrapePassword,
	})
}

// scrape reads GET /metrics as Prometheus does and parses the text format.
func (h *harness) scrape() map[string]*dto.MetricFamily {
	h.t.Helper()
	res := h.do("GET", "/metrics", "", nil, "Authorization", basicAuth(scrapeUser, scrapePassword))
	require.Equal(h.t, http.StatusOK, res.status, "%s", res.body)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(string(res.body)))
	require.NoError(h.t, err)
	return families
}

// scrapeUntil scrapes until ready holds of the metrics and returns them.
func (h *harness) scrapeUntil(ready func(map[string]*dto.MetricFamily) bool) map[string]*dto.MetricFamily {
	h.t.Helper()
	var m map[string]*dto.MetricFamily
	require.Eventually(h.t, func() bool {
		m = h.scrape()
		return ready(m)
	}, 10*time.Second, 10*time.Millisecond, "metrics never showed what the test waits for")
	return m
}

// stageCounted holds once an attempt of stage with outcome was counted.
func stageCounted(stage, outcome string) func(map[string]*dto.MetricFamily) bool {
	return func(m map[string]*dto.MetricFamily) bool {
		return len(series(m, "alex_stage_runs_total", map[string]string{"stage": stage, "outcome": outcome})) > 0
	}
}

func basicAuth(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// series returns the metrics of family name whose labels include want.
func series(families map[string]*dto.MetricFamily, name string, want map[string]string) []*dto.Metric {
	var out []*dto.Metric
	f, ok := families[name]
	if !ok {
		return nil
	}
	for _, m := range f.GetMetric() {
		if hasLabels(m, want) {
			out = append(out, m)
		}
	}
	return out
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	got := map[string]string{}
	for _, l := range m.GetLabel() {
		got[l.GetName()] = l.GetValue()
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// counter is the value of the one counter of name with labels.
func counter(t testing.TB, families map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	t.Helper()
	s := series(families, name, labels)
	require.Len(t, s, 1, "%s%v", name, labels)
	return s[0].GetCounter().GetValue()
}

// observations is the sample count of the one histogram of name with labels.
func observations(t testing.TB, families map[string]*dto.MetricFamily, name string, labels map[string]string) uint64 {
	t.Helper()
	s := series(families, name, labels)
	require.Len(t, s, 1, "%s%v", name, labels)
	return s[0].GetHistogram().GetSampleCount()
}

func gauge(t testing.TB, families map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	t.Helper()
	s := series(families, name, labels)
	require.Len(t, s, 1, "%s%v", name, labels)
	return s[0].GetGauge().GetValue()
}

// Traffic through the real router and a job through the real pipeline show
// up on /metrics: requests by route template, stage attempts by outcome,
// and the queues' sizes read from Redis.
func TestMetricsShowRoutesStagesAndQueues(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	reg := prometheus.NewRegistry()
	h.withMetrics(reg)
	stages := h.realStages()
	var charterCalls atomic.Int32
	realCharter := stages["charter"]
	stages["charter"] = func(ctx context.Context, j store.Job) ([]byte, error) {
		if charterCalls.Add(1) == 1 {
			return nil, errors.New("price service hiccup")
		}
		return realCharter(ctx, j)
	}
	h.startWorker(stages, tasks.WorkerOptions{Metrics: reg})
	tok := h.token("user_metrics")
	h.populate(tok)
	id := h.submit(tok)
	require.Equal(t, alex.StatusCompleted, h.waitJob(id, 30*time.Second).Status)
	const jobReads = 3
	for range jobReads {
		h.getJob(tok, id)
	}
	// The frontend's unversioned path is the same route.
	require.Equal(t, http.StatusOK, h.do("GET", "/api/jobs/"+id, tok, nil).status)
	require.Equal(t, http.StatusNotFound, h.do("GET", "/no/such/"+id, "", nil).status)
	require.Equal(t, http.StatusUnauthorized, h.do("GET", "/metrics", "", nil).status, "metrics need credentials")

	// A stage is counted just after its result is stored, which may be
	// after the job reads as finished.
	m := h.scrapeUntil(stageCounted("summary", "completed"))

	jobRoute := map[string]string{"method": "GET", "route": "/api/v1/jobs/:id", "status": "200"}
	assert.GreaterOrEqual(t, counter(t, m, "http_requests_total", jobRoute), float64(jobReads+1))
	assert.GreaterOrEqual(t, observations(t, m, "http_request_duration_seconds", jobRoute), uint64(jobReads+1))
	assert.Equal(t, 1.0, counter(t, m, "http_requests_total",
		map[string]string{"method": "POST", "route": "/api/v1/analyze", "status": "202"}))
	assert.Equal(t, 1.0, counter(t, m, "http_requests_total",
		map[string]string{"method": "GET", "route": "unmatched", "status": "404"}))
	for _, s := range m["http_requests_total"].GetMetric() {
		for _, l := range s.GetLabel() {
			assert.NotContains(t, l.GetValue(), id, "a raw path leaked into a label")
		}
	}

	for _, stage := range []string{"planner", "charter", "reporter", "retirement", "summary"} {
		done := map[string]string{"stage": stage, "outcome": "completed"}
		assert.Equal(t, 1.0, counter(t, m, "alex_stage_runs_total", done), stage)
		assert.Equal(t, uint64(1), observations(t, m, "alex_stage_duration_seconds", done), stage)
	}
	assert.Equal(t, 1.0, counter(t, m, "alex_stage_runs_total", map[string]string{"stage": "charter", "outcome": "retried"}))

	// The stages that ran in-process had no task: once the planner's is
	// done, nothing waits in any queue.
	m = h.scrapeUntil(func(m map[string]*dto.MetricFamily) bool {
		s := series(m, "asynq_queue_size", map[string]string{"queue": tasks.QueueDefault, "state": "pending"})
		return len(s) == 1 && s[0].GetGauge().GetValue() == 0
	})
	assert.Equal(t, 1.0, gauge(t, m, "asynq_queue_up", map[string]string{"queue": tasks.QueueDefault}))
	for _, s := range series(m, "asynq_queue_size", map[string]string{"state": "pending"}) {
		assert.Zero(t, s.GetGauge().GetValue(), "the job is done, nothing waits: %v", s.GetLabel())
	}
}

// A stage that fails for good counts as failed.
func TestMetricsCountFailedStages(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	reg := prometheus.NewRegistry()
	h.withMetrics(reg)
	stages := h.realStages()
	stages["reporter"] = func(context.Context, store.Job) ([]byte, error) {
		return nil, fmt.Errorf("report template broken: %w", asynq.SkipRetry)
	}
	h.startWorker(stages, tasks.WorkerOptions{Metrics: reg})
	tok := h.token("user_metrics_failed")
	h.populate(tok)
	require.Equal(t, alex.StatusFailed, h.waitJob(h.submit(tok), 30*time.Second).Status)

	m := h.scrapeUntil(stageCounted("reporter", "failed"))
	assert.Equal(t, 1.0, counter(t, m, "alex_stage_runs_total", map[string]string{"stage": "reporter", "outcome": "failed"}))
	assert.Empty(t, series(m, "alex_stage_runs_total", map[string]string{"stage": "summary"}), "no summary after a failed stage")
}
