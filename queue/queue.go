// Package queue adapts Redis: asynq for stage tasks and pub/sub for job
// events. Redis holds nothing that PostgreSQL cannot rebuild.
//
// It may import nothing of this module: it carries ids and bytes.
package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Queue enqueues tasks and carries job events.
type Queue struct {
	client    *asynq.Client
	inspector *asynq.Inspector
	rdb       redis.UniversalClient
	rdbOpts   RedisOptions
	connOpt   asynq.RedisConnOpt
}

// callTimeout bounds every Redis call made on a request's behalf.
const callTimeout = 2 * time.Second

// Open connects to the Redis that url (REDIS_URL) names: one node,
// Sentinel or Cluster (see ParseRedisURL).
func Open(url string) (*Queue, error) {
	opts, err := ParseRedisURL(url)
	if err != nil {
		return nil, err
	}
	opts.setTimeouts(callTimeout)
	return &Queue{
		client:    asynq.NewClient(opts.Asynq),
		inspector: asynq.NewInspector(opts.Asynq),
		rdb:       opts.NewClient(),
		rdbOpts:   opts,
		connOpt:   opts.Asynq,
	}, nil
}

// ConnOpt is the asynq connection, for servers and schedulers.
func (q *Queue) ConnOpt() asynq.RedisConnOpt { return q.connOpt }

// Redis is the go-redis client, for caches that live beside the queues.
func (q *Queue) Redis() redis.UniversalClient { return q.rdb }

// Inspector reads queue state (Asynqmon and metrics use it too).
func (q *Queue) Inspector() *asynq.Inspector { return q.inspector }

// Close closes the connections.
func (q *Queue) Close() error {
	return errors.Join(q.client.Close(), q.inspector.Close(), q.rdb.Close())
}

// Ping checks that Redis answers.
func (q *Queue) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	if err := q.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	return nil
}

// Enqueue hands a task to asynq. A task whose id is already queued counts as
// enqueued: enqueueing twice is harmless by design.
func (q *Queue) Enqueue(ctx context.Context, t *asynq.Task, opts ...asynq.Option) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	_, err := q.client.EnqueueContext(ctx, t, opts...)
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) && !errors.Is(err, asynq.ErrDuplicateTask) {
		return fmt.Errorf("enqueue %s: %w", t.Type(), err)
	}
	return nil
}

// TaskState returns the state of a task in its queue; found is false when
// Redis has no such task.
func (q *Queue) TaskState(queueName, taskID string) (state asynq.TaskState, found bool, err error) {
	info, err := q.inspector.GetTaskInfo(queueName, taskID)
	switch {
	case err == nil:
		return info.State, true, nil
	case errors.Is(err, asynq.ErrTaskNotFound), errors.Is(err, asynq.ErrQueueNotFound):
		return 0, false, nil
	}
	return 0, false, err
}

// jobChannelPrefix names the pub/sub channel of each job's changes.
const jobChannelPrefix = "alex:job:"

func jobChannel(jobID string) string { return jobChannelPrefix + jobID }

// PublishJobChanged tells the job's listeners that it changed. Listeners
// read the job again, so a lost message costs only latency until the next.
func (q *Queue) PublishJobChanged(ctx context.Context, jobID string) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	return q.rdb.Publish(ctx, jobChannel(jobID), "changed").Err()
}
