package tasks

import (
	"context"
	"log/slog"

	"github.com/hibiken/asynq"

	"github.com/alex-advisor/alex/store"
)

// TypePurge is the daily task that deletes what outlived its retention.
const TypePurge = "maintenance:purge"

// DefaultPurgeCron runs the purge daily at 03:17 UTC, away from the
// refreshes and from midnight.
const DefaultPurgeCron = "CRON_TZ=UTC 17 3 * * *"

// Purger deletes finished jobs past JOB_RETENTION, spent idempotency keys
// and delivered outbox rows (store.Purge).
type Purger struct {
	Store     *store.Store
	Retention store.Retention
	Log       *slog.Logger
}

// Purge runs one purge and logs what it deleted.
func (p *Purger) Purge(ctx context.Context) error {
	purged, err := p.Store.Purge(ctx, p.Retention)
	if err != nil {
		return err
	}
	p.Log.InfoContext(ctx, "purged", "jobs", purged.Jobs, "idempotency_keys", purged.IdempotencyKeys,
		"outbox_rows", purged.OutboxRows, "private_instruments", purged.PrivateInstruments, "job_retention_days", p.Retention.Jobs.Hours()/24)
	return nil
}

func (p *Purger) register(mux *asynq.ServeMux) {
	mux.HandleFunc(TypePurge, func(ctx context.Context, _ *asynq.Task) error { return p.Purge(ctx) })
}
