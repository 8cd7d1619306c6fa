package tasks_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/store"
	"github.com/alex-advisor/alex/tasks"
)

func TestAnalysisCompletesWithEveryPayload(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	h.startWorker(h.realStages(), tasks.WorkerOptions{})
	tok := h.token("user_complete")
	h.populate(tok)

	id := h.submit(tok)
	require.Equal(t, alex.StatusCompleted, h.waitJob(id, 30*time.Second).Status)

	job := h.getJob(tok, id)
	assert.Equal(t, "completed", job["status"])
	assert.EqualValues(t, 100, job["progress"])
	assert.Nil(t, job["error"])
	assert.NotNil(t, job["completed_at"])
	var names []string
	for _, st := range job["stages"].([]any) {
		stage := st.(map[string]any)
		names = append(names, stage["name"].(string))
		assert.Equal(t, "completed", stage["status"], stage["name"])
		assert.EqualValues(t, 1, stage["attempts"], stage["name"])
	}
	assert.Equal(t, []string{"planner", "charter", "reporter", "retirement", "summary"}, names)

	charts := job["charts_payload"].(map[string]any)
	for _, key := range []string{"asset_class_distribution", "geographic_exposure", "sector_breakdown", "account_types", "top_holdings"} {
		chart := charts[key].(map[string]any)
		assert.NotEmpty(t, chart["data"], key)
	}
	report := job["report_payload"].(map[string]any)["content"].(string)
	for _, section := range []string{"Executive Summary", "Portfolio Composition", "Diversification", "Risk", "Retirement Readiness", "Recommendations", "Conclusion"} {
		assert.Contains(t, report, section)
	}
	retirement := job["retirement_payload"].(map[string]any)
	assert.Contains(t, retirement, "success_rate")
	assert.Contains(t, retirement["percentiles"], "p50")
	summary := job["summary_payload"].(map[string]any)
	assert.NotEmpty(t, summary["summary"])
	assert.NotEmpty(t, summary["key_findings"])
	assert.NotEmpty(t, summary["recommendations"])

	// The planner filled in allocations of the user-added symbols (VTI, TSLA...).
	res := h.do("GET", "/api/v1/instruments?q=TSLA", tok, nil)
	require.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, string(res.body), `"equity"`)
}

func TestFailingStageFailsTheJobNamingIt(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	stages := h.realStages()
	var summaryRuns atomic.Int32
	stages["reporter"] = func(context.Context, store.Job) ([]byte, error) {
		return nil, fmt.Errorf("report template broken: %w", asynq.SkipRetry)
	}
	realSummary := stages["summary"]
	stages["summary"] = func(ctx context.Context, j store.Job) ([]byte, error) {
		summaryRuns.Add(1)
		return realSummary(ctx, j)
	}
	h.startWorker(stages, tasks.WorkerOptions{})
	tok := h.token("user_fail")
	h.populate(tok)

	id := h.submit(tok)
	require.Equal(t, alex.StatusFailed, h.waitJob(id, 30*time.Second).Status)
	job := h.getJob(tok, id)
	assert.Equal(t, "failed", job["status"])
	assert.Contains(t, job["error_message"], "The written report could not be completed.")
	assert.NotContains(t, job["error_message"], "report template broken", "internal text is for the log")
	assert.Equal(t, job["error_message"], job["error"])
	assert.Nil(t, job["summary_payload"])
	assert.Zero(t, summaryRuns.Load(), "no stage runs after the job failed")
	for _, st := range job["stages"].([]any) {
		stage := st.(map[string]any)
		switch stage["name"] {
		case "reporter":
			assert.Equal(t, "failed", stage["status"])
		case "summary":
			assert.Equal(t, "cancelled", stage["status"])
		}
	}
}

func TestStageRetriedAfterATransientError(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	stages := h.realStages()
	var calls atomic.Int32
	realCharter := stages["charter"]
	stages["charter"] = func(ctx context.Context, j store.Job) ([]byte, error) {
		if calls.Add(1) == 1 {
			return nil, errors.New("price service hiccup")
		}
		return realCharter(ctx, j)
	}
	h.startWorker(stages, tasks.WorkerOptions{})
	tok := h.token("user_retry")
	h.populate(tok)
	id := h.submit(tok)
	j := h.waitJob(id, 30*time.Second)
	require.Equal(t, alex.StatusCompleted, j.Status)
	for _, st := range j.JobStages {
		if st.Name == "charter" {
			assert.Equal(t, 2, st.Attempts)
		}
	}
}

func TestCancelMidRunRunsNoFurtherStage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	stages := h.realStages()
	started, release := make(chan struct{}), make(chan struct{})
	var summaryRuns atomic.Int32
	realCharter := stages["charter"]
	stages["charter"] = func(ctx context.Context, j store.Job) ([]byte, error) {
		close(started)
		<-release
		return realCharter(ctx, j)
	}
	stages["summary"] = func(context.Context, store.Job) ([]byte, error) {
		summaryRuns.Add(1)
		return []byte(`{}`), nil
	}
	h.startWorker(stages, tasks.WorkerOptions{})
	tok := h.token("user_cancel")
	h.populate(tok)
	id := h.submit(tok)
	<-started

	res := h.do("POST", "/api/v1/jobs/"+id+"/cancel", tok, nil)
	require.Equal(t, http.StatusAccepted, res.status, "%s", res.body)
	assert.Equal(t, "cancelled", res.json(t)["status"])
	close(release)

	// Cancelling again is a conflict: the job is finished.
	res = h.do("POST", "/api/v1/jobs/"+id+"/cancel", tok, nil)
	assert.Equal(t, http.StatusConflict, res.status)

	// The charter's late result is discarded, and summary never runs.
	require.Eventually(t, func() bool {
		j, err := h.store.JobByID(context.Background(), id)
		require.NoError(t, err)
		for _, st := range j.JobStages {
			if st.Name == "charter" && st.Status == alex.StatusRunning {
				return false
			}
		}
		return true
	}, 10*time.Second, 10*time.Millisecond)
	job := h.getJob(tok, id)
	assert.Equal(t, "cancelled", job["status"])
	assert.Nil(t, job["charts_payload"])
	assert.Nil(t, job["summary_payload"])
	assert.Zero(t, summaryRuns.Load())
}

func TestIdempotentSubmitReturnsTheSameJob(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	tok := h.token("user_idem")
	first := h.do("POST", "/api/v1/analyze", tok, map[string]any{}, "Idempotency-Key", "key-1")
	again := h.do("POST", "/api/v1/analyze", tok, map[string]any{}, "Idempotency-Key", "key-1")
	other := h.do("POST", "/api/v1/analyze", tok, map[string]any{}, "Idempotency-Key", "key-2")
	require.Equal(t, http.StatusAccepted, first.status)
	require.Equal(t, http.StatusAccepted, again.status)
	require.Equal(t, http.StatusAccepted, other.status)
	assert.Equal(t, first.json(t)["job_id"], again.json(t)["job_id"])
	assert.NotEqual(t, first.json(t)["job_id"], other.json(t)["job_id"])

	// The same key of another user is another job.
	res := h.do("POST", "/api/v1/analyze", h.token("user_idem_2"), map[string]any{}, "Idempotency-Key", "key-1")
	require.Equal(t, http.StatusAccepted, res.status)
	assert.NotEqual(t, first.json(t)["job_id"], res.json(t)["job_id"])

	// The same key with another body is a mistake, not a retry: 422, and
	// no job is made; the same body spelled with other whitespace is a retry.
	res = h.doRaw("POST", "/api/v1/analyze", tok, `{"analysis_type":"portfolio","options":{"seed":7}}`)
	require.Equal(t, http.StatusAccepted, res.status)
	res = h.send("POST", "/api/v1/analyze", tok, strings.NewReader(`{"analysis_type":"portfolio","options":{"seed":8}}`),
		"Content-Type", "application/json", "Idempotency-Key", "key-1")
	require.Equal(t, http.StatusUnprocessableEntity, res.status, "%s", res.body)
	assert.Contains(t, string(res.body), "header.Idempotency-Key")
	res = h.send("POST", "/api/v1/analyze", tok, strings.NewReader("{ }"),
		"Content-Type", "application/json", "Idempotency-Key", "key-2")
	require.Equal(t, http.StatusAccepted, res.status, "%s", res.body)
	assert.Equal(t, other.json(t)["job_id"], res.json(t)["job_id"])

	list := h.do("GET", "/api/v1/jobs", tok, nil).json(t)
	assert.Len(t, list["jobs"], 3)
}

func TestTooManyActiveJobs(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 2) // no worker: jobs stay pending
	tok := h.token("user_limit")
	h.submit(tok)
	h.submit(tok)
	res := h.do("POST", "/api/v1/analyze", tok, map[string]any{})
	require.Equal(t, http.StatusTooManyRequests, res.status, "%s", res.body)
	assert.Equal(t, "5", res.header.Get("Retry-After"))
	assert.Equal(t, "application/problem+json", res.header.Get("Content-Type"))
	assert.Contains(t, res.json(t)["detail"], "2 analyses running")
}

func TestJobETagAndNotModified(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	tok := h.token("user_etag")
	id := h.submit(tok)
	first := h.do("GET", "/api/v1/jobs/"+id, tok, nil)
	require.Equal(t, http.StatusOK, first.status)
	etag := first.header.Get("ETag")
	require.NotEmpty(t, etag)

	res := h.do("GET", "/api/v1/jobs/"+id, tok, nil, "If-None-Match", etag)
	assert.Equal(t, http.StatusNotModified, res.status)
	assert.Empty(t, res.body)
	assert.Equal(t, etag, res.header.Get("ETag"))

	// A change makes a new ETag.
	require.Equal(t, http.StatusAccepted, h.do("POST", "/api/v1/jobs/"+id+"/cancel", tok, nil).status)
	res = h.do("GET", "/api/v1/jobs/"+id, tok, nil, "If-None-Match", etag)
	assert.Equal(t, http.StatusOK, res.status)
	assert.NotEqual(t, etag, res.header.Get("ETag"))
}

// A finished job never changes: after its first read the API answers it
// from memory, the same to its owner every time and still 404 to others.
func TestFinishedJobAnswersTheSameToItsOwnerOnly(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	h.startWorker(h.realStages(), tasks.WorkerOptions{})
	tok, other := h.token("user_finished"), h.token("user_nosy")
	h.populate(tok)
	id := h.submit(tok)
	require.Equal(t, alex.StatusCompleted, h.waitJob(id, 30*time.Second).Status)

	first := h.do("GET", "/api/v1/jobs/"+id, tok, nil)
	require.Equal(t, http.StatusOK, first.status)
	assert.Equal(t, "completed", first.json(t)["status"])
	assert.Equal(t, "application/json", first.header.Get("Content-Type"))
	again := h.do("GET", "/api/v1/jobs/"+id, tok, nil)
	assert.Equal(t, string(first.body), string(again.body))
	assert.Equal(t, first.header.Get("ETag"), again.header.Get("ETag"))
	assert.Equal(t, http.StatusNotModified, h.do("GET", "/api/v1/jobs/"+id, tok, nil, "If-None-Match", first.header.Get("ETag")).status)

	res := h.do("GET", "/api/v1/jobs/"+id, other, nil)
	assert.Equal(t, http.StatusNotFound, res.status)
	assert.NotContains(t, string(res.body), "retirement")
}

func TestJobsListPaginatesNewestFirst(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 10)
	tok := h.token("user_pages")
	var ids []string
	for range 5 {
		ids = append(ids, h.submit(tok))
	}
	var seen []string
	cursor := ""
	for {
		path := "/api/v1/jobs?limit=2"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		page := h.do("GET", path, tok, nil).json(t)
		for _, j := range page["jobs"].([]any) {
			seen = append(seen, j.(map[string]any)["id"].(string))
		}
		next, _ := page["next_cursor"].(string)
		if next == "" {
			break
		}
		cursor = next
	}
	require.Len(t, seen, 5)
	for i := range ids {
		assert.Equal(t, ids[len(ids)-1-i], seen[i])
	}
	assert.Equal(t, http.StatusUnprocessableEntity, h.do("GET", "/api/v1/jobs?limit=101", tok, nil).status)
	// Another user's job is not found.
	assert.Equal(t, http.StatusNotFound, h.do("GET", "/api/v1/jobs/"+ids[0], h.token("user_other"), nil).status)
}

func TestEventStreamShowsStagesAndCloses(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	h.startWorker(h.realStages(), tasks.WorkerOptions{})
	tok := h.token("user_sse")
	h.populate(tok)
	id := h.submit(tok)

	res := h.do("GET", "/api/v1/jobs/"+id+"/events", tok, nil)
	require.Equal(t, http.StatusOK, res.status)
	assert.Equal(t, "text/event-stream", res.header.Get("Content-Type"))
	var statuses []string
	completedStages := -1
	for _, block := range strings.Split(strings.TrimSpace(string(res.body)), "\n\n") {
		if !strings.HasPrefix(block, "event: job") {
			continue
		}
		data := block[strings.Index(block, "data: ")+len("data: "):]
		var job struct {
			Status string `json:"status"`
			Stages []struct {
				Status string `json:"status"`
			} `json:"stages"`
		}
		require.NoError(t, json.Unmarshal([]byte(data), &job))
		n := 0
		for _, st := range job.Stages {
			if st.Status == "completed" {
				n++
			}
		}
		assert.GreaterOrEqual(t, n, completedStages, "stages never go back")
		completedStages = n
		statuses = append(statuses, job.Status)
	}
	require.NotEmpty(t, statuses)
	assert.Equal(t, "completed", statuses[len(statuses)-1], "the stream closes after the terminal event")
	assert.Greater(t, len(statuses), 1, "a stream from the start shows the progress, not only the end")
	// Joining after the end gives the current state at once and closes.
	late := h.do("GET", "/api/v1/jobs/"+id+"/events", tok, nil)
	assert.Equal(t, 1, strings.Count(string(late.body), "event: job"))
	assert.Contains(t, string(late.body), `"status":"completed"`)
	assert.Equal(t, http.StatusNotFound, h.do("GET", "/api/v1/jobs/"+id+"/events", h.token("user_other"), nil).status)
}
