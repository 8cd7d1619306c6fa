package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one value", []time.Duration{7}, 99, 7},
		{"p50 of 1..100", hundred, 50, 50 * time.Millisecond},
		{"p99 of 1..100", hundred, 99, 99 * time.Millisecond},
		{"p100 is the max", hundred, 100, 100 * time.Millisecond},
		{"p1 of 1..100", hundred, 1, time.Millisecond},
		{"p99 of 10 is the max", hundred[:10], 99, 10 * time.Millisecond},
		{"p50 of 4 is the 2nd", hundred[:4], 50, 2 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, percentile(tt.sorted, tt.p))
		})
	}
}

func TestSummarize(t *testing.T) {
	sorted := []time.Duration{time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond, 40 * time.Millisecond}
	r := summarize(sorted, 1, 2*time.Second)
	require.Equal(t, 4, r.Requests)
	require.Equal(t, 1, r.Errors)
	require.InDelta(t, 2.0, r.RPS, 1e-9)
	require.InDelta(t, 2.0, r.P50ms, 1e-9)
	require.InDelta(t, 40.0, r.P99ms, 1e-9)
}

// The samples are real outputs of pgbench 15 and redis-benchmark 7.0 on
// this machine.
func TestParsePgbenchTPS(t *testing.T) {
	out, err := os.ReadFile("testdata/pgbench.txt")
	require.NoError(t, err)
	tps, err := parsePgbenchTPS(string(out))
	require.NoError(t, err)
	require.InDelta(t, 15956.308353, tps, 1e-6)

	_, err = parsePgbenchTPS("pgbench: error: connection to server failed")
	require.Error(t, err)
}

func TestParseRedisBenchmark(t *testing.T) {
	out, err := os.ReadFile("testdata/redis-benchmark.txt")
	require.NoError(t, err)
	require.Equal(t, map[string]float64{"SET": 24937.66, "GET": 27397.26}, parseRedisBenchmark(string(out)))
}

func TestParseProcStatus(t *testing.T) {
	status := strings.Join([]string{
		"Name:\tapi", "VmPeak:\t    3892 kB", "VmHWM:\t  204800 kB", "VmRSS:\t  102400 kB", "Threads:\t8",
	}, "\n")
	require.Equal(t, memory{RSSMiB: 100, PeakMiB: 200}, parseProcStatus(status))
}

func TestReadLineGoal(t *testing.T) {
	fast := loadResult{Tool: "wrk", RPS: 700, P99ms: 9}
	l := readLine("read", fast, 1000, 0.6, 10)
	require.True(t, *l.Met)
	require.InDelta(t, 0.7, l.Values["ratio"], 1e-9)
	require.InDelta(t, 10.0/9, l.Score, 1e-9) // the worse of 0.7/0.6 and 10/9

	slowTail := fast
	slowTail.P99ms = 11
	require.False(t, *readLine("read", slowTail, 1000, 0.6, 10).Met, "a p99 over the goal misses it")
	few := fast
	few.RPS = 500
	require.False(t, *readLine("read", few, 1000, 0.6, 10).Met, "a ratio under the goal misses it")
	failing := fast
	failing.Errors = 1
	require.False(t, *readLine("read", failing, 1000, 0.6, 10).Met, "errors miss it")
}

func TestPostgresURL(t *testing.T) {
	for base, want := range map[string]string{
		"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable": "postgres://postgres@127.0.0.1:5432/alex_bench?sslmode=disable",
		"postgres://postgres@127.0.0.1:5432":                          "postgres://postgres@127.0.0.1:5432/alex_bench",
	} {
		got, err := postgresURL(base, "alex_bench")
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
}

func TestLogWarnings(t *testing.T) {
	path := t.TempDir() + "/worker.log"
	log := `{"time":"2026-11-25T11:02:00Z","level":"WARN","msg":"task failed","type":"stage:charter","err":"database unavailable: ERROR: deadlock detected (SQLSTATE 40P01)"}
{"time":"2026-11-25T11:02:05Z","level":"WARN","msg":"stage runner went silent; queueing it again","stage":"charter"}
{"time":"2026-11-25T11:02:06Z","level":"INFO","msg":"worker running"}
not json
{"time":"2026-11-25T11:02:07Z","level":"WARN","msg":"task failed","err":"timeout"}
`
	require.NoError(t, os.WriteFile(path, []byte(log), 0o644))
	counts, err := logWarnings(path)
	require.NoError(t, err)
	require.Equal(t, map[string]int{
		"task failed": 2, "deadlock detected": 1, "stage runner went silent; queueing it again": 1,
	}, counts)
}

// Two readings of this machine's /proc/stat, 5 s apart.
func TestCPUTimes(t *testing.T) {
	before, err := parseCPUTimes("cpu  287937 0 60539 141186 3913 0 10902 6674 0 0\ncpu0 143968 0 30269 70593 1956 0 5451 3337 0 0\n")
	require.NoError(t, err)
	after, err := parseCPUTimes("cpu  288437 0 60639 141886 3913 0 10902 6774 0 0\n")
	require.NoError(t, err)
	d := after.since(before)
	require.Equal(t, cpuTimes{busy: 600, idle: 700, steal: 100}, d)
	require.InDelta(t, 600.0/1400*2, d.busyCPUs(2), 1e-9)
	require.InDelta(t, 100.0/1400*100, d.stealPercent(), 1e-9)
	require.Zero(t, cpuTimes{}.busyCPUs(2), "no readings, no figure")

	_, err = parseCPUTimes("intr 12345 0 0\n")
	require.Error(t, err)
}

func TestNoiseNote(t *testing.T) {
	require.Contains(t, noiseNote(0.05, 2, 0.3), "The machine was quiet")
	require.Contains(t, noiseNote(1.2, 2, 0.3), "Other work kept 1.20 of 2 CPUs busy")
	require.Contains(t, noiseNote(0.05, 2, 9), "the hypervisor took 9.0%")
}
