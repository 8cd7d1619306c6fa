package http

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"
)

const (
	// sseHeartbeat keeps proxies from closing an idle stream and finds
	// clients that went away. Each heartbeat also reads the job again: a
	// change message lost to a Redis reconnect costs at most this long.
	sseHeartbeat = 15 * time.Second
	// sseWriteTimeout cuts a stream whose client stopped reading; it is
	// set afresh before each write, so a healthy stream lives as long as
	// its job, past the server's WriteTimeout.
	sseWriteTimeout = 30 * time.Second
	// DefaultMaxStreamsPerUser is the cap of open event streams per user
	// and process when Config.MaxStreamsPerUser is 0.
	DefaultMaxStreamsPerUser = 10
)

// openStreams counts each user's open event streams in this process.
type openStreams struct {
	mu     sync.Mutex
	byUser map[string]int
}

// acquire takes one of the user's max stream slots; false when all are taken.
func (o *openStreams) acquire(uid string, max int) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.byUser[uid] >= max {
		return false
	}
	if o.byUser == nil {
		o.byUser = map[string]int{}
	}
	o.byUser[uid]++
	return true
}

func (o *openStreams) release(uid string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.byUser[uid]--; o.byUser[uid] <= 0 {
		delete(o.byUser, uid)
	}
}

// registerJobEvents serves GET /jobs/{id}/events as server-sent events. It is
// a plain Fiber route (huma buffers Fiber responses), documented by hand.
func (s *Server) registerJobEvents() {
	path := "/api/v1/jobs/:id/events"
	s.app.Get(path, s.jobEvents)
	s.api.OpenAPI().AddOperation(&huma.Operation{
		OperationID: "job-events", Method: fiber.MethodGet, Path: "/api/v1/jobs/{id}/events",
		Summary: "Stream a job's changes as server-sent events",
		Description: "`text/event-stream`: an `event: job` with the job's JSON (the shape of GET /jobs/{id}) " +
			"first, then one per status or stage change, closed after the terminal one. " +
			"Comment lines are heartbeats.",
		Tags: []string{"jobs"}, Security: bearer,
		Parameters: []*huma.Param{{Name: "id", In: "path", Required: true, Schema: &huma.Schema{Type: "string", Format: "uuid"}}},
		Responses: map[string]*huma.Response{
			"200": {Description: "The event stream", Content: map[string]*huma.MediaType{"text/event-stream": {Schema: &huma.Schema{Type: "string"}}}},
			"404": {Description: "No such job of the user's"},
			"429": {Description: "The user has as many streams open as allowed (MAX_STREAMS_PER_USER); close one"},
		},
	})
}

func (s *Server) jobEvents(c *fiber.Ctx) error {
	ctx := c.UserContext()
	uid, jobID := userID(ctx), c.Params("id")
	if _, err := s.cfg.Store.Job(ctx, uid, jobID); err != nil {
		return writeProblem(c, statusOf[alexCode(err)], errorDetail(err))
	}
	if !s.streams.acquire(uid, s.cfg.MaxStreamsPerUser) {
		c.Set(fiber.HeaderRetryAfter, "30")
		return writeProblem(c, fiber.StatusTooManyRequests, fmt.Sprintf(
			"You have %d event streams open, the most allowed; close one or poll the job instead.", s.cfg.MaxStreamsPerUser))
	}
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("X-Accel-Buffering", "no")
	conn := c.Context().Conn()
	// The writer runs after this handler returns: it must not touch c.
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer s.streams.release(uid)
		streamCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		defer cancel()
		go func() {
			select {
			case <-s.done:
				cancel()
			case <-streamCtx.Done():
			}
		}()
		s.streamJob(streamCtx, deadlineWriter{conn: conn, w: w}, uid, jobID)
	})
	return nil
}

// deadlineWriter gives each write of a stream sseWriteTimeout of its own.
type deadlineWriter struct {
	conn net.Conn
	w    *bufio.Writer
}

// send writes s and flushes it to the client.
func (d deadlineWriter) send(s string) error {
	if err := d.conn.SetWriteDeadline(time.Now().Add(sseWriteTimeout)); err != nil {
		return err
	}
	if _, err := d.w.WriteString(s); err != nil {
		return err
	}
	return d.w.Flush()
}

func (s *Server) streamJob(ctx context.Context, w deadlineWriter, uid, jobID string) {
	var changed <-chan struct{}
	if s.jobChanges != nil {
		ch, stop := s.jobChanges.Listen(jobID)
		defer stop()
		changed = ch
	}
	heartbeat := time.NewTicker(sseHeartbeat)
	defer heartbeat.Stop()
	lastETag := ""
	for {
		j, err := s.cfg.Store.Job(ctx, uid, jobID)
		if err != nil {
			if ctx.Err() == nil {
				s.log.WarnContext(ctx, "job stream read failed", "job_id", jobID, "err", err)
			}
			return
		}
		if etag := etagOf(j); etag != lastETag {
			lastETag = etag
			if writeEvent(w, "job", etag, jobOf(j)) != nil || j.Terminal() {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-heartbeat.C:
			if w.send(": heartbeat\n\n") != nil {
				return // the client went away
			}
		}
	}
}

func writeEvent(w deadlineWriter, event, id string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return w.send(fmt.Sprintf("event: %s\nid: %s\ndata: %s\n\n", event, id, data))
}
