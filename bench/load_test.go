package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The generator counts every answer the server sent, tells failures from
// successes, sends the token and reads bodies whole whatever their size.
func TestRunLoadCountsWhatTheServerAnswered(t *testing.T) {
	var served, authorized atomic.Int64
	body := make([]byte, 40<<10) // bigger than the read buffer
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		if r.Header.Get("Authorization") == "Bearer secret" {
			authorized.Add(1)
		}
		if r.URL.Path == "/fail" {
			http.Error(w, "no", http.StatusInternalServerError)
			return
		}
		w.Write(body)
	}))
	defer srv.Close()

	ok, err := runLoad(context.Background(), loadSpec{url: srv.URL + "/ok", token: "secret", conns: 4, duration: 300 * time.Millisecond})
	require.NoError(t, err)
	require.Positive(t, ok.Requests)
	require.Zero(t, ok.Errors)
	require.Equal(t, len(body), ok.BytesPer)
	require.Equal(t, "bench", ok.Tool)
	// The server saw the warm-up's, the counted requests, the one sizing
	// the answer, and at most one cut short per connection at each end.
	require.GreaterOrEqual(t, served.Load(), int64(ok.Requests+1))
	require.Equal(t, served.Load(), authorized.Load())

	failed, err := runLoad(context.Background(), loadSpec{url: srv.URL + "/fail", conns: 2, duration: 200 * time.Millisecond})
	require.NoError(t, err)
	require.Positive(t, failed.Requests)
	require.Equal(t, failed.Requests, failed.Errors)
	require.Equal(t, -1, failed.BytesPer)
}

func TestRunLoadCountsARefusedConnectionAsAnError(t *testing.T) {
	port, err := freePort()
	require.NoError(t, err)
	r, err := runLoad(context.Background(), loadSpec{url: "http://127.0.0.1:" + strconv.Itoa(port) + "/", conns: 1, duration: 100 * time.Millisecond})
	require.NoError(t, err)
	require.Positive(t, r.Errors)
	require.Equal(t, r.Requests, r.Errors)
}

// A real output of wrk 4.1 with bench.lua.
func TestParseWrk(t *testing.T) {
	out, err := os.ReadFile("testdata/wrk.txt")
	require.NoError(t, err)
	r, err := parseWrk(string(out))
	require.NoError(t, err)
	require.Equal(t, "wrk", r.Tool)
	require.Positive(t, r.Requests)
	require.InDelta(t, float64(r.Requests)/r.Seconds, r.RPS, 1e-6)
	require.Less(t, r.P50ms, r.P99ms)
	require.LessOrEqual(t, r.P99ms, r.MaxMs)

	_, err = parseWrk("unable to connect to 127.0.0.1:1 Connection refused")
	require.Error(t, err)
}

func TestContentLength(t *testing.T) {
	for line, want := range map[string]int{"Content-Length: 42\r\n": 42, "content-length:7\r\n": 7, "CONTENT-LENGTH: 0\r\n": 0} {
		n, ok := contentLength([]byte(line))
		require.True(t, ok, line)
		require.Equal(t, want, n, line)
	}
	for _, line := range []string{"Content-Type: text/plain\r\n", "Content-Length: x\r\n", "\r\n"} {
		_, ok := contentLength([]byte(line))
		require.False(t, ok, line)
	}
}

func TestParseProcStatCPU(t *testing.T) {
	// utime 250 and stime 50 ticks: 3 s. The name holds a space and a parenthesis.
	stat := "1234 (api (x) y) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 8 0 100 1000 200\n"
	d, err := parseProcStatCPU(stat)
	require.NoError(t, err)
	require.Equal(t, 3*time.Second, d)
	_, err = parseProcStatCPU("garbage")
	require.Error(t, err)

	self, err := cpuTime(os.Getpid())
	require.NoError(t, err)
	require.GreaterOrEqual(t, self, time.Duration(0))
}

func TestSumCommandCalls(t *testing.T) {
	info := "# Commandstats\r\ncmdstat_get:calls=10,usec=20,usec_per_call=2.00,rejected_calls=0,failed_calls=0\r\n" +
		"cmdstat_evalsha:calls=5,usec=50,usec_per_call=10.00,rejected_calls=0,failed_calls=0\r\n" +
		"cmdstat_client|setname:calls=2,usec=1,usec_per_call=0.50,rejected_calls=0,failed_calls=0\r\n" +
		"cmdstat_info:calls=3,usec=300,usec_per_call=100.00,rejected_calls=0,failed_calls=0\r\n"
	require.Equal(t, int64(17), sumCommandCalls(info), "INFO, the bench's own, is left out")
}

func TestParseCounts(t *testing.T) {
	counts, err := parseCounts("1,2,4")
	require.NoError(t, err)
	require.Equal(t, []int{1, 2, 4}, counts)
	for _, bad := range []string{"", "2,1", "0", "1,x"} {
		_, err := parseCounts(bad)
		require.Error(t, err, bad)
	}
}

func TestPerJob(t *testing.T) {
	before := counters{statements: 100, redisCommands: 1000, cpu: time.Second}
	after := counters{statements: 300, redisCommands: 1500, cpu: 3 * time.Second}
	require.Equal(t, jobCosts{Statements: 20, RedisCommands: 50, CPUms: 200}, perJob(before, after, 10))
	require.Equal(t, jobCosts{}, perJob(before, after, 0))
}

func TestPromValues(t *testing.T) {
	page := "# HELP alex_db_pool_waits_total Connections taken after waiting for one to be free.\n" +
		"# TYPE alex_db_pool_waits_total counter\n" +
		"alex_db_pool_waits_total 1234\n" +
		"alex_db_pool_wait_seconds_total 5.5\n" +
		"alex_db_pool_max_connections 20\n" +
		"go_goroutines 42\n"
	require.Equal(t, map[string]float64{"alex_db_pool_waits_total": 1234, "alex_db_pool_wait_seconds_total": 5.5,
		"alex_db_pool_max_connections": 20}, promValues(page))
}

// The chart draws a bar per line with a goal, green when it is met, and
// is an SVG of its own (no external reference).
func TestChart(t *testing.T) {
	met, missed := true, false
	svg := chart([]line{
		{What: "read", Met: &met, Score: 2},
		{What: "jobs & <more>", Met: &missed, Score: 0.5},
		{What: "statements per job"}, // no goal: no bar
	})
	require.Contains(t, svg, `<svg xmlns="http://www.w3.org/2000/svg"`)
	require.Equal(t, 2, strings.Count(svg, `height="18"`), "one bar per line with a goal")
	require.Contains(t, svg, `fill="#27ae60"`)
	require.Contains(t, svg, `fill="#c0392b"`)
	require.Contains(t, svg, "jobs &amp; &lt;more&gt;")
	require.NotContains(t, svg, "statements per job")
	require.NotContains(t, strings.ReplaceAll(svg, "http://www.w3.org/2000/svg", ""), "http", "nothing loaded from elsewhere")
}
