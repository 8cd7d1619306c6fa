package queue_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex/queue"
	"github.com/alex-advisor/alex/queue/redistest"
)

// On a three-node Redis Cluster, everything the service asks of Redis
// works: one pattern subscription (on one node) hears the changes of jobs
// whose channels hash to every node, tasks are enqueued and inspected, and
// the rate limiter counts.
func TestQueueWorksOnARedisCluster(t *testing.T) {
	t.Parallel()
	cluster := redistest.StartCluster(t)
	q, err := queue.Open(cluster.URL())
	require.NoError(t, err)
	t.Cleanup(func() { q.Close() })
	_, isCluster := q.Redis().(*redis.ClusterClient)
	require.True(t, isCluster, "REDIS_URL=redis-cluster:// gives a cluster client")
	require.NoError(t, q.Ping(t.Context()))

	t.Run("job events", func(t *testing.T) { requireJobEventsArrive(t, q, 3) })

	t.Run("tasks", func(t *testing.T) {
		for i := range 5 {
			queueName := fmt.Sprintf("q%d", i) // asynq's keys of each queue share a hash tag: a slot per queue
			id := fmt.Sprintf("task-%d", i)
			require.NoError(t, q.Enqueue(t.Context(), asynq.NewTask("noop", nil), asynq.Queue(queueName), asynq.TaskID(id)))
			require.NoError(t, q.Enqueue(t.Context(), asynq.NewTask("noop", nil), asynq.Queue(queueName), asynq.TaskID(id)),
				"enqueueing twice is harmless on a cluster too")
			state, found, err := q.TaskState(queueName, id)
			require.NoError(t, err)
			require.True(t, found)
			require.Equal(t, asynq.TaskStatePending, state)
			info, err := q.Inspector().GetQueueInfo(queueName)
			require.NoError(t, err, "the queue metrics read GetQueueInfo")
			require.Equal(t, 1, info.Pending)
		}
		queues, err := q.Inspector().Queues()
		require.NoError(t, err)
		require.ElementsMatch(t, []string{"q0", "q1", "q2", "q3", "q4"}, queues)
	})

	t.Run("rate limits", func(t *testing.T) {
		limiter := q.NewRateLimiter(2, time.Minute)
		for _, want := range []bool{true, true, false} {
			allowed, _, err := limiter.Allow(t.Context(), "cluster_user")
			require.NoError(t, err)
			require.Equal(t, want, allowed)
		}
	})
}

// The Sentinel form reaches the master the Sentinel names, with the
// master's and the Sentinel's passwords.
func TestQueueWorksThroughRedisSentinel(t *testing.T) {
	t.Parallel()
	sentinel := redistest.StartSentinel(t)
	q, err := queue.Open(sentinel.URL())
	require.NoError(t, err)
	t.Cleanup(func() { q.Close() })
	require.NoError(t, q.Ping(t.Context()))
	requireJobEventsArrive(t, q, 1)
	require.NoError(t, q.Enqueue(t.Context(), asynq.NewTask("noop", nil), asynq.Queue("stages"), asynq.TaskID("t1")))
	state, found, err := q.TaskState("stages", "t1")
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, asynq.TaskStatePending, state)

	master := redis.NewClient(&redis.Options{Addr: sentinel.Master.Addr(), Password: redistest.SentinelMasterPassword})
	t.Cleanup(func() { master.Close() })
	n, err := master.Exists(t.Context(), "asynq:{stages}:t:t1").Result()
	require.NoError(t, err)
	require.EqualValues(t, 1, n, "the task is in the master the Sentinel names")
}

// requireJobEventsArrive publishes a change of many jobs and checks that
// the one subscription hears each; on a cluster, their channels hash to at
// least nodes different nodes.
func requireJobEventsArrive(t *testing.T, q *queue.Queue, nodes int) {
	t.Helper()
	events, err := q.WatchJobs(t.Context())
	require.NoError(t, err)
	t.Cleanup(func() { events.Close() })
	masters := map[string]bool{}
	for i := range 30 {
		jobID := fmt.Sprintf("job-%d", i)
		if c, ok := q.Redis().(*redis.ClusterClient); ok {
			m, err := c.MasterForKey(t.Context(), "alex:job:"+jobID)
			require.NoError(t, err)
			masters[m.Options().Addr] = true
		}
		changed, stop := events.Listen(jobID)
		require.NoError(t, q.PublishJobChanged(t.Context(), jobID))
		select {
		case <-changed:
		case <-time.After(10 * time.Second):
			t.Fatalf("the change of %s was not heard", jobID)
		}
		stop()
	}
	if nodes > 1 {
		require.Len(t, masters, nodes, "the jobs' channels hash to every node")
	}
}
