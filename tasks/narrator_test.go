package tasks_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/narrator"
	"github.com/alex-advisor/alex/tasks"
)

// syncBuffer is a log sink the worker's goroutines may write to at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The LLM is down: the job completes with the report as computed, which
// tells its reader that the narrated version was not available, and the
// operator finds the failure logged once, with the job.
func TestNarratorOutageIsToldToTheReaderAndLoggedOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	llm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
	}))
	t.Cleanup(llm.Close)
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	stages := (&tasks.Analysis{Store: h.store, Log: log,
		Narrator: &narrator.Narrator{BaseURL: llm.URL, Model: "test-model", Client: llm.Client()}}).Stages()
	h.startWorker(stages, tasks.WorkerOptions{})
	tok := h.token("user_narrated")
	h.populate(tok)
	id := h.submit(tok)
	require.Equal(t, alex.StatusCompleted, h.waitJob(id, 30*time.Second).Status)

	report := h.getJob(tok, id)["report_payload"].(map[string]any)
	assert.Equal(t, "reporter", report["agent"])
	assert.Contains(t, report["content"], "narrated version of this report was not available")
	failures := strings.Count(logs.String(), "the narrator failed")
	assert.Equal(t, 1, failures, logs.String())
	assert.Contains(t, logs.String(), "job_id="+id)
	assert.Contains(t, logs.String(), "503")
}
