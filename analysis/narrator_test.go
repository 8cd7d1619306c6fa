package analysis

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// chatServer answers chat completions with handle, after checking the request.
func chatServer(t *testing.T, handle func(w http.ResponseWriter, req chatRequest)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		if got := r.Header.Get("Authorization"); got != "Bearer sk-test" {
			t.Errorf("Authorization = %q", got)
		}
		var req chatRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Errorf("decode request: %v", err)
		}
		handle(w, req)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func reply(w http.ResponseWriter, content string) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"id":      "chatcmpl-1",
		"object":  "chat.completion",
		"choices": []map[string]any{{"index": 0, "message": map[string]string{"role": "assistant", "content": content}, "finish_reason": "stop"}},
	})
}

func rewrittenReport() string {
	var b strings.Builder
	b.WriteString("# Your portfolio, in plain words\n\n")
	for _, s := range reportSections {
		b.WriteString("## " + s + "\n\nFriendly text.\n\n")
	}
	return b.String()
}

func TestNarratorRewrite(t *testing.T) {
	report := Report(alexTestPortfolio(), testNow)
	m := Analyze(alexTestPortfolio())
	tests := []struct {
		name    string
		timeout time.Duration
		handle  func(w http.ResponseWriter, req chatRequest)
		rewrote bool
	}{
		{"success", 0, func(w http.ResponseWriter, req chatRequest) {
			if req.Model != "test-model" || len(req.Messages) != 2 || req.Messages[0].Role != "system" ||
				!strings.Contains(req.Messages[1].Content, "## Executive Summary") {
				t.Errorf("request = %+v", req)
			}
			reply(w, rewrittenReport())
		}, true},
		{"code fence", 0, func(w http.ResponseWriter, _ chatRequest) {
			reply(w, "```markdown\n"+rewrittenReport()+"```")
		}, true},
		{"server error", 0, func(w http.ResponseWriter, _ chatRequest) {
			http.Error(w, "boom", http.StatusInternalServerError)
		}, false},
		{"slow", 50 * time.Millisecond, func(w http.ResponseWriter, _ chatRequest) {
			time.Sleep(300 * time.Millisecond)
			reply(w, rewrittenReport())
		}, false},
		{"malformed JSON", 0, func(w http.ResponseWriter, _ chatRequest) {
			w.Write([]byte(`{"choices": [`))
		}, false},
		{"no choices", 0, func(w http.ResponseWriter, _ chatRequest) {
			w.Write([]byte(`{"choices": []}`))
		}, false},
		{"empty content", 0, func(w http.ResponseWriter, _ chatRequest) {
			reply(w, "  ")
		}, false},
		{"missing heading", 0, func(w http.ResponseWriter, _ chatRequest) {
			reply(w, strings.Replace(rewrittenReport(), "## Risk\n", "## Risks\n", 1))
		}, false},
		{"headings out of order", 0, func(w http.ResponseWriter, _ chatRequest) {
			reply(w, strings.Replace(rewrittenReport(), "## Executive Summary\n", "", 1)+"## Executive Summary\n")
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := chatServer(t, tc.handle)
			n := &Narrator{BaseURL: srv.URL + "/v1/", APIKey: "sk-test", Model: "test-model", Client: srv.Client(), Timeout: tc.timeout}
			got := n.Rewrite(context.Background(), report, m)
			if !tc.rewrote {
				if !reflect.DeepEqual(got, report) {
					t.Errorf("report changed on failure: agent %q", got.Agent)
				}
				return
			}
			if got.Agent != "reporter+llm" || got.Content != strings.TrimSpace(rewrittenReport()) || !got.GeneratedAt.Equal(report.GeneratedAt) {
				t.Errorf("rewrite = %q (%s)", got.Content, got.Agent)
			}
		})
	}
}

func TestNarratorUnconfigured(t *testing.T) {
	report := Report(singleStockPortfolio(), testNow)
	var nilNarrator *Narrator
	for _, n := range []*Narrator{nilNarrator, {}, {BaseURL: "http://127.0.0.1:1"}} {
		if got := n.Rewrite(context.Background(), report, Metrics{}); !reflect.DeepEqual(got, report) {
			t.Errorf("%+v rewrote the report", n)
		}
	}
}
