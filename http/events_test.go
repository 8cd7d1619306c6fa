package http_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	alexhttp "github.com/alex-advisor/alex/http"
	"github.com/alex-advisor/alex/queue"
	"github.com/alex-advisor/alex/queue/redistest"
)

// withQueue gives the server a Queue on a Redis of the test's own, so that
// submitted jobs are enqueued and changes reach the event streams.
func withQueue(t testing.TB) apiOption {
	r := redistest.Start(t)
	q, err := queue.Open(r.URL())
	require.NoError(t, err)
	t.Cleanup(func() { _ = q.Close() })
	return withConfig(func(c *alexhttp.Config) { c.Queue = q })
}

// stream is one open GET /jobs/{id}/events, read line by line.
type stream struct {
	status int
	header http.Header
	lines  chan string // closed when the server ends the stream
	close  func()
}

func openStream(t testing.TB, base, token, jobID string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/jobs/"+jobID+"/events", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	s := &stream{status: resp.StatusCode, header: resp.Header, lines: make(chan string, 64),
		close: func() { cancel(); _ = resp.Body.Close() }}
	t.Cleanup(s.close)
	go func() {
		defer close(s.lines)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
	}()
	return s
}

// nextJob reads until the next `event: job` and returns its data's status.
// It fails when the stream ends first or nothing comes within a minute.
func (s *stream) nextJob(t testing.TB) (id, status string) {
	t.Helper()
	timeout := time.After(time.Minute)
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				t.Fatalf("the stream ended before the next job event")
			}
			data, found := strings.CutPrefix(line, "data: ")
			if !found {
				continue
			}
			var job struct{ ID, Status string }
			require.NoError(t, json.Unmarshal([]byte(data), &job))
			return job.ID, job.Status
		case <-timeout:
			t.Fatalf("no job event within a minute")
		}
	}
}

// waitStatus reads job events until one reads status: a pending job may
// send more events before (its stages get their tasks).
func (s *stream) waitStatus(t testing.TB, status string) (id string) {
	t.Helper()
	for {
		id, got := s.nextJob(t)
		if got == status {
			return id
		}
	}
}

// 20 streams for one user: those beyond the cap get 429 with Retry-After;
// each accepted one sends its own job's state, stays open while other
// traffic runs, and delivers the change that comes after it.
func TestEventStreamsAreCappedPerUserAndStayOpenUnderTraffic(t *testing.T) {
	a := newTestAPI(t, withQueue(t))
	base := a.listen(t)
	tok := a.token(t, "user_streams")
	jobs := []string{a.submitJob(t, tok), a.submitJob(t, tok), a.submitJob(t, tok)}

	streams := make([]*stream, 20)
	var wg sync.WaitGroup
	for i := range streams {
		wg.Go(func() { streams[i] = openStream(t, base, tok, jobs[i%len(jobs)]) })
	}
	wg.Wait()

	var accepted []int
	for i, s := range streams {
		switch s.status {
		case http.StatusOK:
			accepted = append(accepted, i)
		case http.StatusTooManyRequests:
			require.NotEmpty(t, s.header.Get("Retry-After"))
		default:
			t.Fatalf("stream %d answered %d", i, s.status)
		}
	}
	require.Len(t, accepted, alexhttp.DefaultMaxStreamsPerUser)
	for _, i := range accepted {
		id, status := streams[i].nextJob(t)
		require.Equal(t, jobs[i%len(jobs)], id, "stream %d reads its own job", i)
		require.Equal(t, "pending", status)
	}

	// Other traffic, long paths and short, while the streams are open.
	results := a.concurrently(t, 60, tok, func(i int) (string, string, any) {
		if i%2 == 0 {
			return http.MethodGet, "/api/v1/jobs/" + jobs[i%len(jobs)], nil
		}
		return http.MethodGet, "/api/accounts?" + strings.Repeat("x", i), nil
	})
	for _, r := range results {
		require.Equal(t, http.StatusOK, r.resp.StatusCode)
	}

	for _, id := range jobs {
		mustDo[map[string]any](t, a, http.MethodPost, "/api/v1/jobs/"+id+"/cancel", tok, nil, http.StatusAccepted)
	}
	for _, i := range accepted {
		id := streams[i].waitStatus(t, "cancelled")
		require.Equal(t, jobs[i%len(jobs)], id, "stream %d sees its job's change", i)
		for range streams[i].lines { // the server ends the stream after the terminal event
		}
	}

	// The ended streams gave their slots back.
	again := openStream(t, base, tok, jobs[0])
	require.Equal(t, http.StatusOK, again.status)
}

// A stream with nothing to say for 40 s gets heartbeats and stays open past
// the server's write timeout (30 s), then still delivers the next change.
func TestIdleEventStreamGetsHeartbeatsAndStaysOpen(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, withQueue(t))
	base := a.listen(t)
	tok := a.token(t, "user_idle_stream")
	jobID := a.submitJob(t, tok)
	s := openStream(t, base, tok, jobID)
	require.Equal(t, http.StatusOK, s.status)
	_, status := s.nextJob(t)
	require.Equal(t, "pending", status)

	heartbeats := 0
	deadline := time.After(2 * time.Minute)
	for heartbeats < 3 { // the third comes 45 s in
		select {
		case line, ok := <-s.lines:
			require.True(t, ok, "the stream was cut after %d heartbeats", heartbeats)
			if strings.HasPrefix(line, ":") {
				heartbeats++
			}
		case <-deadline:
			t.Fatalf("%d heartbeats in two minutes", heartbeats)
		}
	}
	mustDo[map[string]any](t, a, http.MethodPost, "/api/v1/jobs/"+jobID+"/cancel", tok, nil, http.StatusAccepted)
	require.Equal(t, jobID, s.waitStatus(t, "cancelled"))
}
