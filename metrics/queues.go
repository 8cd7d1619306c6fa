package metrics

import (
	"log/slog"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
)

// QueueInspector is the part of asynq's Inspector the queue collector reads.
type QueueInspector interface {
	GetQueueInfo(queue string) (*asynq.QueueInfo, error)
}

// Queues exports the size of each asynq queue, read from Redis at scrape
// time, so the numbers are never staler than the scrape.
type Queues struct {
	inspector QueueInspector
	queues    []string
	log       *slog.Logger
	size      *prometheus.Desc
	latency   *prometheus.Desc
	up        *prometheus.Desc
}

// NewQueues returns a collector of the named queues; register it on a
// registry. Every replica that registers it reports the same sizes: sum
// with max by (queue), not sum.
func NewQueues(inspector QueueInspector, queues []string, log *slog.Logger) *Queues {
	return &Queues{
		inspector: inspector,
		queues:    queues,
		log:       log,
		size: prometheus.NewDesc("asynq_queue_size",
			"Tasks in an asynq queue, by queue and state (pending, active, scheduled, retry, archived, completed, aggregating).",
			[]string{"queue", "state"}, nil),
		latency: prometheus.NewDesc("asynq_queue_latency_seconds",
			"How long the oldest pending task of the queue has waited.",
			[]string{"queue"}, nil),
		up: prometheus.NewDesc("asynq_queue_up",
			"1 when the queue's state could be read from Redis at this scrape, else 0.",
			[]string{"queue"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (q *Queues) Describe(ch chan<- *prometheus.Desc) {
	ch <- q.size
	ch <- q.latency
	ch <- q.up
}

// Collect implements prometheus.Collector. A queue that does not exist yet
// (nothing was ever enqueued to it) and a Redis that does not answer both
// report up 0 without sizes rather than failing the whole scrape.
func (q *Queues) Collect(ch chan<- prometheus.Metric) {
	for _, name := range q.queues {
		info, err := q.inspector.GetQueueInfo(name)
		if err != nil {
			q.log.Debug("queue metrics not read", "queue", name, "err", err)
			ch <- prometheus.MustNewConstMetric(q.up, prometheus.GaugeValue, 0, name)
			continue
		}
		ch <- prometheus.MustNewConstMetric(q.up, prometheus.GaugeValue, 1, name)
		ch <- prometheus.MustNewConstMetric(q.latency, prometheus.GaugeValue, info.Latency.Seconds(), name)
		for state, n := range map[string]int{
			"pending": info.Pending, "active": info.Active, "scheduled": info.Scheduled,
			"retry": info.Retry, "archived": info.Archived, "completed": info.Completed,
			"aggregating": info.Aggregating,
		} {
			ch <- prometheus.MustNewConstMetric(q.size, prometheus.GaugeValue, float64(n), name, state)
		}
	}
}
