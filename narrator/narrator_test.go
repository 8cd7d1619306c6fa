package narrator

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/alex-advisor/alex/analysis"
)

var testNow = time.Date(2025, time.January, 15, 15, 0, 0, 0, time.UTC)

// testPortfolio is a small priced portfolio in US dollars.
func testPortfolio() analysis.Portfolio {
	spy := analysis.Instrument{Symbol: "SPY", Name: "SPDR S&P 500 ETF", Type: "etf", Currency: "USD", Price: 450.25,
		PriceUpdatedAt: testNow, PriceSource: "seed", Regions: map[string]float64{"north_america": 100},
		Sectors: map[string]float64{"technology": 100}, AssetClasses: map[string]float64{"equity": 100}}
	return analysis.Portfolio{UserID: "user_alex", YearsUntilRetirement: 20, TargetRetirementIncome: 60000,
		AssetClassTargets: map[string]float64{"equity": 70, "fixed_income": 30},
		RegionTargets:     map[string]float64{"north_america": 50, "international": 50},
		Accounts: []analysis.Account{{ID: "acc-1", Name: "Brokerage", Currency: "USD", CashBalance: 1000,
			Positions: []analysis.Position{{Symbol: "SPY", Quantity: 10, Instrument: spy}}}}}
}

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
	for _, s := range analysis.ReportSections() {
		b.WriteString("## " + s + "\n\nFriendly text.\n\n")
	}
	return b.String()
}

func TestNarratorRewrite(t *testing.T) {
	report := analysis.Report(testPortfolio(), testNow)
	m := analysis.Analyze(testPortfolio())
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
			got, err := n.Rewrite(context.Background(), report, m)
			if !tc.rewrote {
				if err == nil {
					t.Errorf("no error, agent %q", got.Agent)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := report
			want.Content, want.Agent = strings.TrimSpace(rewrittenReport()), "reporter+llm"
			if !reflect.DeepEqual(got, want) {
				t.Errorf("rewrite = %+v, want %+v", got, want)
			}
		})
	}
}

func TestNarratorUnconfigured(t *testing.T) {
	report := analysis.Report(testPortfolio(), testNow)
	var nilNarrator *Narrator
	for _, n := range []*Narrator{nilNarrator, {}, {BaseURL: "http://127.0.0.1:1"}} {
		if _, err := n.Rewrite(context.Background(), report, analysis.Metrics{}); err == nil {
			t.Errorf("%+v rewrote the report", n)
		}
	}
}

// A reader of a report the narrator failed on is told, under the title.
func TestUnavailableSaysSoUnderTheTitle(t *testing.T) {
	report := analysis.Report(testPortfolio(), testNow)
	got := Unavailable(report)
	title, _, _ := strings.Cut(report.Content, "\n")
	if want := title + "\n\n" + unavailableNote + "\n\n_Prepared"; !strings.HasPrefix(got.Content, want) {
		t.Errorf("content starts %q, want %q", got.Content[:min(len(got.Content), 160)], want)
	}
	if !strings.HasSuffix(got.Content, strings.TrimPrefix(report.Content, title)) || got.Agent != report.Agent {
		t.Errorf("the rest of the report changed: %+v", got)
	}
}
