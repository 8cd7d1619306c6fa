package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex/store"
	"github.com/alex-advisor/alex/store/storetest"
)

// Purge deletes finished jobs past the retention with what hangs off them,
// idempotency keys past their day and delivered outbox rows past theirs;
// an unfinished job stays however old, and so does a recent finished one.
func TestPurgeDeletesOnlyWhatOutlivedItsRetention(t *testing.T) {
	for name, open := range map[string]func(testing.TB) *store.Store{
		"postgres": storetest.MustOpenDB, "sqlite": storetest.MustOpenSQLite,
	} {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			ctx := context.Background()
			_, _, err := s.GetOrCreateUser(ctx, "user_purge", "Purge")
			require.NoError(t, err)
			submit := func(key string) string {
				j, _, _, err := s.CreateJob(ctx, store.NewJob{UserID: "user_purge", JobType: "portfolio_analysis",
					IdempotencyKey: key, MaxActive: 10})
				require.NoError(t, err)
				return j.ID
			}
			old, recent, stuck := submit("old"), submit("recent"), submit("")
			long := time.Now().UTC().Add(-100 * 24 * time.Hour)
			exec := func(sql string, args ...any) {
				require.NoError(t, s.DB().Exec(sql, args...).Error)
			}
			exec(`UPDATE jobs SET status = 'completed', completed_at = ? WHERE id = ?`, long, old)
			exec(`UPDATE jobs SET status = 'failed', completed_at = ? WHERE id = ?`, time.Now().UTC(), recent)
			exec(`UPDATE jobs SET created_at = ?, updated_at = ? WHERE id = ?`, long, long, stuck) // pending for ever
			exec(`UPDATE idempotency_keys SET created_at = ? WHERE job_id = ?`, long, recent)
			exec(`UPDATE outbox SET delivered_at = ?`, long)
			exec(`INSERT INTO instruments (symbol, name, instrument_type, owner_user_id) VALUES ('ZZZQ', 'ZZZQ - User Added', 'stock', 'user_purge')`)

			purged, err := s.Purge(ctx, store.Retention{Jobs: 90 * 24 * time.Hour})
			require.NoError(t, err)
			require.Equal(t, store.Purged{Jobs: 1, IdempotencyKeys: 1, OutboxRows: 2, PrivateInstruments: 1}, purged,
				"the old job (its key and outbox row went with it), the recent job's key, two outbox rows, the unheld private symbol")

			var ids []string
			require.NoError(t, s.DB().Raw(`SELECT id FROM jobs ORDER BY created_at`).Scan(&ids).Error)
			require.ElementsMatch(t, []string{recent, stuck}, ids)
			var stages int64
			require.NoError(t, s.DB().Raw(`SELECT count(*) FROM job_stages WHERE job_id = ?`, old).Scan(&stages).Error)
			require.Zero(t, stages, "the purged job's stages went with it")

			again, err := s.Purge(ctx, store.Retention{Jobs: 90 * 24 * time.Hour})
			require.NoError(t, err)
			require.Equal(t, store.Purged{}, again)
		})
	}
}
