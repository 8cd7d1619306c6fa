package store_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex/store"
)

// A worker that completes a stage claims, in the same transaction, as many
// of the stages it made ready as it has free slots: they run at once in its
// process, with no task queued; the others are queued.
func TestCompleteStageAndClaim(t *testing.T) {
	onEachEngine(t, func(t *testing.T, m *machine) {
		cases := []struct {
			name  string
			slots int
			// claimed are the stages the completing worker runs, queued
			// those whose task it hands to the queue; the job's stages are
			// then in want.
			claimed, queued []string
			want            string
		}{
			{"no free slot: every ready stage waits for its task", 0, nil, []string{"charter", "reporter", "retirement"},
				state(running, completed, pending, pending, pending, pending)},
			{"one slot: the first ready stage by name", 1, []string{"charter"}, []string{"reporter", "retirement"},
				state(running, completed, running, pending, pending, pending)},
			{"two slots", 2, []string{"charter", "reporter"}, []string{"retirement"},
				state(running, completed, running, running, pending, pending)},
			{"as many slots as ready stages", 3, []string{"charter", "reporter", "retirement"}, []string{},
				state(running, completed, running, running, running, pending)},
			{"more slots than ready stages", 9, []string{"charter", "reporter", "retirement"}, []string{},
				state(running, completed, running, running, running, pending)},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				m := m.on(t)
				id := m.submit().ID
				c, err := m.s.CompleteStageAndClaim(m.ctx, id, "planner", m.claim(id, "planner"), []byte(resultOf("planner")), tc.slots)
				require.NoError(t, err)
				require.Equal(t, tc.queued, tasks(c.Next))
				require.Equal(t, append([]string{"planner"}, tc.queued...), m.outbox(id), "a claimed stage has no task")
				var names []string
				for _, cl := range c.Claimed {
					names = append(names, cl.Name)
					require.Equal(t, 1, cl.Attempt, cl.Name)
					require.Equal(t, store.TaskID(id, cl.Name, 0), cl.TaskID)
					require.Equal(t, &cl.TaskID, m.stage(id, cl.Name).TaskID, "the sweeper looks it up under its task id")
					_, err := m.s.ClaimStage(m.ctx, id, cl.Name, staleAfter)
					require.ErrorIs(t, err, store.ErrStageNotClaimed, "a worker woken for %s finds it running", cl.Name)
				}
				require.Equal(t, tc.claimed, names)
				require.Equal(t, tc.want, statuses(m.job(id)))
				if len(c.Claimed) == 0 {
					require.Empty(t, c.Job.ID, "no claimed stage, no job to hand over")
					return
				}
				require.Equal(t, id, c.Job.ID)
				require.JSONEq(t, resultOf("planner"), string(c.Job.Snapshot), "the claimed stages read the job as the completion left it")
				for _, cl := range c.Claimed {
					m.complete(id, cl.Name, cl.Attempt, resultOf(cl.Name)) // an in-process run's attempt completes
				}
				require.Equal(t, len(c.Claimed) == 3, slices.Contains(m.outbox(id), "summary"),
					"the summary is queued once every parallel stage completed")
			})
		}

		t.Run("the last stage claims nothing and completes the job", func(t *testing.T) {
			m := m.on(t)
			id := m.submit().ID
			m.run(id, "planner", "charter", "reporter", "retirement")
			c, err := m.s.CompleteStageAndClaim(m.ctx, id, "summary", m.claim(id, "summary"), []byte(resultOf("summary")), 4)
			require.NoError(t, err)
			require.Empty(t, c.Next)
			require.Empty(t, c.Claimed)
			require.Equal(t, state(completed, completed, completed, completed, completed, completed), statuses(m.job(id)))
		})

		t.Run("an attempt that lost claims nothing", func(t *testing.T) {
			m := m.on(t)
			id := m.submit().ID
			attempt := m.claim(id, "planner")
			m.cancel(id)
			_, err := m.s.CompleteStageAndClaim(m.ctx, id, "planner", attempt, []byte(resultOf("planner")), 3)
			require.ErrorIs(t, err, store.ErrStageNotClaimed)
			require.Equal(t, state(cancelled, cancelled, cancelled, cancelled, cancelled, cancelled), statuses(m.job(id)))
		})

		t.Run("the last parallel stage claims the summary", func(t *testing.T) {
			m := m.on(t)
			id := m.submit().ID
			m.run(id, "planner", "charter", "reporter")
			c, err := m.s.CompleteStageAndClaim(m.ctx, id, "retirement", m.claim(id, "retirement"), []byte(resultOf("retirement")), 1)
			require.NoError(t, err)
			require.Empty(t, c.Next)
			require.Equal(t, []store.ClaimedStage{{Name: "summary", Attempt: 1, TaskID: store.TaskID(id, "summary", 0)}}, c.Claimed)
			require.JSONEq(t, resultOf("retirement"), string(c.Job.RetirementPayload))
			require.Equal(t, state(running, completed, completed, completed, completed, running), statuses(m.job(id)))
		})

		t.Run("a claimed stage put back for a retry is queued again by the sweeper", func(t *testing.T) {
			m := m.on(t)
			id := m.submit().ID
			c, err := m.s.CompleteStageAndClaim(m.ctx, id, "planner", m.claim(id, "planner"), []byte(resultOf("planner")), 3)
			require.NoError(t, err)
			require.Len(t, c.Claimed, 3)
			require.NoError(t, m.s.RetryStage(m.ctx, id, "charter", c.Claimed[0].Attempt, "The chart failed."))
			waiting, err := m.s.WaitingStages(m.ctx, anyAge, 10)
			require.NoError(t, err)
			require.Len(t, waiting, 1)
			require.Equal(t, "charter", waiting[0].Name)
			require.Equal(t, store.TaskID(id, "charter", 0), *waiting[0].TaskID, "the sweeper finds no task of that id and requeues")
			require.NoError(t, m.s.Requeue(m.ctx, waiting[0], anyAge))
			require.Equal(t, []string{"planner", "charter:r1"}, m.outbox(id))
		})
	})
}
