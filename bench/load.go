package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sync"
	"time"
)

// loadSpec is a closed-loop load: conns connections, each sending the next
// request as soon as the last answered, for duration.
type loadSpec struct {
	url      string
	token    string // bearer token; empty: no Authorization header
	conns    int
	duration time.Duration
}

// loadResult is what a load measured. Latencies are in milliseconds.
type loadResult struct {
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"` // transport errors and non-2xx answers
	Seconds  float64 `json:"seconds"`
	RPS      float64 `json:"rps"`
	P50ms    float64 `json:"p50_ms"`
	P90ms    float64 `json:"p90_ms"`
	P99ms    float64 `json:"p99_ms"`
	MaxMs    float64 `json:"max_ms"`
	BytesPer int     `json:"bytes_per_response"`
}

// newClient is an HTTP client that keeps conns connections open to one host.
func newClient(conns int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			MaxConnsPerHost:     conns,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
		},
	}
}

// runLoad sends GET requests as loadSpec says, after a one-second warm-up
// that is not counted.
func runLoad(ctx context.Context, spec loadSpec) (loadResult, error) {
	client := newClient(spec.conns)
	defer client.CloseIdleConnections()
	if _, _, err := hammer(ctx, client, spec, time.Second); err != nil {
		return loadResult{}, err
	}
	start := time.Now()
	latencies, errs, err := hammer(ctx, client, spec, spec.duration)
	if err != nil {
		return loadResult{}, err
	}
	r := summarize(latencies, errs, time.Since(start))
	r.BytesPer = responseSize(ctx, client, spec)
	return r, nil
}

// hammer runs spec.conns loops for d and returns every latency (sorted)
// and the count of failed requests.
func hammer(ctx context.Context, client *http.Client, spec loadSpec, d time.Duration) ([]time.Duration, int, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	perConn := make([][]time.Duration, spec.conns)
	errs := make([]int, spec.conns)
	var wg sync.WaitGroup
	for i := range spec.conns {
		wg.Go(func() { perConn[i], errs[i] = loop(ctx, client, spec) })
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && ctx.Err() != context.DeadlineExceeded {
		return nil, 0, fmt.Errorf("load on %s: %w", spec.url, err)
	}
	all := slices.Concat(perConn...)
	slices.Sort(all)
	failed := 0
	for _, n := range errs {
		failed += n
	}
	return all, failed, nil
}

// loop is one connection's requests until ctx ends. A request cut short by
// the end of the run is not counted.
func loop(ctx context.Context, client *http.Client, spec loadSpec) ([]time.Duration, int) {
	latencies := make([]time.Duration, 0, 4096)
	failed := 0
	for ctx.Err() == nil {
		start := time.Now()
		_, ok := get(ctx, client, spec.url, spec.token)
		if ctx.Err() != nil {
			break
		}
		latencies = append(latencies, time.Since(start))
		if !ok {
			failed++
		}
	}
	return latencies, failed
}

// get sends one GET and reads the body, telling its size and whether it
// answered 2xx.
func get(ctx context.Context, client *http.Client, url, token string) (int64, bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, false
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, false
	}
	defer res.Body.Close()
	n, err := io.Copy(io.Discard, res.Body)
	return n, err == nil && res.StatusCode/100 == 2
}

// responseSize is the body size of one answer, or -1 if it failed.
func responseSize(ctx context.Context, client *http.Client, spec loadSpec) int {
	n, ok := get(ctx, client, spec.url, spec.token)
	if !ok {
		return -1
	}
	return int(n)
}

// summarize turns sorted latencies into a loadResult.
func summarize(sorted []time.Duration, errs int, elapsed time.Duration) loadResult {
	r := loadResult{Requests: len(sorted), Errors: errs, Seconds: elapsed.Seconds()}
	if elapsed > 0 {
		r.RPS = float64(len(sorted)) / elapsed.Seconds()
	}
	r.P50ms = ms(percentile(sorted, 50))
	r.P90ms = ms(percentile(sorted, 90))
	r.P99ms = ms(percentile(sorted, 99))
	r.MaxMs = ms(percentile(sorted, 100))
	return r
}

// percentile is the nearest-rank p-th percentile (0 < p ≤ 100) of sorted
// durations: the smallest value that at least p% of them do not exceed.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p * float64(len(sorted)) / 100))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
