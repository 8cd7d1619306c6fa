package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/store"
	"github.com/alex-advisor/alex/store/storetest"
)

// Share links on both stores: only the hash is kept; a link ends when it
// expires, when its job's links are revoked and when its job is deleted.
func TestShareLinks(t *testing.T) {
	for name, open := range map[string]func(testing.TB) *store.Store{
		"postgres": func(tb testing.TB) *store.Store { s, _ := storetest.MustOpenSchema(tb); return s },
		"sqlite":   storetest.MustOpenSQLite,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := open(t)
			_, _, err := s.GetOrCreateUser(ctx, "owner", "Owner")
			require.NoError(t, err)
			job, _, _, err := s.CreateJob(ctx, store.NewJob{UserID: "owner", JobType: "portfolio_analysis", MaxActive: 3})
			require.NoError(t, err)
			later := time.Now().Add(time.Hour)

			require.NoError(t, s.CreateShareLink(ctx, "owner", job.ID, "token-a", later))
			require.Equal(t, alex.ENOTFOUND, alex.ErrorCode(s.CreateShareLink(ctx, "stranger", job.ID, "token-x", later)),
				"only the owner shares a job")
			shared, expires, err := s.SharedJob(ctx, "token-a")
			require.NoError(t, err)
			require.Equal(t, job.ID, shared.ID)
			require.Len(t, shared.JobStages, len(alex.Stages))
			require.WithinDuration(t, later, expires, time.Millisecond)

			var stored []string
			require.NoError(t, s.DB().Raw("SELECT token_hash FROM share_links").Scan(&stored).Error)
			require.Len(t, stored, 1)
			require.NotContains(t, stored[0], "token-a", "the token itself is not stored")
			require.Len(t, stored[0], 64, "its SHA-256, hex")

			require.NoError(t, s.CreateShareLink(ctx, "owner", job.ID, "token-old", time.Now().Add(-time.Second)))
			_, _, err = s.SharedJob(ctx, "token-old")
			require.Equal(t, alex.ENOTFOUND, alex.ErrorCode(err), "an expired link leads nowhere")
			_, _, err = s.SharedJob(ctx, "token-unknown")
			require.Equal(t, alex.ENOTFOUND, alex.ErrorCode(err))

			require.Equal(t, alex.ENOTFOUND, alex.ErrorCode(s.RevokeShareLinks(ctx, "stranger", job.ID)))
			require.NoError(t, s.RevokeShareLinks(ctx, "owner", job.ID))
			_, _, err = s.SharedJob(ctx, "token-a")
			require.Equal(t, alex.ENOTFOUND, alex.ErrorCode(err), "a revoked link leads nowhere")

			// No route deletes a job: the retention purge does, and takes its
			// links with it (a retention below zero reaches the job just
			// cancelled).
			require.NoError(t, s.CreateShareLink(ctx, "owner", job.ID, "token-b", later))
			_, err = s.CancelJob(ctx, "owner", job.ID)
			require.NoError(t, err)
			purged, err := s.Purge(ctx, store.Retention{Jobs: -time.Minute})
			require.NoError(t, err)
			require.EqualValues(t, 1, purged.Jobs)
			_, _, err = s.SharedJob(ctx, "token-b")
			require.Equal(t, alex.ENOTFOUND, alex.ErrorCode(err), "a deleted job's link leads nowhere")
			var left int64
			require.NoError(t, s.DB().Raw("SELECT count(*) FROM share_links").Scan(&left).Error)
			require.Zero(t, left)
		})
	}
}
