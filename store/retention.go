package store

import (
	"context"
	"fmt"
	"time"

	"github.com/alex-advisor/alex"
)

// Retention says how long what the service keeps only for a while stays.
type Retention struct {
	// Jobs is how long a finished job (and what hangs off it: stages,
	// share links, its idempotency key) is kept after it finished.
	Jobs time.Duration
}

// deliveredOutboxKept is how long a delivered outbox row stays: long enough
// to read in an incident, short enough that the table stays small.
const deliveredOutboxKept = 24 * time.Hour

// Purged counts what a Purge deleted.
type Purged struct {
	Jobs, IdempotencyKeys, OutboxRows int64
	// PrivateInstruments are symbols users added, no provider confirmed
	// and nothing refers to any more.
	PrivateInstruments int64
}

// Purge deletes finished jobs older than the retention, idempotency keys
// past their window, delivered outbox rows past a day and the private
// instruments nobody holds or traded. Unfinished jobs are never touched,
// however old.
func (s *Store) Purge(ctx context.Context, r Retention) (Purged, error) {
	at := now()
	db := s.db.WithContext(ctx)
	var p Purged
	res := db.Exec(`DELETE FROM jobs WHERE status IN (?, ?, ?) AND COALESCE(completed_at, updated_at) < ?`,
		alex.StatusCompleted, alex.StatusFailed, alex.StatusCancelled, at.Add(-r.Jobs))
	if res.Error != nil {
		return p, fmt.Errorf("purge jobs: %w", translate(res.Error, "Job"))
	}
	p.Jobs = res.RowsAffected
	res = db.Exec(`DELETE FROM idempotency_keys WHERE created_at < ?`, at.Add(-idempotencyWindow))
	if res.Error != nil {
		return p, fmt.Errorf("purge idempotency keys: %w", translate(res.Error, "Idempotency key"))
	}
	p.IdempotencyKeys = res.RowsAffected
	res = db.Exec(`DELETE FROM outbox WHERE delivered_at < ?`, at.Add(-deliveredOutboxKept))
	if res.Error != nil {
		return p, fmt.Errorf("purge outbox: %w", translate(res.Error, "Outbox row"))
	}
	p.OutboxRows = res.RowsAffected
	res = db.Exec(`DELETE FROM instruments WHERE owner_user_id IS NOT NULL
		AND symbol NOT IN (SELECT symbol FROM positions)
		AND symbol NOT IN (SELECT symbol FROM transactions WHERE symbol IS NOT NULL)`)
	if res.Error != nil {
		return p, fmt.Errorf("purge private instruments: %w", translate(res.Error, "Instrument"))
	}
	p.PrivateInstruments = res.RowsAffected
	return p, nil
}
