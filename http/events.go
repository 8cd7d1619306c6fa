package http

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"
)

const (
	// sseHeartbeat keeps proxies from closing an idle stream and finds
	// clients that went away.
	sseHeartbeat = 15 * time.Second
	// ssePoll re-reads the job when no Redis event came: events speed the
	// stream up but are not needed for it to be right.
	ssePoll = 2 * time.Second
)

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
		},
	})
}

func (s *Server) jobEvents(c *fiber.Ctx) error {
	ctx := c.UserContext()
	uid, jobID := userID(ctx), c.Params("id")
	if _, err := s.cfg.Store.Job(ctx, uid, jobID); err != nil {
		return writeProblem(c, statusOf[alexCode(err)], errorDetail(err))
	}
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("X-Accel-Buffering", "no")
	// The writer runs after this handler returns: it must not touch c.
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		streamCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		defer cancel()
		go func() {
			select {
			case <-s.done:
				cancel()
			case <-streamCtx.Done():
			}
		}()
		s.streamJob(streamCtx, w, uid, jobID)
	})
	return nil
}

func (s *Server) streamJob(ctx context.Context, w *bufio.Writer, uid, jobID string) {
	var changed <-chan struct{}
	if s.cfg.Queue != nil {
		ch, unsubscribe, err := s.cfg.Queue.SubscribeJob(ctx, jobID)
		if err != nil {
			s.log.WarnContext(ctx, "job events unavailable; polling", "job_id", jobID, "err", err)
		} else {
			defer unsubscribe()
			changed = ch
		}
	}
	heartbeat := time.NewTicker(sseHeartbeat)
	defer heartbeat.Stop()
	poll := time.NewTicker(ssePoll)
	defer poll.Stop()
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
		case _, ok := <-changed:
			if !ok {
				changed = nil
			}
		case <-poll.C:
		case <-heartbeat.C:
			if _, err := w.WriteString(": heartbeat\n\n"); err != nil || w.Flush() != nil {
				return // the client went away
			}
		}
	}
}

func writeEvent(w *bufio.Writer, event, id string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "event: %s\nid: %s\ndata: %s\n\n", event, id, data); err != nil {
		return err
	}
	return w.Flush()
}
