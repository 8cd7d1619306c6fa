package metrics_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex/metrics"
	"github.com/alex-advisor/alex/queue/redistest"
)

// The queue collector reads the sizes from Redis at scrape time: tasks
// enqueued since the last scrape are in the next one.
func TestQueueSizesAreReadAtScrapeTime(t *testing.T) {
	t.Parallel()
	redis := redistest.Start(t)
	conn, err := asynq.ParseRedisURI(redis.URL())
	require.NoError(t, err)
	client := asynq.NewClient(conn)
	t.Cleanup(func() { client.Close() })
	inspector := asynq.NewInspector(conn)
	t.Cleanup(func() { inspector.Close() })
	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics.NewQueues(inspector, []string{"default", "low"}, slog.New(slog.NewTextHandler(io.Discard, nil))))

	for range 3 {
		_, err := client.Enqueue(asynq.NewTask("stage:planner", nil), asynq.Queue("default"))
		require.NoError(t, err)
	}

	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP asynq_queue_up 1 when the queue's state could be read from Redis at this scrape, else 0.
# TYPE asynq_queue_up gauge
asynq_queue_up{queue="default"} 1
asynq_queue_up{queue="low"} 0
`), "asynq_queue_up"), "low was never used: asynq does not know it yet")
	families, err := reg.Gather()
	require.NoError(t, err)
	sizes := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "asynq_queue_size" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			sizes[labels["queue"]+"/"+labels["state"]] = m.GetGauge().GetValue()
		}
	}
	assert.Equal(t, 3.0, sizes["default/pending"])
	assert.Equal(t, 0.0, sizes["default/active"])
	assert.NotContains(t, sizes, "low/pending")

	_, err = client.Enqueue(asynq.NewTask("stage:planner", nil), asynq.Queue("default"))
	require.NoError(t, err)
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP asynq_queue_size Tasks in an asynq queue, by queue and state (pending, active, scheduled, retry, archived, completed, aggregating).
# TYPE asynq_queue_size gauge
asynq_queue_size{queue="default",state="active"} 0
asynq_queue_size{queue="default",state="aggregating"} 0
asynq_queue_size{queue="default",state="archived"} 0
asynq_queue_size{queue="default",state="completed"} 0
asynq_queue_size{queue="default",state="pending"} 4
asynq_queue_size{queue="default",state="retry"} 0
asynq_queue_size{queue="default",state="scheduled"} 0
`), "asynq_queue_size"))
}

func TestHandlerRequiresCredentialsWhenAUserIsSet(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	metrics.NewHTTP(reg).Observe("GET", "/health", 200, 0)

	tests := []struct {
		name       string
		user, pass string // of the handler
		authUser   string // sent; empty sends none
		authPass   string
		want       int
	}{
		{"open without a user", "", "", "", "", http.StatusOK},
		{"no credentials", "prom", "secret", "", "", http.StatusUnauthorized},
		{"wrong password", "prom", "secret", "prom", "guess", http.StatusUnauthorized},
		{"wrong user", "prom", "secret", "other", "secret", http.StatusUnauthorized},
		{"right credentials", "prom", "secret", "prom", "secret", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			if tt.authUser != "" {
				req.SetBasicAuth(tt.authUser, tt.authPass)
			}
			rec := httptest.NewRecorder()
			metrics.Handler(reg, tt.user, tt.pass).ServeHTTP(rec, req)
			require.Equal(t, tt.want, rec.Code)
			if tt.want == http.StatusOK {
				assert.Contains(t, rec.Body.String(), `http_requests_total{method="GET",route="/health",status="200"} 1`)
			} else {
				assert.NotContains(t, rec.Body.String(), "http_requests_total")
				assert.Equal(t, `Basic realm="metrics"`, rec.Header().Get("WWW-Authenticate"))
			}
		})
	}
}

// An operator sees the pool as the store reads it at scrape time.
func TestPoolFiguresAreReadAtScrapeTime(t *testing.T) {
	pool := metrics.Pool{MaxConns: 20, InUse: 3, Idle: 5}
	reg := prometheus.NewRegistry()
	metrics.RegisterPool(reg, func() metrics.Pool { return pool })
	pool.Waits, pool.WaitTime = 7, 1500*time.Millisecond

	require.Equal(t, 20.0, gathered(t, reg, "alex_db_pool_max_connections"))
	require.Equal(t, 3.0, gathered(t, reg, "alex_db_pool_connections_in_use"))
	require.Equal(t, 5.0, gathered(t, reg, "alex_db_pool_connections_idle"))
	require.Equal(t, 7.0, gathered(t, reg, "alex_db_pool_waits_total"))
	require.Equal(t, 1.5, gathered(t, reg, "alex_db_pool_wait_seconds_total"))
}

// gathered is the value of reg's one series called name.
func gathered(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() == name {
			m := f.GetMetric()[0]
			return m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no %s in %v", name, families)
	return 0
}
