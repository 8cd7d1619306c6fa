package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
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
	Tool     string  `json:"tool"` // wrk or bench (the bench's own generator)
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

// runLoad sends GET requests as loadSpec says with the bench's own
// generator, after a one-second warm-up that is not counted.
//
// The generator speaks HTTP/1.1 on raw keep-alive connections with the
// request bytes built once, as wrk does: on a 2-core machine the load
// generator shares the CPUs with the server, and net/http's client spent
// several times the CPU per request that wrk does, so it measured the
// generator as much as the server (0.36× pgbench where wrk read 2×).
func runLoad(ctx context.Context, spec loadSpec) (loadResult, error) {
	if _, _, err := hammer(ctx, spec, time.Second); err != nil {
		return loadResult{}, err
	}
	start := time.Now()
	latencies, errs, err := hammer(ctx, spec, spec.duration)
	if err != nil {
		return loadResult{}, err
	}
	r := summarize(latencies, errs, time.Since(start))
	r.Tool = "bench"
	r.BytesPer = responseSize(ctx, spec)
	return r, nil
}

// hammer runs spec.conns connections for d and returns every latency
// (sorted) and the count of failed requests.
func hammer(ctx context.Context, spec loadSpec, d time.Duration) ([]time.Duration, int, error) {
	req, addr, err := rawRequest(spec.url, spec.token)
	if err != nil {
		return nil, 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	perConn := make([][]time.Duration, spec.conns)
	errs := make([]int, spec.conns)
	var wg sync.WaitGroup
	for i := range spec.conns {
		wg.Go(func() { perConn[i], errs[i] = loop(ctx, addr, req) })
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

// loop is one connection's requests until ctx ends; a broken connection is
// dialled again. A request cut short by the end of the run is not counted.
func loop(ctx context.Context, addr string, req []byte) ([]time.Duration, int) {
	latencies := make([]time.Duration, 0, 4096)
	failed := 0
	var c *httpConn
	stop := context.AfterFunc(ctx, func() {
		if c != nil {
			c.conn.SetDeadline(time.Now()) // unblocks the read in flight
		}
	})
	defer stop()
	for ctx.Err() == nil {
		start := time.Now()
		if c == nil {
			conn, err := dialHTTP(ctx, addr)
			if err != nil {
				if ctx.Err() == nil {
					failed++
					latencies = append(latencies, time.Since(start))
				}
				continue
			}
			c = conn
		}
		status, _, err := c.do(req)
		if ctx.Err() != nil {
			break
		}
		latencies = append(latencies, time.Since(start))
		if err != nil {
			c.conn.Close()
			c = nil
		}
		if err != nil || status/100 != 2 {
			failed++
		}
	}
	if c != nil {
		c.conn.Close()
	}
	return latencies, failed
}

// rawRequest is the bytes of a GET of rawURL and the address to send them to.
func rawRequest(rawURL, token string) ([]byte, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "http" {
		return nil, "", fmt.Errorf("load: want an http:// URL, got %q", rawURL)
	}
	req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: alex-bench\r\n", u.RequestURI(), u.Host)
	if token != "" {
		req += "Authorization: Bearer " + token + "\r\n"
	}
	return []byte(req + "\r\n"), u.Host, nil
}

// httpConn is one keep-alive connection.
type httpConn struct {
	conn net.Conn
	r    *bufio.Reader
}

func dialHTTP(ctx context.Context, addr string) (*httpConn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return &httpConn{conn: conn, r: bufio.NewReaderSize(conn, 32<<10)}, nil
}

var errNoLength = errors.New("load: an answer with neither Content-Length nor chunks")

// do sends req and reads the answer: its status and body size. Any error
// leaves the connection unusable.
func (c *httpConn) do(req []byte) (status, size int, err error) {
	if _, err := c.conn.Write(req); err != nil {
		return 0, 0, err
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return 0, 0, err
	}
	if len(line) < 12 || string(line[:5]) != "HTTP/" {
		return 0, 0, fmt.Errorf("load: bad status line %q", line)
	}
	if status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return 0, 0, fmt.Errorf("load: bad status line %q", line)
	}
	size, chunked := -1, false
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return 0, 0, err
		}
		if len(line) <= 2 { // the blank line ending the headers
			break
		}
		if n, ok := contentLength(line); ok {
			size = n
		}
		chunked = chunked || isChunked(line)
	}
	switch {
	case chunked:
		size, err = c.discardChunks()
		return status, size, err
	case size < 0:
		return 0, 0, errNoLength
	}
	if _, err := c.r.Discard(size); err != nil {
		return 0, 0, err
	}
	return status, size, nil
}

// discardChunks reads a chunked body and returns its size.
func (c *httpConn) discardChunks() (int, error) {
	size := 0
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		hex, _, _ := strings.Cut(string(trimSpace(line)), ";")
		n, err := strconv.ParseInt(hex, 16, 32)
		if err != nil {
			return 0, fmt.Errorf("load: bad chunk size %q", line)
		}
		if n == 0 { // the last chunk, then trailers up to a blank line
			for {
				line, err := c.r.ReadSlice('\n')
				if err != nil {
					return 0, err
				}
				if len(line) <= 2 {
					return size, nil
				}
			}
		}
		if _, err := c.r.Discard(int(n) + 2); err != nil { // the chunk and its CRLF
			return 0, err
		}
		size += int(n)
	}
}

func isChunked(line []byte) bool {
	if len(line) == 0 || line[0]|0x20 != 't' {
		return false
	}
	h := strings.ToLower(string(line))
	return strings.HasPrefix(h, "transfer-encoding:") && strings.Contains(h, "chunked")
}

// contentLength reads a Content-Length header line, in any case.
func contentLength(line []byte) (int, bool) {
	const name = "content-length:"
	if len(line) <= len(name) {
		return 0, false
	}
	for i := range len(name) {
		if line[i]|0x20 != name[i] { // name's bytes all have 0x20 set
			return 0, false
		}
	}
	n, err := strconv.Atoi(string(trimSpace(line[len(name):])))
	return n, err == nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == '\r' || b[len(b)-1] == '\n' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}

// responseSize is the body size of one answer, or -1 if it failed.
func responseSize(ctx context.Context, spec loadSpec) int {
	req, addr, err := rawRequest(spec.url, spec.token)
	if err != nil {
		return -1
	}
	c, err := dialHTTP(ctx, addr)
	if err != nil {
		return -1
	}
	defer c.conn.Close()
	status, n, err := c.do(req)
	if err != nil || status/100 != 2 {
		return -1
	}
	return n
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
