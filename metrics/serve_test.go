package metrics_test

import (
	"context"
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

// The worker's metrics listener: /metrics answers until ctx ends, and a
// port already taken fails the start.
func TestServeAnswersOnItsOwnPort(t *testing.T) {
	t.Parallel()
	free, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := free.Addr().String()
	require.NoError(t, free.Close())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := prometheus.NewRegistry()
	metrics.NewStages(reg).Observe("planner", metrics.StageCompleted, 0)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	require.NoError(t, metrics.Serve(ctx, addr, metrics.Handler(reg, "", ""), log))
	require.Error(t, metrics.Serve(ctx, addr, metrics.Handler(reg, "", ""), log), "the port is taken")
	resp, err := http.Get("http://" + addr + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), `alex_stage_runs_total{outcome="completed",stage="planner"} 1`)
}
