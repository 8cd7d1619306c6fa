package queue

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// JobEvents fans the job changes of one Redis pattern subscription out to
// every listener of the process, so that a thousand open event streams cost
// one Redis connection, not a thousand.
type JobEvents struct {
	pubsub *redis.PubSub

	mu        sync.Mutex
	listeners map[string]map[chan struct{}]struct{}
}

// WatchJobs subscribes to the changes of every job until Close. It waits
// for Redis to confirm the subscription, so no change published after it
// returns is missed; when Redis does not answer, it returns the error with
// a JobEvents that goes on trying to subscribe (go-redis reconnects), so a
// server can start while Redis is down.
func (q *Queue) WatchJobs(ctx context.Context) (*JobEvents, error) {
	e := &JobEvents{
		pubsub:    q.rdb.PSubscribe(ctx, jobChannel("*")),
		listeners: map[string]map[chan struct{}]struct{}{},
	}
	recvCtx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	_, err := e.pubsub.Receive(recvCtx)
	go e.fanOut()
	if err != nil {
		return e, fmt.Errorf("subscribe to job events: %w", err)
	}
	return e, nil
}

func (e *JobEvents) fanOut() {
	for msg := range e.pubsub.Channel() {
		e.notify(strings.TrimPrefix(msg.Channel, jobChannelPrefix))
	}
}

func (e *JobEvents) notify(jobID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for ch := range e.listeners[jobID] {
		select {
		case ch <- struct{}{}:
		default: // a change is already pending; the reader will see both
		}
	}
}

// Listen returns a channel that receives a value when the job changes, and
// the func that stops listening.
func (e *JobEvents) Listen(jobID string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.listeners[jobID] == nil {
		e.listeners[jobID] = map[chan struct{}]struct{}{}
	}
	e.listeners[jobID][ch] = struct{}{}
	return ch, func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		delete(e.listeners[jobID], ch)
		if len(e.listeners[jobID]) == 0 {
			delete(e.listeners, jobID)
		}
	}
}

// Close ends the subscription.
func (e *JobEvents) Close() error { return e.pubsub.Close() }
