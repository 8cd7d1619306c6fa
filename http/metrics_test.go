package http_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	alexhttp "github.com/alex-advisor/alex/http"
)

// listen serves the app on a real loopback socket: fasthttp reuses its
// request buffers across connections there, as in production (app.Test does
// not show the bugs that come from keeping a view of them).
func (a *testAPI) listen(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = a.app.Listener(ln) }()
	t.Cleanup(func() { _ = a.app.Shutdown() })
	return "http://" + ln.Addr().String()
}

// After mixed concurrent traffic (every method, both path prefixes, long
// and short paths, routes and no routes), /metrics parses and labels only
// known methods and route templates: a label once kept a view of a reused
// buffer, read method="POS" and made /metrics answer 500.
func TestMetricsLabelsStayKnownAfterMixedTraffic(t *testing.T) {
	a := newTestAPI(t, withConfig(func(c *alexhttp.Config) {
		c.MetricsUser, c.MetricsPassword = "prometheus", "a-long-metrics-password"
	}))
	base := a.listen(t)
	tok := a.token(t, "user_metrics")
	methods := []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodHead, http.MethodOptions}
	paths := []string{
		"/api/accounts", "/api/v1/accounts", "/api/user", "/api/v1/user",
		"/api/jobs/4b0c8f5e-0d6c-4f7e-9a43-5f9a3c1d2e7f", "/api/v1/jobs?limit=5",
		"/api/v1/instruments?q=SP", "/health", "/ready", "/x",
		"/api/v1/" + strings.Repeat("long-segment/", 40) + "end",
		"/unknown/" + strings.Repeat("a", 300),
	}

	client := &http.Client{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 60 {
				method := methods[(w+i)%len(methods)]
				path := paths[(w*7+i)%len(paths)]
				var body io.Reader
				if method == http.MethodPost || method == http.MethodPut {
					body = strings.NewReader(`{"account_name":"Metrics ` + fmt.Sprint(i) + `"}`)
				}
				req, err := http.NewRequest(method, base+path, body)
				if err != nil {
					t.Error(err)
					return
				}
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			}
		})
	}
	wg.Wait()

	req, err := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	require.NoError(t, err)
	req.SetBasicAuth("prometheus", "a-long-metrics-password")
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	require.NoError(t, err, "the exposition parses")

	knownMethod := map[string]bool{}
	for _, m := range methods {
		knownMethod[m] = true
	}
	knownRoute := map[string]bool{"unmatched": true}
	for _, r := range a.app.GetRoutes() {
		knownRoute[r.Path] = true
	}
	labelled := 0
	for name, fam := range families {
		for _, m := range fam.GetMetric() {
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "method":
					require.True(t, knownMethod[l.GetValue()], "%s has method=%q", name, l.GetValue())
					labelled++
				case "route":
					require.True(t, knownRoute[l.GetValue()], "%s has route=%q", name, l.GetValue())
				}
			}
		}
	}
	require.NotZero(t, labelled, "the HTTP series are there")
}

// The request log names the path the client sent, whole, also for the /api
// alias that is rewritten to /api/v1 on its way in.
func TestRequestLogKeepsTheAliasPathWhole(t *testing.T) {
	var logged syncBuffer
	a := newTestAPI(t, withConfig(func(c *alexhttp.Config) {
		c.Log = slog.New(slog.NewJSONHandler(&logged, nil))
	}))
	base := a.listen(t)
	tok := a.token(t, "user_log_path")
	paths := []string{"/api/accounts", "/api/v1/accounts", "/api/user", "/api/jobs?limit=3"}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 25 {
				req, _ := http.NewRequest(http.MethodGet, base+paths[(w+i)%len(paths)], nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				if resp, err := http.DefaultClient.Do(req); err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
				}
			}
		})
	}
	wg.Wait()

	want := map[string]bool{"/api/accounts": true, "/api/v1/accounts": true, "/api/user": true, "/api/jobs": true,
		"/health": true} // newTestAPI's first request
	lines := 0
	for line := range strings.Lines(logged.String()) {
		var entry struct {
			Msg, Path string
		}
		require.NoError(t, json.Unmarshal([]byte(line), &entry))
		if entry.Msg != "request" {
			continue
		}
		lines++
		require.True(t, want[entry.Path], "logged path %q", entry.Path)
	}
	require.Equal(t, 101, lines)
}

// syncBuffer is a bytes.Buffer that many request goroutines can log to.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A secret in a query string never reaches the log: the request log names
// the path alone.
func TestQueryStringSecretsStayOutOfTheLog(t *testing.T) {
	var logged syncBuffer
	a := newTestAPI(t, withConfig(func(c *alexhttp.Config) {
		c.Log = slog.New(slog.NewJSONHandler(&logged, nil))
	}))
	tok := a.token(t, "user_query_secret")
	for _, q := range []string{"token=QS-SECRET-1", "password=QS-SECRET-2&x=1", "api_key=QS-SECRET-3", "signature=QS-SECRET-4"} {
		a.do(t, http.MethodGet, "/api/v1/accounts?"+q, tok, nil)
		a.do(t, http.MethodGet, "/no/such/route?"+q, "", nil)
	}
	require.NotContains(t, logged.String(), "QS-SECRET")
	require.Contains(t, logged.String(), `"path":"/api/v1/accounts"`)
}
