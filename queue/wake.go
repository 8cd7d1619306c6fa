package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Wake-ups hand a task that was just queued to one idle worker at once, so
// that it need not wait for asynq's next poll of the queues (a second when
// idle). Each is a list item that one waiting worker pops (BLPOP): one
// worker wakes per task, not all of them. A wake-up is only a hint: the
// woken worker claims the task's stage in PostgreSQL, and the asynq task
// stays the durable record; one lost or popped by a worker that dies costs
// only the latency of a poll.
const (
	wakeKey = "alex:wake"
	// wakeBacklog bounds the list while no worker pops it (all busy, or
	// none running): older wake-ups are dropped, their tasks wait in asynq.
	wakeBacklog = 1000
	// wakeWait is how long one BLPOP blocks: an idle worker asks Redis once
	// per wakeWait, and a silently dead connection is noticed within it.
	wakeWait = 30 * time.Second
)

// Wake hands each message to an idle worker, if one waits.
func (q *Queue) Wake(ctx context.Context, msgs ...string) error {
	if len(msgs) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	args := make([]any, len(msgs))
	for i, m := range msgs {
		args[i] = m
	}
	_, err := q.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.RPush(ctx, wakeKey, args...)
		p.LTrim(ctx, wakeKey, -wakeBacklog, -1)
		return nil
	})
	if err != nil {
		return fmt.Errorf("wake: %w", err)
	}
	return nil
}

// Wakeups is a worker's wait for wake-ups, on a connection of its own so
// that Close interrupts a wait.
type Wakeups struct{ rdb redis.UniversalClient }

// Wakeups opens a wait for wake-ups.
func (q *Queue) Wakeups() *Wakeups { return &Wakeups{rdb: q.rdbOpts.NewClient()} }

// ErrNoWakeup is Next's answer when no wake-up came within its wait.
var ErrNoWakeup = errors.New("no wake-up")

// Next waits for the next wake-up and returns its message.
func (w *Wakeups) Next(ctx context.Context) (string, error) {
	kv, err := w.rdb.BLPop(ctx, wakeWait, wakeKey).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return "", ErrNoWakeup
	case err != nil:
		return "", fmt.Errorf("wait for a wake-up: %w", err)
	}
	return kv[1], nil
}

// Close ends the wait; a Next waiting returns an error.
func (w *Wakeups) Close() error { return w.rdb.Close() }
