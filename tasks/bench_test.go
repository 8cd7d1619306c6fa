package tasks_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
)

// Both benchmarks run the real pipeline: two cmd/worker processes, the API
// router in the benchmark's process, PostgreSQL and a redis-server of the
// benchmark's own. Run them with
//
//	go test -run x -bench Job -benchtime 100x ./tasks/

// BenchmarkJobLatency submits one job at a time to idle workers and reports
// the submit→completed latency, as the frontend sees it: from the POST to
// the event that says completed.
func BenchmarkJobLatency(b *testing.B) {
	h, tok := pipelineUnderBench(b)
	ctx := context.Background()
	latencies := make([]time.Duration, 0, b.N)
	for b.Loop() {
		start := time.Now()
		id := h.submit(tok)
		waitCompleted(b, h, ctx, id)
		latencies = append(latencies, time.Since(start))
	}
	slices.Sort(latencies)
	b.ReportMetric(msAt(latencies, 0.50), "p50-ms")
	b.ReportMetric(msAt(latencies, 0.99), "p99-ms")
}

// BenchmarkJobThroughput submits b.N jobs at once and reports the jobs
// completed per second end to end.
func BenchmarkJobThroughput(b *testing.B) {
	h, tok := pipelineUnderBench(b)
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	ids := make([]string, b.N)
	for i := range ids {
		ids[i] = h.submit(tok)
	}
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() { waitCompleted(b, h, ctx, id) })
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "jobs/s")
}

func pipelineUnderBench(b *testing.B) (*harness, string) {
	h := newHarness(b, 1_000_000)
	bin := buildWorker(b)
	startWorkerProcess(b, bin, h, "w1")
	startWorkerProcess(b, bin, h, "w2")
	tok := h.token("user_bench")
	h.populate(tok)
	// A first job warms both workers' connections and prepared statements.
	waitCompleted(b, h, context.Background(), h.submit(tok))
	return h, tok
}

// waitCompleted waits for the job's completion event (reading the job after
// each), as an SSE client would.
func waitCompleted(tb testing.TB, h *harness, ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	watch, err := h.queue.WatchJobs(ctx)
	require.NoError(tb, err)
	defer watch.Close()
	events, stop := watch.Listen(id)
	defer stop()
	for {
		j, err := h.store.JobByID(ctx, id)
		require.NoError(tb, err)
		if j.Terminal() {
			require.Equal(tb, alex.StatusCompleted, j.Status, "job %s: %v", id, j.ErrorMessage)
			return
		}
		select {
		case <-events:
		case <-time.After(time.Second): // an event lost is only latency
		case <-ctx.Done():
			tb.Fatalf("job %s did not complete: %v", id, ctx.Err())
		}
	}
}

func msAt(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := min(int(float64(len(sorted))*q), len(sorted)-1)
	return float64(sorted[i].Microseconds()) / 1000
}
