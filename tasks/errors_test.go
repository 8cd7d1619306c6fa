package tasks_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/internal/faultproxy"
	"github.com/alex-advisor/alex/store"
	"github.com/alex-advisor/alex/store/storetest"
	"github.com/alex-advisor/alex/tasks"
)

// internalText is what a person must never read in a job.
var internalText = []string{"pq:", "dial tcp", "sql:", "json:", ".go", "asynq", "context deadline",
	"skip retry", "alex error", "connection refused", "database unavailable:", "SQLSTATE"}

// A stage that fails for good, whatever the error, leaves a job whose
// error, error_message and stage error are sentences naming the stage; the
// error itself is logged once an attempt, with the job, stage and task.
func TestFailedStageErrorIsASentence(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	logs := captureLog(h)
	var v struct{ X float64 }
	jsonErr := json.Unmarshal([]byte(`{"X":"a"}`), &v)
	generic := "An unexpected error stopped the retirement projection step; it has been logged and you can run the analysis again."
	cases := map[string]struct {
		err      error
		internal string // unique text of err, to find in the log
		want     string
		attempts int
	}{
		"user_err_pq": {fmt.Errorf("assumptions (store/assumptions.go:42): %w: %w", errors.New(`pq: relation "assumptions" does not exist`), asynq.SkipRetry),
			`pq: relation \"assumptions\"`, generic, 1},
		"user_err_json": {fmt.Errorf("decode options: %w: %w", jsonErr, asynq.SkipRetry), "json: cannot unmarshal", generic, 1},
		"user_err_sql":  {fmt.Errorf("read assumptions: %w: %w", sql.ErrConnDone, asynq.SkipRetry), "sql: connection is already closed", generic, 1},
		"user_err_dial": {fmt.Errorf("market data: %w", &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 19}, Err: syscall.ECONNREFUSED}),
			"dial tcp 127.0.0.1:19", "A service the analysis depends on was unavailable; please try again.", 4}, // retried until none is left
		"user_err_deadline": {fmt.Errorf("price provider: %w: %w", context.DeadlineExceeded, asynq.SkipRetry), "price provider: context deadline exceeded",
			"It took too long; please try again.", 1},
		"user_err_alex": {fmt.Errorf("options: %w: %w", alex.Errorf(alex.EINVALID, "The retirement age is out of range."), asynq.SkipRetry),
			"alex error: code=invalid", "The retirement age is out of range.", 1},
	}
	stages := h.realStages()
	stages["retirement"] = func(_ context.Context, j store.Job) ([]byte, error) {
		return nil, cases[j.UserID].err
	}
	h.startWorker(stages, tasks.WorkerOptions{})

	jobs := map[string]string{}
	for user := range cases {
		tok := h.token(user)
		h.populate(tok)
		jobs[user] = h.submit(tok)
	}
	for user, tc := range cases {
		t.Run(user, func(t *testing.T) {
			id := jobs[user]
			require.Equal(t, alex.StatusFailed, h.waitJob(id, time.Minute).Status)
			job := h.getJob(h.token(user), id)
			assert.Equal(t, "The retirement projection could not be completed. "+tc.want, job["error_message"])
			assert.Equal(t, job["error_message"], job["error"])
			shown := []string{job["error_message"].(string)}
			for _, st := range job["stages"].([]any) {
				stage := st.(map[string]any)
				if stage["name"] == "retirement" {
					assert.Equal(t, "failed", stage["status"])
					assert.EqualValues(t, tc.attempts, stage["attempts"])
					assert.Equal(t, tc.want, stage["error"])
				}
				if e, ok := stage["error"].(string); ok {
					shown = append(shown, e)
				}
			}
			requireNoInternalText(t, shown...)

			lines := logs.with(tc.internal)
			assert.Len(t, lines, tc.attempts, "the error is logged once an attempt")
			for _, l := range lines {
				assert.Equal(t, id, l["job_id"])
				assert.Equal(t, "retirement", l["stage"])
				assert.NotEmpty(t, l["task_id"])
			}
		})
	}
}

// A stage whose database is cut waits for it: each retried attempt's
// error, as the user reads it meanwhile, is a sentence.
func TestDatabaseCutRetriedStageErrorIsASentence(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	logs := captureLog(h)
	proxy := faultproxy.Start(t, "127.0.0.1:5432")
	url := strings.Replace(storetest.URL(), "127.0.0.1:5432", proxy.Addr(), 1)
	require.NotEqual(t, storetest.URL(), url, "the test database is on 127.0.0.1:5432")
	cutStore, err := store.Open(context.Background(), store.Options{URL: url, Schema: h.schema, MaxOpenConns: 2})
	require.NoError(t, err)
	t.Cleanup(func() { cutStore.Close() })
	stages := h.realStages()
	realRetire := stages["retirement"]
	stages["retirement"] = func(ctx context.Context, j store.Job) ([]byte, error) {
		if _, err := cutStore.JobResults(ctx, j.ID); err != nil {
			return nil, err
		}
		return realRetire(ctx, j)
	}
	proxy.Cut()
	h.startWorker(stages, tasks.WorkerOptions{LostAfter: time.Second})
	tok := h.token("user_err_db_cut")
	h.populate(tok)
	id := h.submit(tok)

	var shown string
	require.Eventually(t, func() bool {
		for _, st := range h.getJob(tok, id)["stages"].([]any) {
			stage := st.(map[string]any)
			if e, ok := stage["error"].(string); ok && stage["name"] == "retirement" {
				shown = e
				return true
			}
		}
		return false
	}, 30*time.Second, 20*time.Millisecond, "no retried attempt recorded its error")
	assert.Equal(t, "The database is unavailable; try again shortly.", shown)
	requireNoInternalText(t, shown)
	require.NotEmpty(t, logs.with("database unavailable: "), "the internal error is in the log")

	proxy.Restore()
	j := h.waitJob(id, time.Minute)
	require.Equal(t, alex.StatusCompleted, j.Status, "error: %v", j.ErrorMessage)
}

func requireNoInternalText(t *testing.T, shown ...string) {
	t.Helper()
	for _, s := range shown {
		for _, bad := range internalText {
			assert.NotContains(t, s, bad)
		}
	}
}

// logLines keeps the JSON log lines of a harness.
type logLines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// with returns the lines that contain s in their JSON text.
func (l *logLines) with(s string) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for line := range strings.SplitSeq(l.buf.String(), "\n") {
		if !strings.Contains(line, s) {
			continue
		}
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// captureLog sends the log of the workers the harness starts afterwards to
// the returned lines.
func captureLog(h *harness) *logLines {
	l := &logLines{}
	h.log = slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return l
}
