package metrics_test

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex/metrics"
)

// The worker's metrics listener: /metrics answers until it is stopped, a
// port already taken fails the start, and a stopped listener is closed.
func TestServeAnswersOnItsOwnPort(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := prometheus.NewRegistry()
	metrics.NewStages(reg).Observe("planner", metrics.StageCompleted, 0)

	// A free port may be taken by a parallel test between its close and
	// the listen: try a few.
	var addr string
	var err error
	var stop func()
	for range 5 {
		free, lerr := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, lerr)
		addr = free.Addr().String()
		require.NoError(t, free.Close())
		if stop, err = metrics.Serve(addr, metrics.Handler(reg, "", ""), log); err == nil {
			break
		}
	}
	require.NoError(t, err)
	_, err = metrics.Serve(addr, metrics.Handler(reg, "", ""), log)
	require.Error(t, err, "the port is taken")
	resp, err := http.Get("http://" + addr + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), `alex_stage_runs_total{outcome="completed",stage="planner"} 1`)

	stop()
	_, err = net.Dial("tcp", addr)
	require.Error(t, err, "the listener is closed once stopped")
}
