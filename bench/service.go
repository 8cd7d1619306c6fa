package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"
)

// serviceResults are the service's own figures.
type serviceResults struct {
	JobRead     loadResult        `json:"job_read"`
	Accounts    loadResult        `json:"accounts"`
	Throughput  throughput        `json:"throughput"`
	IdleLatency latency           `json:"idle_latency"`
	Memory      map[string]memory `json:"memory"` // by process name
	// LogWarnings counts the warnings the api and workers logged during
	// the run, by message.
	LogWarnings     map[string]int `json:"log_warnings"`
	TasksPerJob     int            `json:"tasks_per_job"`
	WorkerProcesses int            `json:"worker_processes"`
}

// throughput is how fast a burst of jobs completed end to end.
type throughput struct {
	Jobs       int     `json:"jobs"`
	Failed     int     `json:"failed"`
	Seconds    float64 `json:"seconds"`
	JobsPerSec float64 `json:"jobs_per_s"`
}

// latency is the submit→completed time of jobs sent one at a time.
type latency struct {
	Jobs  int     `json:"jobs"`
	P50ms float64 `json:"p50_ms"`
	P99ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
}

// apiClient calls the API as the frontend does.
type apiClient struct {
	base   string
	token  string
	client *http.Client
}

// call sends a JSON request and decodes a JSON answer into out (if not nil);
// an answer other than want is an error.
func (a *apiClient) call(ctx context.Context, method, path string, body any, want int, out any) error {
	var reader io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, reader)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	res, err := a.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if res.StatusCode != want {
		return fmt.Errorf("%s %s: %s: %s", method, path, res.Status, raw)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	return nil
}

// registerUser registers a local user and keeps its token.
func (a *apiClient) registerUser(ctx context.Context, email string) error {
	var out struct {
		Token string `json:"token"`
	}
	err := a.call(ctx, http.MethodPost, "/api/v1/auth/register",
		map[string]string{"email": email, "password": "bench-password-123"}, http.StatusCreated, &out)
	a.token = out.Token
	return err
}

// submit starts a portfolio analysis and returns its job id.
func (a *apiClient) submit(ctx context.Context) (string, error) {
	var out struct {
		JobID string `json:"job_id"`
	}
	err := a.call(ctx, http.MethodPost, "/api/v1/analyze",
		map[string]string{"analysis_type": "portfolio"}, http.StatusAccepted, &out)
	return out.JobID, err
}

// jobStatus reads a job's status.
func (a *apiClient) jobStatus(ctx context.Context, id string) (status, errMsg string, err error) {
	var out struct {
		Status       string `json:"status"`
		ErrorMessage string `json:"error_message"`
	}
	err = a.call(ctx, http.MethodGet, "/api/v1/jobs/"+id, nil, http.StatusOK, &out)
	return out.Status, out.ErrorMessage, err
}

// waitCompleted polls the job every 5 ms until it is terminal; a job that
// did not complete is an error.
func (a *apiClient) waitCompleted(ctx context.Context, id string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		status, msg, err := a.jobStatus(ctx, id)
		switch {
		case err != nil:
			return err
		case status == "completed":
			return nil
		case status == "failed" || status == "cancelled":
			return fmt.Errorf("job %s %s: %s", id, status, msg)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("job %s still %s: %w", id, status, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// prepareUser registers a user with the three sample accounts and one
// completed job, whose id it returns.
func (a *apiClient) prepareUser(ctx context.Context) (string, error) {
	if err := a.registerUser(ctx, fmt.Sprintf("bench-%d@example.com", time.Now().UnixNano())); err != nil {
		return "", err
	}
	if err := a.call(ctx, http.MethodPost, "/api/v1/populate-test-data", nil, http.StatusCreated, nil); err != nil {
		return "", err
	}
	id, err := a.submit(ctx)
	if err != nil {
		return "", err
	}
	return id, a.waitCompleted(ctx, id)
}

// measureIdleLatency submits n jobs one after the other, each once the last
// completed, and measures submit→completed as a polling client sees it.
func (a *apiClient) measureIdleLatency(ctx context.Context, n int) (latency, error) {
	durations := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		id, err := a.submit(ctx)
		if err != nil {
			return latency{}, err
		}
		if err := a.waitCompleted(ctx, id); err != nil {
			return latency{}, err
		}
		durations = append(durations, time.Since(start))
	}
	slices.Sort(durations)
	return latency{Jobs: n, P50ms: ms(percentile(durations, 50)),
		P99ms: ms(percentile(durations, 99)), MaxMs: ms(percentile(durations, 100))}, nil
}

// measureThroughput submits n jobs from 8 clients at once and times until
// all of them are terminal, reading their status from PostgreSQL every
// 20 ms (so the polling does not load the API).
func (a *apiClient) measureThroughput(ctx context.Context, dbURL string, n int) (throughput, error) {
	db, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return throughput{}, fmt.Errorf("connect %s: %w", dbURL, err)
	}
	defer db.Close(ctx)
	start := time.Now()
	ids, err := a.submitMany(ctx, n, 8)
	if err != nil {
		return throughput{}, err
	}
	for {
		var completed, failed int
		err := db.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'completed'),
			count(*) FILTER (WHERE status IN ('failed', 'cancelled')) FROM jobs WHERE id = ANY($1::uuid[])`,
			ids).Scan(&completed, &failed)
		if err != nil {
			return throughput{}, fmt.Errorf("count finished jobs: %w", err)
		}
		if completed+failed == n {
			elapsed := time.Since(start)
			return throughput{Jobs: n, Failed: failed, Seconds: elapsed.Seconds(),
				JobsPerSec: float64(completed) / elapsed.Seconds()}, nil
		}
		if time.Since(start) > 5*time.Minute {
			return throughput{}, fmt.Errorf("throughput: %d of %d jobs finished in 5 minutes", completed+failed, n)
		}
		select {
		case <-ctx.Done():
			return throughput{}, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// submitMany submits n jobs from senders goroutines and returns their ids.
func (a *apiClient) submitMany(ctx context.Context, n, senders int) ([]string, error) {
	ids := make([]string, n)
	g, ctx := errgroup.WithContext(ctx)
	for s := range senders {
		g.Go(func() error {
			for i := s; i < n; i += senders {
				id, err := a.submit(ctx)
				if err != nil {
					return err
				}
				ids[i] = id
			}
			return nil
		})
	}
	return ids, g.Wait()
}
