package store_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/store"
	"github.com/alex-advisor/alex/store/storetest"
)

// together runs f(0..n-1) in n goroutines released at once, and waits.
func together(n int, f func(i int)) {
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(n)
	done.Add(n)
	for i := range n {
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			f(i)
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
}

// Workers that got the same task (a redelivery, a requeue) claim its stage
// at once: exactly one attempt wins, the others run nothing.
func TestConcurrentClaimsOfOneStage(t *testing.T) {
	onEachEngine(t, func(t *testing.T, m *machine) {
		cases := []struct {
			name    string
			setup   func(m *machine, id string)
			stage   string
			attempt int
		}{
			{name: "the planner of a pending job", stage: "planner", attempt: 1},
			{name: "a parallel stage", stage: "reporter", attempt: 1,
				setup: func(m *machine, id string) { m.run(id, "planner") }},
			{name: "a stage whose runner died", stage: "planner", attempt: 2,
				setup: func(m *machine, id string) {
					m.claim(id, "planner")
					m.stopBeating(id, "planner")
				}},
		}
		const workers = 8
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				m := m.on(t)
				id := m.submit().ID
				if c.setup != nil {
					c.setup(m, id)
				}
				attempts := make([]int, workers)
				errs := make([]error, workers)
				together(workers, func(i int) {
					attempts[i], errs[i] = m.s.ClaimStage(m.ctx, id, c.stage, staleAfter)
				})
				won := 0
				for i, err := range errs {
					if err == nil {
						won++
						require.Equal(t, c.attempt, attempts[i])
						continue
					}
					require.ErrorIs(t, err, store.ErrStageNotClaimed)
				}
				require.Equal(t, 1, won, "exactly one worker runs the stage")
				st := m.stage(id, c.stage)
				require.Equal(t, running, st.Status)
				require.Equal(t, c.attempt, st.Attempts, "the losers counted no attempt")
			})
		}
	})
}

// The three parallel stages complete at once: exactly one completion sees
// the others done and queues the summary, once.
func TestParallelStagesCompletingTogetherQueueTheSummaryOnce(t *testing.T) {
	onEachEngine(t, func(t *testing.T, m *machine) {
		parallel := []string{"charter", "reporter", "retirement"}
		for range 5 {
			id := m.submit().ID
			m.run(id, "planner")
			attempts := make([]int, len(parallel))
			for i, st := range parallel {
				attempts[i] = m.claim(id, st)
			}
			next := make([][]store.OutboxTask, len(parallel))
			errs := make([]error, len(parallel))
			together(len(parallel), func(i int) {
				next[i], errs[i] = m.s.CompleteStage(m.ctx, id, parallel[i], attempts[i], []byte(resultOf(parallel[i])))
			})
			var queued []string
			for i := range parallel {
				require.NoError(t, errs[i], parallel[i])
				queued = append(queued, tasks(next[i])...)
			}
			require.Equal(t, []string{"summary"}, queued, "one completion queued the summary")
			require.Equal(t, []string{"planner", "charter", "reporter", "retirement", "summary"}, m.outbox(id))
			require.Equal(t, state(running, completed, completed, completed, completed, pending), statuses(m.job(id)))
			require.Equal(t, 1, m.claim(id, "summary"))
		}
	})
}

// A cancel racing a completion: the job ends either completed, with every
// stage's result, or cancelled, without the lost stage's result; never a
// mix, and each caller is told which.
func TestCancelRacingACompletion(t *testing.T) {
	onEachEngine(t, func(t *testing.T, m *machine) {
		for _, stage := range []string{"planner", "summary"} {
			t.Run(stage, func(t *testing.T) {
				m := m.on(t)
				seen := map[string]int{}
				for range 6 {
					id := m.submit().ID
					if stage == "summary" {
						m.run(id, "planner", "charter", "reporter", "retirement")
					}
					attempt := m.claim(id, stage)
					var completeErr, cancelErr error
					together(2, func(i int) {
						if i == 0 {
							_, completeErr = m.s.CompleteStage(m.ctx, id, stage, attempt, []byte(resultOf(stage)))
							return
						}
						_, cancelErr = m.s.CancelJob(m.ctx, m.user, id)
					})
					j := m.job(id)
					st := m.stage(id, stage)
					switch {
					case completeErr == nil && cancelErr == nil:
						// The completion first, then the cancel of what
						// followed it.
						require.NotEqual(t, "summary", stage, "a completed job cannot be cancelled")
						require.Equal(t, state(cancelled, completed, cancelled, cancelled, cancelled, cancelled), statuses(j))
						require.NotNil(t, j.Snapshot)
					case completeErr == nil:
						require.Equal(t, alex.ECONFLICT, alex.ErrorCode(cancelErr), cancelErr)
						require.Equal(t, "The job has already completed.", alex.ErrorMessage(cancelErr))
						require.Equal(t, state(completed, completed, completed, completed, completed, completed), statuses(j))
						require.NotNil(t, j.SummaryPayload)
					default:
						require.ErrorIs(t, completeErr, store.ErrStageNotClaimed)
						require.NoError(t, cancelErr)
						require.Equal(t, cancelled, j.Status)
						require.Equal(t, cancelled, st.Status, "the stage's result is discarded")
						if stage == "planner" {
							require.Nil(t, j.Snapshot)
						} else {
							require.Nil(t, j.SummaryPayload)
						}
						seen["cancel won"]++
						continue
					}
					seen["completion won"]++
				}
				t.Logf("outcomes: %v", seen)
			})
		}
	})
}

// A stage fails while its siblings complete at once: the job ends failed,
// the siblings that lost discard their result, and no summary is queued.
func TestFailureRacingSiblingCompletions(t *testing.T) {
	onEachEngine(t, func(t *testing.T, m *machine) {
		for range 5 {
			id := m.submit().ID
			m.run(id, "planner")
			charter, reporter, retirement := m.claim(id, "charter"), m.claim(id, "reporter"), m.claim(id, "retirement")
			errs := make([]error, 3)
			var next [][]store.OutboxTask = make([][]store.OutboxTask, 3)
			together(3, func(i int) {
				switch i {
				case 0:
					errs[i] = m.s.FailStage(m.ctx, id, "reporter", reporter, "No prices.", "The report failed.")
				case 1:
					next[i], errs[i] = m.s.CompleteStage(m.ctx, id, "charter", charter, []byte(resultOf("charter")))
				case 2:
					next[i], errs[i] = m.s.CompleteStage(m.ctx, id, "retirement", retirement, []byte(resultOf("retirement")))
				}
			})
			require.NoError(t, errs[0], "the failure always lands: the stage was its attempt's")
			j := m.job(id)
			require.Equal(t, failed, j.Status)
			for i, name := range []string{"", "charter", "retirement"} {
				if i == 0 {
					continue
				}
				st := m.stage(id, name)
				if errs[i] == nil {
					require.Equal(t, completed, st.Status, name)
				} else {
					require.True(t, errors.Is(errs[i], store.ErrStageNotClaimed), "%s: %v", name, errs[i])
					require.Equal(t, cancelled, st.Status, name)
				}
				require.Empty(t, next[i], "nothing follows a failed stage")
			}
			require.Equal(t, failed, m.stage(id, "reporter").Status)
			require.Equal(t, cancelled, m.stage(id, "summary").Status)
			require.NotContains(t, m.outbox(id), "summary")
		}
	})
}

// A stage's failure that PostgreSQL aborts to break a deadlock is tried
// again and lands. The deadlock is the one CI met: the failure holds the
// failed stage's row and waits for a sibling's, to cancel it, while a
// delivery marking the siblings' task ids holds that one and waits for the
// failed stage's. Lost, the failure left the stage running until the
// sweeper ran it again. PostgreSQL only: SQLite locks the whole database.
func TestFailureAbortedByADeadlockIsRetried(t *testing.T) {
	t.Parallel()
	s, schema := storetest.MustOpenSchema(t)
	m := newMachine(t, s)
	id := m.submit().ID
	m.run(id, "planner")
	attempt := m.claim(id, "retirement")
	// The failure's connections look for a deadlock 3 s into a wait, the
	// delivery's after a minute: whenever in those 3 s the delivery begins
	// to wait, the failure is the one PostgreSQL aborts.
	url, sep := storetest.URL(), "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	url += sep + "deadlock_timeout=3s"
	failing, err := store.Open(m.ctx, store.Options{URL: url, Schema: schema, MaxOpenConns: 2})
	require.NoError(t, err)
	t.Cleanup(func() { failing.Close() })

	delivery := s.DB().Begin()
	t.Cleanup(func() { delivery.Rollback() })
	require.NoError(t, delivery.Exec("SET LOCAL deadlock_timeout = '1min'").Error)
	var deliveryPID int
	require.NoError(t, delivery.Raw("SELECT pg_backend_pid()").Scan(&deliveryPID).Error)
	require.NoError(t, delivery.Exec("UPDATE job_stages SET enqueued_at = now() WHERE job_id = ? AND name = 'charter'", id).Error)

	failure := make(chan error, 1)
	go func() {
		failure <- failing.FailStage(m.ctx, id, "retirement", attempt, "No projection.", "The projection failed.")
	}()
	waitBlocked(t, s, deliveryPID, "UPDATE job_stages SET status = 'cancelled'", "the failure waits for the charter's row")
	require.NoError(t, delivery.Exec("UPDATE job_stages SET enqueued_at = now() WHERE job_id = ? AND name = 'retirement'", id).Error)
	require.NoError(t, delivery.Commit().Error)

	require.NoError(t, <-failure, "the failure was tried again after the deadlock")
	j := m.job(id)
	require.Equal(t, state(failed, completed, cancelled, cancelled, failed, cancelled), statuses(j))
	require.Equal(t, "The projection failed.", *j.ErrorMessage)
}

// waitBlocked waits until a statement starting with query waits for a lock
// that the backend pid holds.
func waitBlocked(t *testing.T, s *store.Store, pid int, query, msg string) {
	t.Helper()
	require.Eventually(t, func() bool {
		var waiting int
		s.DB().Raw(`SELECT count(*) FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid)) AND starts_with(query, ?)`,
			pid, query).Scan(&waiting)
		return waiting == 1
	}, 10*time.Second, 5*time.Millisecond, msg)
}

// A completion claims the stages it made ready while a worker woken for one
// of them claims it too: the completion waits for that worker's row, and
// then leaves the stage to it instead of claiming it a second time.
// PostgreSQL only: SQLite runs one writer at a time.
func TestCompletionLeavesAStageClaimedMeanwhile(t *testing.T) {
	t.Parallel()
	s, _ := storetest.MustOpenSchema(t)
	m := newMachine(t, s)
	id := m.submit().ID
	planner := m.claim(id, "planner")

	// The woken worker's claim, held open until the completion waits on it.
	woken := s.DB().Begin()
	t.Cleanup(func() { woken.Rollback() })
	var wokenPID int
	require.NoError(t, woken.Raw("SELECT pg_backend_pid()").Scan(&wokenPID).Error)
	require.NoError(t, woken.Exec(`UPDATE job_stages SET status = 'running', attempts = attempts + 1, heartbeat_at = now()
		WHERE job_id = ? AND name = 'retirement' AND status = 'pending'`, id).Error)

	type completion struct {
		c   store.Completion
		err error
	}
	done := make(chan completion, 1)
	go func() {
		c, err := s.CompleteStageAndClaim(m.ctx, id, "planner", planner, []byte(resultOf("planner")), 3)
		done <- completion{c, err}
	}()
	waitBlocked(t, s, wokenPID, "UPDATE job_stages SET status = 'running'", "the completion's claim waits for the woken worker's row")
	require.NoError(t, woken.Commit().Error)

	got := <-done
	require.NoError(t, got.err)
	var names []string
	for _, cl := range got.c.Claimed {
		names = append(names, cl.Name)
	}
	require.Equal(t, []string{"charter", "reporter"}, names, "the stage claimed meanwhile is not claimed again")
	require.Equal(t, 1, m.stage(id, "retirement").Attempts, "one attempt: the woken worker's")
}
