package tasks_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/narrator"
	"github.com/alex-advisor/alex/tasks"
)

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
	logs := &logLines{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
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
	failures := logs.with("the narrator failed")
	require.Len(t, failures, 1, "logged once")
	assert.Equal(t, id, failures[0]["job_id"])
	assert.Contains(t, fmt.Sprint(failures[0]), "503")
}
