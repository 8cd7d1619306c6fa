package metrics_test

import (
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex/metrics"
	"github.com/alex-advisor/alex/queue/redistest"
	"github.com/alex-advisor/alex/store/storetest"
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

// An operator sees the pool's waits: a query that waited for the only
// connection counts in go_sql_wait_count_total.
func TestDBStatsCountPoolWaits(t *testing.T) {
	db, err := sql.Open("pgx", storetest.URL())
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	reg := prometheus.NewRegistry()
	metrics.RegisterDBStats(reg, db)

	held, err := db.Conn(t.Context())
	require.NoError(t, err)
	waited := make(chan error, 1)
	go func() { waited <- db.QueryRowContext(t.Context(), "SELECT 1").Scan(new(int)) }()
	require.Eventually(t, func() bool { return db.Stats().WaitCount == 1 }, 10*time.Second, time.Millisecond)
	require.NoError(t, held.Close())
	require.NoError(t, <-waited)

	require.Equal(t, 1.0, gathered(t, reg, "go_sql_wait_count_total"))
	require.Equal(t, 1.0, gathered(t, reg, "go_sql_max_open_connections"))
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
