package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// wrkScript sets the Authorization header and, when wrk is done, prints
// one line of JSON with the counts and latency percentiles (microseconds).
const wrkScript = `
local token = os.getenv("BENCH_TOKEN")
if token ~= nil and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
`

// wrkReport is the line wrkScript prints.
type wrkReport struct {
	Requests   int   `json:"requests"`
	DurationUs int64 `json:"duration_us"`
	Bytes      int64 `json:"bytes"`
	Errors     int   `json:"errors"`
	P50us      int64 `json:"p50_us"`
	P90us      int64 `json:"p90_us"`
	P99us      int64 `json:"p99_us"`
	MaxUs      int64 `json:"max_us"`
}

// wrkPath is wrk's path, or "" when it is not installed.
func wrkPath() string {
	path, err := exec.LookPath("wrk")
	if err != nil {
		return ""
	}
	return path
}

// runWrk loads spec with wrk (2 threads, as many as the machine's CPUs
// allow without starving the server) after a one-second warm-up.
func runWrk(ctx context.Context, wrk, dir string, spec loadSpec) (loadResult, error) {
	script := filepath.Join(dir, "bench.lua")
	if err := os.WriteFile(script, []byte(wrkScript), 0o644); err != nil {
		return loadResult{}, fmt.Errorf("wrk script: %w", err)
	}
	if _, err := wrkOnce(ctx, wrk, script, spec, time.Second); err != nil { // warm-up
		return loadResult{}, err
	}
	out, err := wrkOnce(ctx, wrk, script, spec, spec.duration)
	if err != nil {
		return loadResult{}, err
	}
	r, err := parseWrk(out)
	if err != nil {
		return loadResult{}, err
	}
	r.BytesPer = responseSize(ctx, spec)
	return r, nil
}

func wrkOnce(ctx context.Context, wrk, script string, spec loadSpec, d time.Duration) (string, error) {
	cmd := exec.CommandContext(ctx, wrk, "-t", strconv.Itoa(min(2, spec.conns)), "-c", strconv.Itoa(spec.conns),
		"-d", fmt.Sprintf("%ds", max(1, int(d.Round(time.Second).Seconds()))), "--timeout", "10s", "-s", script, spec.url)
	cmd.Env = append(os.Environ(), "BENCH_TOKEN="+spec.token)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("wrk %s: %w\n%s", spec.url, err, out)
	}
	return string(out), nil
}

// parseWrk reads the BENCH_JSON line of wrk's output.
func parseWrk(out string) (loadResult, error) {
	for line := range strings.Lines(out) {
		raw, ok := strings.CutPrefix(strings.TrimSpace(line), "BENCH_JSON ")
		if !ok {
			continue
		}
		var w wrkReport
		if err := json.Unmarshal([]byte(raw), &w); err != nil {
			return loadResult{}, fmt.Errorf("wrk report %q: %w", raw, err)
		}
		seconds := float64(w.DurationUs) / 1e6
		r := loadResult{Tool: "wrk", Requests: w.Requests, Errors: w.Errors, Seconds: seconds,
			P50ms: float64(w.P50us) / 1000, P90ms: float64(w.P90us) / 1000,
			P99ms: float64(w.P99us) / 1000, MaxMs: float64(w.MaxUs) / 1000}
		if seconds > 0 {
			r.RPS = float64(w.Requests) / seconds
		}
		return r, nil
	}
	return loadResult{}, fmt.Errorf("no BENCH_JSON line in wrk output:\n%s", out)
}

// generatorCheck compares the bench's own generator with wrk on the same
// endpoint: rounds of each in turn, so that both see the same machine
// (other work on a shared machine comes and goes within seconds).
type generatorCheck struct {
	Rounds      int     `json:"rounds"`
	RoundSecond int     `json:"round_seconds"`
	WrkRPS      float64 `json:"wrk_rps"`
	OwnRPS      float64 `json:"own_rps"`
	Ratio       float64 `json:"ratio"` // own ÷ wrk
}

func checkGenerator(ctx context.Context, wrk, dir string, spec loadSpec, rounds int, round time.Duration) (generatorCheck, error) {
	script := filepath.Join(dir, "bench.lua")
	if err := os.WriteFile(script, []byte(wrkScript), 0o644); err != nil {
		return generatorCheck{}, fmt.Errorf("wrk script: %w", err)
	}
	c := generatorCheck{Rounds: rounds, RoundSecond: int(round.Seconds())}
	var wrkRequests, ownRequests int
	var wrkSeconds, ownSeconds float64
	for range rounds {
		out, err := wrkOnce(ctx, wrk, script, spec, round)
		if err != nil {
			return c, err
		}
		w, err := parseWrk(out)
		if err != nil {
			return c, err
		}
		wrkRequests, wrkSeconds = wrkRequests+w.Requests, wrkSeconds+w.Seconds
		start := time.Now()
		latencies, _, err := hammer(ctx, spec, round)
		if err != nil {
			return c, err
		}
		ownRequests, ownSeconds = ownRequests+len(latencies), ownSeconds+time.Since(start).Seconds()
	}
	c.WrkRPS = float64(wrkRequests) / wrkSeconds
	c.OwnRPS = float64(ownRequests) / ownSeconds
	c.Ratio = ratioOf(c.OwnRPS, c.WrkRPS)
	return c, nil
}
