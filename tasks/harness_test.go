package tasks_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex/auth"
	alexhttp "github.com/alex-advisor/alex/http"
	"github.com/alex-advisor/alex/internal/faultproxy"
	"github.com/alex-advisor/alex/queue"
	"github.com/alex-advisor/alex/queue/redistest"
	"github.com/alex-advisor/alex/store"
	"github.com/alex-advisor/alex/store/storetest"
	"github.com/alex-advisor/alex/tasks"
)

// harness is the whole service in one test: the real router with real
// tokens, a schema of the real PostgreSQL, a redis-server of its own, and
// workers started by the test.
type harness struct {
	t      testing.TB
	store  *store.Store
	schema string
	redis  *redistest.Server
	queue  *queue.Queue
	api    *alexhttp.Server
	issuer *auth.Issuer
	log    *slog.Logger

	maxActive int
}

func testLog() *slog.Logger {
	if os.Getenv("TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func newHarness(t testing.TB, maxActive int) *harness {
	t.Helper()
	h := &harness{t: t, log: testLog(), maxActive: maxActive}
	h.store, h.schema = storetest.MustOpenSchema(t)
	h.redis = redistest.Start(t)
	q, err := queue.Open(h.redis.URL())
	require.NoError(t, err)
	t.Cleanup(func() { q.Close() })
	h.queue = q
	keyPEM, err := auth.GenerateKeyPEM()
	require.NoError(t, err)
	h.issuer, err = auth.NewIssuer(t.Context(), keyPEM, "alex-test", time.Hour)
	require.NoError(t, err)
	h.api = h.newAPI()
	return h
}

func (h *harness) newAPI() *alexhttp.Server {
	return alexhttp.New(alexhttp.Config{
		Store: h.store, Queue: h.queue, Log: h.log, MaxActiveJobsPerUser: h.maxActive,
		// On, as in production: the Redis outage test shows that it fails open.
		RateLimitPerMinute: 1000,
		Verifier:           auth.NewVerifier(h.issuer.KeySource(), auth.VerifierOptions{Issuer: "alex-test"}),
	})
}

// useStore has the API (and the workers started next) use s.
func (h *harness) useStore(s *store.Store) {
	h.store = s
	h.api = h.newAPI()
}

// connectRedisThrough sends the API's and the workers' Redis traffic
// through p, so that a test can cut it.
func (h *harness) connectRedisThrough(p *faultproxy.Proxy) {
	h.t.Helper()
	q, err := queue.Open("redis://" + p.Addr() + "/0")
	require.NoError(h.t, err)
	h.t.Cleanup(func() { q.Close() })
	h.queue = q
	h.api = alexhttp.New(alexhttp.Config{
		Store: h.store, Queue: q, Log: h.log, MaxActiveJobsPerUser: h.maxActive,
		Verifier: auth.NewVerifier(h.issuer.KeySource(), auth.VerifierOptions{Issuer: "alex-test"}),
	})
}

// realStages are the stages of production.
func (h *harness) realStages() map[string]tasks.StageFunc {
	return (&tasks.Analysis{Store: h.store}).Stages()
}

func (h *harness) startWorker(stages map[string]tasks.StageFunc, o tasks.WorkerOptions) *tasks.Worker {
	h.t.Helper()
	o.Log = h.log
	if o.StaleAfter == 0 {
		o.StaleAfter = 3 * time.Second
		o.HeartbeatEvery = 100 * time.Millisecond
	}
	if o.SweepEvery == 0 {
		o.SweepEvery = 100 * time.Millisecond
	}
	w := tasks.NewWorker(h.store, h.queue, stages, o)
	require.NoError(h.t, w.Start(context.Background()))
	h.t.Cleanup(w.Shutdown)
	return w
}

func (h *harness) token(userID string) string {
	h.t.Helper()
	tok, _, err := h.issuer.Sign(userID, userID+"@example.com", "Test "+userID, time.Now())
	require.NoError(h.t, err)
	return tok
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "body: %s", r.body)
	return m
}

func (h *harness) do(method, path, token string, body any, headers ...string) response {
	h.t.Helper()
	if body == nil {
		return h.send(method, path, token, nil, headers...)
	}
	b, err := json.Marshal(body)
	require.NoError(h.t, err)
	return h.send(method, path, token, bytes.NewReader(b), headers...)
}

// doRaw sends body as it is, for JSON that a map cannot express.
func (h *harness) doRaw(method, path, token, body string) response {
	h.t.Helper()
	return h.send(method, path, token, strings.NewReader(body))
}

func (h *harness) send(method, path, token string, body io.Reader, headers ...string) response {
	h.t.Helper()
	req := httptest.NewRequest(method, path, body)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := h.api.App().Test(req, -1)
	require.NoError(h.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(h.t, err)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// submit starts an analysis for the user and returns its job id.
func (h *harness) submit(token string) string {
	h.t.Helper()
	res := h.do("POST", "/api/v1/analyze", token, map[string]any{"analysis_type": "portfolio"})
	require.Equal(h.t, http.StatusAccepted, res.status, "%s", res.body)
	id := res.json(h.t)["job_id"].(string)
	require.Equal(h.t, "/api/v1/jobs/"+id, res.header.Get("Location"))
	return id
}

// waitJob polls the job until it is terminal (or the deadline fails the test).
func (h *harness) waitJob(jobID string, within time.Duration) store.Job {
	h.t.Helper()
	var j store.Job
	require.Eventually(h.t, func() bool {
		var err error
		j, err = h.store.JobByID(context.Background(), jobID)
		require.NoError(h.t, err)
		return j.Terminal()
	}, within, 10*time.Millisecond, "job %s did not finish", jobID)
	return j
}

func (h *harness) getJob(token, jobID string) map[string]any {
	h.t.Helper()
	res := h.do("GET", "/api/v1/jobs/"+jobID, token, nil)
	require.Equal(h.t, http.StatusOK, res.status, "%s", res.body)
	return res.json(h.t)
}

// populate gives the user the Alex test accounts.
func (h *harness) populate(token string) {
	h.t.Helper()
	res := h.do("POST", "/api/v1/populate-test-data", token, nil)
	require.Equal(h.t, http.StatusCreated, res.status, "%s", res.body)
}

type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

// The outage test stops Redis on purpose: its clients' dial errors are noise.
func init() { redis.SetLogger(quietRedis{}) }
