package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/store"
	"github.com/alex-advisor/alex/store/storetest"
)

// The job state machine runs on the service's PostgreSQL and on the
// embedded mode's SQLite: every test of this file runs on both, as
// subtests of one `go test ./store/`.
var engines = []struct {
	name string
	open func(testing.TB) *store.Store
}{
	{"postgres", func(tb testing.TB) *store.Store { s, _ := storetest.MustOpenSchema(tb); return s }},
	{"sqlite", storetest.MustOpenSQLite},
}

// onEachEngine runs test once per engine, each on a store of its own.
func onEachEngine(t *testing.T, test func(t *testing.T, m *machine)) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			test(t, newMachine(t, e.open(t)))
		})
	}
}

// anyAge takes outbox rows however young: they were written within the
// test's last millisecond, and a minimum age of zero would race the clock.
const anyAge = -time.Minute

// staleAfter is the sweeper's patience with a silent runner in these tests;
// stopBeating puts a runner's last beat far beyond it.
const staleAfter = time.Minute

// machine drives one user's jobs through the store, failing the test on
// any unexpected error.
type machine struct {
	t    *testing.T
	s    *store.Store
	ctx  context.Context
	user string
}

func newMachine(t *testing.T, s *store.Store) *machine {
	m := &machine{t: t, s: s, ctx: context.Background(), user: "user_jobs"}
	m.addUser(m.user)
	return m
}

// on is m failing t: a subtest's failures are its own.
func (m *machine) on(t *testing.T) *machine {
	c := *m
	c.t = t
	return &c
}

func (m *machine) addUser(id string) {
	m.t.Helper()
	_, _, err := m.s.GetOrCreateUser(m.ctx, id, id)
	require.NoError(m.t, err)
}

// submit creates a job of m's user.
func (m *machine) submit() store.Job {
	m.t.Helper()
	j, task, created, err := m.s.CreateJob(m.ctx, store.NewJob{UserID: m.user, JobType: "portfolio_analysis", MaxActive: 100})
	require.NoError(m.t, err)
	require.True(m.t, created)
	require.NotNil(m.t, task)
	return j
}

func (m *machine) claim(jobID, stage string) int {
	m.t.Helper()
	attempt, err := m.s.ClaimStage(m.ctx, jobID, stage, staleAfter)
	require.NoError(m.t, err, "claim %s", stage)
	return attempt
}

func (m *machine) complete(jobID, stage string, attempt int, result string) []store.OutboxTask {
	m.t.Helper()
	next, err := m.s.CompleteStage(m.ctx, jobID, stage, attempt, []byte(result))
	require.NoError(m.t, err, "complete %s", stage)
	return next
}

// run claims and completes each stage in turn.
func (m *machine) run(jobID string, stages ...string) {
	m.t.Helper()
	for _, st := range stages {
		m.complete(jobID, st, m.claim(jobID, st), resultOf(st))
	}
}

func (m *machine) cancel(jobID string) {
	m.t.Helper()
	_, err := m.s.CancelJob(m.ctx, m.user, jobID)
	require.NoError(m.t, err)
}

// job reads the job as a worker does: with its snapshot and stages.
func (m *machine) job(id string) store.Job {
	m.t.Helper()
	j, err := m.s.JobByID(m.ctx, id)
	require.NoError(m.t, err)
	return j
}

func (m *machine) stage(jobID, name string) store.JobStage {
	m.t.Helper()
	for _, st := range m.job(jobID).JobStages {
		if st.Name == name {
			return st
		}
	}
	m.t.Fatalf("job %s has no stage %s", jobID, name)
	return store.JobStage{}
}

// stopBeating makes the stage's runner look dead: its last beat is an hour
// old, far beyond staleAfter.
func (m *machine) stopBeating(jobID, stage string) {
	m.exec(`UPDATE job_stages SET heartbeat_at = ? WHERE job_id = ? AND name = ?`, time.Now().UTC().Add(-time.Hour), jobID, stage)
}

func (m *machine) exec(sql string, args ...any) {
	m.t.Helper()
	require.NoError(m.t, m.s.DB().Exec(sql, args...).Error)
}

// outbox is every outbox row of the job, oldest first: task id and whether
// it was delivered.
func (m *machine) outbox(jobID string) []string {
	m.t.Helper()
	var rows []struct {
		TaskID    string
		Delivered bool
	}
	require.NoError(m.t, m.s.DB().Raw(`SELECT task_id, delivered_at IS NOT NULL AS delivered FROM outbox WHERE job_id = ? ORDER BY id`, jobID).
		Scan(&rows).Error)
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = strings.TrimPrefix(r.TaskID, jobID+":")
		if r.Delivered {
			out[i] += " (delivered)"
		}
	}
	return out
}

// statuses is the job's status and its stages', in pipeline order.
func statuses(j store.Job) string {
	parts := []string{"job=" + j.Status}
	for _, st := range j.JobStages {
		parts = append(parts, st.Name+"="+st.Status)
	}
	return strings.Join(parts, " ")
}

// state builds the statuses string from the job's and each stage's status.
func state(job, planner, charter, reporter, retirement, summary string) string {
	return fmt.Sprintf("job=%s planner=%s charter=%s reporter=%s retirement=%s summary=%s",
		job, planner, charter, reporter, retirement, summary)
}

const (
	pending   = alex.StatusPending
	running   = alex.StatusRunning
	completed = alex.StatusCompleted
	failed    = alex.StatusFailed
	cancelled = alex.StatusCancelled
)

// resultOf is a stage's result; the planner's carries the job's warnings.
func resultOf(stage string) string {
	if stage == "planner" {
		return `{"Total":100,"Warnings":[{"code":"unpriced","symbol":"ZZZ","message":"ZZZ has no price."}]}`
	}
	return fmt.Sprintf(`{"stage":%q}`, stage)
}

func tasks(next []store.OutboxTask) []string {
	out := make([]string, len(next))
	for i, t := range next {
		out[i] = t.Stage
	}
	sort.Strings(out)
	return out
}

// A submit writes the job, its five pending stages and the planner's task
// in the outbox; its Idempotency-Key names the same job for a day, and
// the user's unfinished jobs are capped.
func TestCreateJob(t *testing.T) {
	onEachEngine(t, func(t *testing.T, m *machine) {
		ctx := m.ctx
		create := func(key, body string, maxActive int) (store.Job, *store.OutboxTask, bool, error) {
			var req json.RawMessage
			if body != "" {
				req = json.RawMessage(body)
			}
			return m.s.CreateJob(ctx, store.NewJob{UserID: m.user, JobType: "portfolio_analysis", Request: req,
				IdempotencyKey: key, MaxActive: maxActive})
		}

		first, task, created, err := create("key-1", `{"analysis_type": "portfolio"}`, 10)
		require.NoError(t, err)
		require.True(t, created)
		require.Equal(t, state(pending, pending, pending, pending, pending, pending), statuses(first))
		for _, st := range first.JobStages {
			require.Zero(t, st.Attempts, st.Name)
		}
		require.Equal(t, &store.OutboxTask{ID: task.ID, JobID: first.ID, Stage: "planner", TaskID: first.ID + ":planner"}, task)
		require.Equal(t, []string{"planner"}, m.outbox(first.ID), "the first stage waits in the outbox")
		stored, err := m.s.Job(ctx, m.user, first.ID)
		require.NoError(t, err)
		require.JSONEq(t, `{"analysis_type":"portfolio"}`, string(stored.RequestPayload))
		require.Equal(t, state(pending, pending, pending, pending, pending, pending), statuses(stored))

		cases := []struct {
			name    string
			key     string
			body    string
			max     int
			created bool
			sameJob bool
			code    string
		}{
			{name: "the same key and body: the same job", key: "key-1", body: `{"analysis_type":"portfolio"}`, max: 10, sameJob: true},
			{name: "the same key and body, spaced otherwise", key: "key-1", body: "{ \"analysis_type\" :\n\"portfolio\" }", max: 10, sameJob: true},
			{name: "the same key at the limit: still the same job", key: "key-1", body: `{"analysis_type":"portfolio"}`, max: 1, sameJob: true},
			{name: "the same key and another body", key: "key-1", body: `{"analysis_type":"other"}`, max: 10, code: alex.EINVALID},
			{name: "another key", key: "key-2", body: `{"analysis_type":"portfolio"}`, max: 10, created: true},
			{name: "no key", max: 10, created: true},
			{name: "three unfinished jobs, at most three", max: 3, code: alex.ETOOMANY},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				m := m.on(t)
				outboxBefore := m.outbox(first.ID)
				j, task, created, err := create(c.key, c.body, c.max)
				if c.code != "" {
					require.Equal(t, c.code, alex.ErrorCode(err), err)
					require.Empty(t, j.ID)
					return
				}
				require.NoError(t, err)
				require.Equal(t, c.created, created)
				if c.sameJob {
					require.Equal(t, first.ID, j.ID)
					require.Nil(t, task, "nothing new to queue")
					require.Len(t, j.JobStages, len(alex.Stages), "the job as it stands")
					require.Equal(t, outboxBefore, m.outbox(first.ID))
					return
				}
				require.NotEqual(t, first.ID, j.ID)
				require.Equal(t, j.ID+":planner", task.TaskID)
				if c.body == "" {
					require.JSONEq(t, `{}`, string(j.RequestPayload), "no body is stored as an empty object")
				}
			})
		}

		t.Run("the ETOOMANY sentence counts the unfinished jobs", func(t *testing.T) {
			_, _, _, err := create("", "", 3)
			require.Equal(t, "You have 3 analyses running; wait for one to finish before starting another.", alex.ErrorMessage(err))
		})
		t.Run("a finished job frees its place", func(t *testing.T) {
			m := m.on(t)
			m.cancel(first.ID)
			_, _, created, err := create("", "", 3)
			require.NoError(t, err)
			require.True(t, created)
		})
		t.Run("a key older than a day names no job", func(t *testing.T) {
			m := m.on(t)
			m.exec(`UPDATE idempotency_keys SET created_at = ? WHERE key = 'key-1'`, time.Now().UTC().Add(-25*time.Hour))
			j, _, created, err := create("key-1", `{"analysis_type":"portfolio"}`, 10)
			require.NoError(t, err)
			require.True(t, created)
			require.NotEqual(t, first.ID, j.ID)
			again, _, created, err := create("key-1", `{"analysis_type":"portfolio"}`, 10)
			require.NoError(t, err)
			require.False(t, created, "the key now names the new job")
			require.Equal(t, j.ID, again.ID)
		})
		t.Run("another user's key is their own", func(t *testing.T) {
			m := m.on(t)
			m.addUser("user_other")
			j, _, created, err := m.s.CreateJob(ctx, store.NewJob{UserID: "user_other", JobType: "portfolio_analysis",
				Request: json.RawMessage(`{"x":1}`), IdempotencyKey: "key-2", MaxActive: 1})
			require.NoError(t, err)
			require.True(t, created)
			_, err = m.s.Job(ctx, m.user, j.ID)
			require.Equal(t, alex.ENOTFOUND, alex.ErrorCode(err), "nor can the first user read it")
		})
	})
}

// A stage is claimed only when its job is unfinished, its earlier stages
// completed and nobody else runs it: pending, or running under a runner
// that stopped beating (then by a new attempt).
func TestClaimStage(t *testing.T) {
	onEachEngine(t, func(t *testing.T, m *machine) {
		cases := []struct {
			name  string
			setup func(m *machine, id string)
			stage string
			// attempt is the claim's attempt; 0 is ErrStageNotClaimed.
			attempt int
			want    string
		}{
			{name: "the first stage of a pending job starts the job", stage: "planner", attempt: 1,
				want: state(running, running, pending, pending, pending, pending)},
			{name: "a stage waiting for the planner", stage: "charter",
				want: state(pending, pending, pending, pending, pending, pending)},
			{name: "a stage waiting for a running planner", stage: "reporter",
				setup: func(m *machine, id string) { m.claim(id, "planner") },
				want:  state(running, running, pending, pending, pending, pending)},
			{name: "a parallel stage once the planner completed", stage: "reporter", attempt: 1,
				setup: func(m *machine, id string) { m.run(id, "planner") },
				want:  state(running, completed, pending, running, pending, pending)},
			{name: "the summary while a parallel stage runs", stage: "summary",
				setup: func(m *machine, id string) {
					m.run(id, "planner", "charter", "reporter")
					m.claim(id, "retirement")
				},
				want: state(running, completed, completed, completed, running, pending)},
			{name: "a completed stage", stage: "planner",
				setup: func(m *machine, id string) { m.run(id, "planner") },
				want:  state(running, completed, pending, pending, pending, pending)},
			{name: "a stage whose runner beats", stage: "planner",
				setup: func(m *machine, id string) { m.claim(id, "planner") },
				want:  state(running, running, pending, pending, pending, pending)},
			{name: "a stage whose runner stopped beating: a new attempt", stage: "planner", attempt: 2,
				setup: func(m *machine, id string) {
					m.claim(id, "planner")
					m.stopBeating(id, "planner")
				},
				want: state(running, running, pending, pending, pending, pending)},
			{name: "a stage put back to pending by a retry: a new attempt", stage: "planner", attempt: 2,
				setup: func(m *machine, id string) {
					require.NoError(m.t, m.s.RetryStage(m.ctx, id, "planner", m.claim(id, "planner"), "The prices did not load; trying again."))
				},
				want: state(running, running, pending, pending, pending, pending)},
			{name: "a stage of a cancelled job", stage: "planner",
				setup: func(m *machine, id string) { m.cancel(id) },
				want:  state(cancelled, cancelled, cancelled, cancelled, cancelled, cancelled)},
			{name: "a stale stage of a cancelled job", stage: "planner",
				setup: func(m *machine, id string) {
					m.claim(id, "planner")
					m.cancel(id)
					m.stopBeating(id, "planner")
				},
				want: state(cancelled, cancelled, cancelled, cancelled, cancelled, cancelled)},
			{name: "a stage of a failed job", stage: "charter",
				setup: func(m *machine, id string) {
					m.run(id, "planner")
					require.NoError(m.t, m.s.FailStage(m.ctx, id, "reporter", m.claim(id, "reporter"), "No prices.", "The report failed."))
				},
				want: state(failed, completed, cancelled, failed, cancelled, cancelled)},
			{name: "a stage of a completed job", stage: "summary",
				setup: func(m *machine, id string) { m.run(id, "planner", "charter", "reporter", "retirement", "summary") },
				want:  state(completed, completed, completed, completed, completed, completed)},
			{name: "a stage the pipeline does not have", stage: "auditor",
				want: state(pending, pending, pending, pending, pending, pending)},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				m := m.on(t)
				id := m.submit().ID
				if c.setup != nil {
					c.setup(m, id)
				}
				before := m.stage(id, "planner").Attempts
				attempt, err := m.s.ClaimStage(m.ctx, id, c.stage, staleAfter)
				if c.attempt == 0 {
					require.ErrorIs(t, err, store.ErrStageNotClaimed)
					require.Zero(t, attempt)
				} else {
					require.NoError(t, err)
					require.Equal(t, c.attempt, attempt)
				}
				j := m.job(id)
				require.Equal(t, c.want, statuses(j))
				if c.attempt == 0 && c.stage == "planner" {
					require.Equal(t, before, m.stage(id, "planner").Attempts, "a lost claim counts no attempt")
				}
				if c.attempt > 0 {
					st := m.stage(id, c.stage)
					require.Equal(t, c.attempt, st.Attempts)
					require.Nil(t, st.Error, "a new attempt clears the last one's error")
					require.NotNil(t, st.StartedAt)
					require.NotNil(t, j.StartedAt, "the job started")
				}
			})
		}
		t.Run("a job that does not exist", func(t *testing.T) {
			m := m.on(t)
			_, err := m.s.ClaimStage(m.ctx, "5a0c35f8-0000-4000-8000-000000000000", "planner", staleAfter)
			require.ErrorIs(t, err, store.ErrStageNotClaimed)
		})
	})
}

// A heartbeat is fenced by its attempt: the runner that was presumed dead
// and replaced keeps the stage stale, the current runner takes it off the
// sweeper's list.
func TestHeartbeatIsFencedByTheAttempt(t *testing.T) {
	onEachEngine(t, func(t *testing.T, m *machine) {
		id := m.submit().ID
		old := m.claim(id, "planner")
		m.stopBeating(id, "planner")
		current := m.claim(id, "planner")
		require.Equal(t, old+1, current)
		m.stopBeating(id, "planner")

		stale := func() []string {
			refs, err := m.s.StaleStages(m.ctx, staleAfter, 10)
			require.NoError(t, err)
			var out []string
			for _, r := range refs {
				out = append(out, fmt.Sprintf("%s attempt %d", r.Name, r.Attempts))
			}
			return out
		}
		require.NoError(t, m.s.Heartbeat(m.ctx, id, "planner", old))
		require.Equal(t, []string{"planner attempt 2"}, stale(), "the replaced runner's beat changes nothing")
		require.NoError(t, m.s.Heartbeat(m.ctx, id, "planner", current))
		require.Empty(t, stale(), "the current runner's beat keeps its claim")
		_, err := m.s.ClaimStage(m.ctx, id, "planner", staleAfter)
		require.ErrorIs(t, err, store.ErrStageNotClaimed, "a beating runner keeps its stage")

		require.NoError(t, m.s.Heartbeat(m.ctx, id, "charter", 1), "a beat for a stage not running is no error")
		require.Equal(t, state(running, running, pending, pending, pending, pending), statuses(m.job(id)))
	})
}

// Completing a stage writes its result to its column, the planner's
// warnings to the served column, and queues what it made ready; the last
// stage completes the job. A result of an attempt that lost is discarded.
func TestCompleteStage(t *testing.T) {
	onEachEngine(t, func(t *testing.T, m *machine) {
		t.Run("the pipeline end to end", func(t *testing.T) {
			m := m.on(t)
			id := m.submit().ID
			next := m.complete(id, "planner", m.claim(id, "planner"), resultOf("planner"))
			require.Equal(t, []string{"charter", "reporter", "retirement"}, tasks(next), "the planner readies the parallel stages")
			for _, task := range next {
				require.Equal(t, id, task.JobID)
				require.Equal(t, id+":"+task.Stage, task.TaskID)
				require.NotZero(t, task.ID)
			}
			j := m.job(id)
			require.JSONEq(t, resultOf("planner"), string(j.Snapshot))
			require.JSONEq(t, `[{"code":"unpriced","symbol":"ZZZ","message":"ZZZ has no price."}]`, string(j.Warnings))
			require.Equal(t, state(running, completed, pending, pending, pending, pending), statuses(j))
			planner := m.stage(id, "planner")
			require.NotNil(t, planner.CompletedAt)
			require.Nil(t, planner.HeartbeatAt, "a completed stage is off the sweeper's list")

			require.Empty(t, m.complete(id, "charter", m.claim(id, "charter"), resultOf("charter")), "two stages still run")
			require.Empty(t, m.complete(id, "reporter", m.claim(id, "reporter"), resultOf("reporter")), "one stage still runs")
			next = m.complete(id, "retirement", m.claim(id, "retirement"), resultOf("retirement"))
			require.Equal(t, []string{"summary"}, tasks(next), "the last of the parallel stages queues the summary")
			require.Equal(t, state(running, completed, completed, completed, completed, pending), statuses(m.job(id)))

			require.Empty(t, m.complete(id, "summary", m.claim(id, "summary"), resultOf("summary")))
			j = m.job(id)
			require.Equal(t, state(completed, completed, completed, completed, completed, completed), statuses(j))
			require.NotNil(t, j.CompletedAt)
			for column, got := range map[string][]byte{"charts_payload": j.ChartsPayload, "report_payload": j.ReportPayload,
				"retirement_payload": j.RetirementPayload, "summary_payload": j.SummaryPayload} {
				stage := map[string]string{"charts_payload": "charter", "report_payload": "reporter",
					"retirement_payload": "retirement", "summary_payload": "summary"}[column]
				require.JSONEq(t, resultOf(stage), string(got), column)
			}
			require.Equal(t, []string{"planner", "charter", "reporter", "retirement", "summary"}, m.outbox(id),
				"every stage was queued once")

			results, err := m.s.JobResults(m.ctx, id)
			require.NoError(t, err)
			require.JSONEq(t, resultOf("planner"), string(results.Snapshot), "what a stage reads")
			served, err := m.s.Job(m.ctx, m.user, id)
			require.NoError(t, err)
			require.Nil(t, served.Snapshot, "the API does not read the snapshot")
			require.JSONEq(t, resultOf("summary"), string(served.SummaryPayload))
		})

		cases := []struct {
			name string
			// setup returns the attempt that completes stage.
			setup   func(m *machine, id string) int
			stage   string
			result  string
			lost    bool
			want    string
			columns func(t *testing.T, j store.Job)
		}{
			{name: "a planner result without warnings: none", stage: "planner", result: `{"Total":1}`,
				setup: func(m *machine, id string) int { return m.claim(id, "planner") },
				want:  state(running, completed, pending, pending, pending, pending),
				columns: func(t *testing.T, j store.Job) {
					require.JSONEq(t, `[]`, string(j.Warnings))
				}},
			{name: "a planner result with null warnings: none", stage: "planner", result: `{"Warnings":null}`,
				setup: func(m *machine, id string) int { return m.claim(id, "planner") },
				want:  state(running, completed, pending, pending, pending, pending),
				columns: func(t *testing.T, j store.Job) {
					require.JSONEq(t, `[]`, string(j.Warnings))
				}},
			{name: "a later stage keeps the planner's warnings", stage: "charter", result: `{"Warnings":[]}`,
				setup: func(m *machine, id string) int {
					m.run(id, "planner")
					return m.claim(id, "charter")
				},
				want: state(running, completed, completed, pending, pending, pending),
				columns: func(t *testing.T, j store.Job) {
					require.Contains(t, string(j.Warnings), "unpriced")
					require.JSONEq(t, `{"Warnings":[]}`, string(j.ChartsPayload))
				}},
			{name: "the result of an attempt that was replaced", stage: "planner", result: `{"Total":666}`, lost: true,
				setup: func(m *machine, id string) int {
					old := m.claim(id, "planner")
					m.stopBeating(id, "planner")
					m.claim(id, "planner")
					return old
				},
				want: state(running, running, pending, pending, pending, pending),
				columns: func(t *testing.T, j store.Job) {
					require.Nil(t, j.Snapshot, "the replaced attempt's result is discarded")
				}},
			{name: "the result of a replaced attempt after the new one completed", stage: "planner", result: `{"Total":666}`, lost: true,
				setup: func(m *machine, id string) int {
					old := m.claim(id, "planner")
					m.stopBeating(id, "planner")
					m.complete(id, "planner", m.claim(id, "planner"), resultOf("planner"))
					return old
				},
				want: state(running, completed, pending, pending, pending, pending),
				columns: func(t *testing.T, j store.Job) {
					require.JSONEq(t, resultOf("planner"), string(j.Snapshot), "the winner's result stays")
				}},
			{name: "a stage completed twice by the same attempt", stage: "planner", result: `{"Total":2}`, lost: true,
				setup: func(m *machine, id string) int {
					a := m.claim(id, "planner")
					m.complete(id, "planner", a, resultOf("planner"))
					return a
				},
				want: state(running, completed, pending, pending, pending, pending),
				columns: func(t *testing.T, j store.Job) {
					require.JSONEq(t, resultOf("planner"), string(j.Snapshot))
				}},
			{name: "a stage never claimed", stage: "charter", result: `{}`, lost: true,
				setup: func(m *machine, id string) int { m.run(id, "planner"); return 1 },
				want:  state(running, completed, pending, pending, pending, pending),
				columns: func(t *testing.T, j store.Job) {
					require.Nil(t, j.ChartsPayload)
				}},
			{name: "a stage of a job cancelled while it ran", stage: "planner", result: `{}`, lost: true,
				setup: func(m *machine, id string) int {
					a := m.claim(id, "planner")
					m.cancel(id)
					return a
				},
				want: state(cancelled, cancelled, cancelled, cancelled, cancelled, cancelled),
				columns: func(t *testing.T, j store.Job) {
					require.Nil(t, j.Snapshot)
				}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				m := m.on(t)
				id := m.submit().ID
				attempt := c.setup(m, id)
				outbox := m.outbox(id)
				next, err := m.s.CompleteStage(m.ctx, id, c.stage, attempt, []byte(c.result))
				if c.lost {
					require.ErrorIs(t, err, store.ErrStageNotClaimed)
					require.Equal(t, outbox, m.outbox(id), "a lost completion queues nothing")
				} else {
					require.NoError(t, err)
				}
				if c.stage != "planner" || c.lost {
					require.Empty(t, next)
				}
				j := m.job(id)
				require.Equal(t, c.want, statuses(j))
				c.columns(t, j)
			})
		}
		t.Run("a stage the pipeline does not have", func(t *testing.T) {
			m := m.on(t)
			id := m.submit().ID
			_, err := m.s.CompleteStage(m.ctx, id, "auditor", 1, []byte(`{}`))
			require.EqualError(t, err, `unknown stage "auditor"`)
		})
	})
}

// A retry puts the attempt's stage back to pending with the sentence the
// user sees; the next claim is a new attempt and clears it.
func TestRetryStage(t *testing.T) {
	onEachEngine(t, func(t *testing.T, m *machine) {
		id := m.submit().ID
		attempt := m.claim(id, "planner")
		reason := "The prices did not load; trying again."
		require.NoError(t, m.s.RetryStage(m.ctx, id, "planner", attempt, reason))
		st := m.stage(id, "planner")
		require.Equal(t, pending, st.Status)
		require.Equal(t, &reason, st.Error)
		require.Equal(t, 1, st.Attempts)
		require.Nil(t, st.HeartbeatAt, "a pending stage is not stale")
		require.Equal(t, state(running, pending, pending, pending, pending, pending), statuses(m.job(id)))

		require.NoError(t, m.s.RetryStage(m.ctx, id, "planner", attempt, "again"), "a retry of a stage not running is no error")
		require.Equal(t, &reason, m.stage(id, "planner").Error, "and changes nothing")

		again := m.claim(id, "planner")
		require.Equal(t, 2, again)
		require.NoError(t, m.s.RetryStage(m.ctx, id, "planner", attempt, "stale"), "the old attempt's retry")
		st = m.stage(id, "planner")
		require.Equal(t, running, st.Status, "is fenced out")
		require.Nil(t, st.Error)
	})
}

// A stage failed for good fails its job with the message, cancels the other
// unfinished stages, and a sibling's later result is discarded.
func TestFailStage(t *testing.T) {
	onEachEngine(t, func(t *testing.T, m *machine) {
		reason, message := "No price for ZZZ.", "The analysis failed: a holding has no price."
		cases := []struct {
			name  string
			setup func(m *machine, id string) int
			stage string
			lost  bool
			want  string
		}{
			{name: "the planner", stage: "planner",
				setup: func(m *machine, id string) int { return m.claim(id, "planner") },
				want:  state(failed, failed, cancelled, cancelled, cancelled, cancelled)},
			{name: "a parallel stage while its siblings run or completed", stage: "reporter",
				setup: func(m *machine, id string) int {
					m.run(id, "planner", "charter")
					m.claim(id, "retirement")
					return m.claim(id, "reporter")
				},
				want: state(failed, completed, completed, failed, cancelled, cancelled)},
			{name: "an attempt that was replaced", stage: "planner", lost: true,
				setup: func(m *machine, id string) int {
					old := m.claim(id, "planner")
					m.stopBeating(id, "planner")
					m.claim(id, "planner")
					return old
				},
				want: state(running, running, pending, pending, pending, pending)},
			{name: "a stage of a cancelled job", stage: "planner", lost: true,
				setup: func(m *machine, id string) int {
					a := m.claim(id, "planner")
					m.cancel(id)
					return a
				},
				want: state(cancelled, cancelled, cancelled, cancelled, cancelled, cancelled)},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				m := m.on(t)
				id := m.submit().ID
				attempt := c.setup(m, id)
				err := m.s.FailStage(m.ctx, id, c.stage, attempt, reason, message)
				j := m.job(id)
				require.Equal(t, c.want, statuses(j))
				if c.lost {
					require.ErrorIs(t, err, store.ErrStageNotClaimed)
					require.NotEqual(t, failed, j.Status)
					require.Nil(t, j.ErrorMessage)
					return
				}
				require.NoError(t, err)
				require.Equal(t, &message, j.ErrorMessage)
				require.NotNil(t, j.CompletedAt)
				st := m.stage(id, c.stage)
				require.Equal(t, &reason, st.Error)
				require.NotNil(t, st.CompletedAt)
			})
		}
		t.Run("a sibling's later result is discarded", func(t *testing.T) {
			m := m.on(t)
			id := m.submit().ID
			m.run(id, "planner")
			charter := m.claim(id, "charter")
			require.NoError(t, m.s.FailStage(m.ctx, id, "reporter", m.claim(id, "reporter"), reason, message))
			_, err := m.s.CompleteStage(m.ctx, id, "charter", charter, []byte(resultOf("charter")))
			require.ErrorIs(t, err, store.ErrStageNotClaimed)
			require.NoError(t, m.s.RetryStage(m.ctx, id, "charter", charter, "retry"))
			require.ErrorIs(t, m.s.FailStage(m.ctx, id, "charter", charter, "late", "late"), store.ErrStageNotClaimed)
			j := m.job(id)
			require.Nil(t, j.ChartsPayload)
			require.Equal(t, &message, j.ErrorMessage, "the first failure's message stays")
			require.Equal(t, state(failed, completed, cancelled, failed, cancelled, cancelled), statuses(j))
		})
	})
}

// The user cancels an unfinished job: it and its unfinished stages end
// cancelled; a finished job is a conflict, another user's is not found.
func TestCancelJob(t *testing.T) {
	onEachEngine(t, func(t *testing.T, m *machine) {
		cases := []struct {
			name  string
			setup func(m *machine, id string)
			user  string
			code  string
			err   string
			want  string
		}{
			{name: "a pending job", want: state(cancelled, cancelled, cancelled, cancelled, cancelled, cancelled)},
			{name: "a running job", setup: func(m *machine, id string) { m.run(id, "planner"); m.claim(id, "charter") },
				want: state(cancelled, completed, cancelled, cancelled, cancelled, cancelled)},
			{name: "a completed job", code: alex.ECONFLICT, err: "The job has already completed.",
				setup: func(m *machine, id string) { m.run(id, "planner", "charter", "reporter", "retirement", "summary") },
				want:  state(completed, completed, completed, completed, completed, completed)},
			{name: "a failed job", code: alex.ECONFLICT, err: "The job has already failed.",
				setup: func(m *machine, id string) {
					require.NoError(m.t, m.s.FailStage(m.ctx, id, "planner", m.claim(id, "planner"), "r", "m"))
				},
				want: state(failed, failed, cancelled, cancelled, cancelled, cancelled)},
			{name: "a cancelled job", code: alex.ECONFLICT, err: "The job has already cancelled.",
				setup: func(m *machine, id string) { m.cancel(id) },
				want:  state(cancelled, cancelled, cancelled, cancelled, cancelled, cancelled)},
			{name: "another user's job", user: "user_stranger", code: alex.ENOTFOUND, err: "Job not found.",
				want: state(pending, pending, pending, pending, pending, pending)},
		}
		m.addUser("user_stranger")
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				m := m.on(t)
				id := m.submit().ID
				if c.setup != nil {
					c.setup(m, id)
				}
				user := m.user
				if c.user != "" {
					user = c.user
				}
				j, err := m.s.CancelJob(m.ctx, user, id)
				if c.code != "" {
					require.Equal(t, c.code, alex.ErrorCode(err), err)
					require.Equal(t, c.err, alex.ErrorMessage(err))
				} else {
					require.NoError(t, err)
					require.Equal(t, c.want, statuses(j), "the answer is the cancelled job")
					require.NotNil(t, j.CompletedAt)
				}
				require.Equal(t, c.want, statuses(m.job(id)))
			})
		}
		t.Run("an id that is no job", func(t *testing.T) {
			m := m.on(t)
			for _, id := range []string{"not-a-uuid", "5a0c35f8-0000-4000-8000-000000000000"} {
				_, err := m.s.CancelJob(m.ctx, m.user, id)
				require.Equal(t, alex.ENOTFOUND, alex.ErrorCode(err), id)
			}
		})
	})
}

// The sweeper hands the outbox's undelivered rows to the queue once they
// are older than minAge, and marks delivered only those the queue took:
// the stage then shows the task id it was queued under.
func TestDeliverOutbox(t *testing.T) {
	onEachEngine(t, func(t *testing.T, m *machine) {
		a, b := m.submit().ID, m.submit().ID
		deliver := func(minAge time.Duration, take func(store.OutboxTask) bool) []string {
			var handed []string
			n, err := m.s.DeliverOutbox(m.ctx, minAge, 10, func(ts []store.OutboxTask) []int64 {
				var ids []int64
				for _, task := range ts {
					handed = append(handed, task.TaskID)
					if take(task) {
						ids = append(ids, task.ID)
					}
				}
				return ids
			})
			require.NoError(t, err)
			taken := 0
			for _, h := range handed {
				if take(store.OutboxTask{TaskID: h, JobID: strings.Split(h, ":")[0]}) {
					taken++
				}
			}
			require.Equal(t, taken, n, "DeliverOutbox counts what the queue took")
			return handed
		}
		all := func(store.OutboxTask) bool { return true }

		require.Empty(t, deliver(time.Hour, all), "rows younger than minAge wait: the API delivers them itself")
		none := func(store.OutboxTask) bool { return false }
		require.Len(t, deliver(anyAge, none), 2, "a queue that is down takes nothing")
		require.Equal(t, []string{"planner"}, m.outbox(a), "and everything stays for the next sweep")
		handed := deliver(anyAge, func(task store.OutboxTask) bool { return task.JobID == a })
		require.Equal(t, []string{a + ":planner", b + ":planner"}, handed, "oldest first")
		require.Equal(t, []string{"planner (delivered)"}, m.outbox(a))
		require.Equal(t, []string{"planner"}, m.outbox(b), "what the queue did not take stays")
		st := m.stage(a, "planner")
		require.Equal(t, a+":planner", *st.TaskID)
		require.NotNil(t, st.EnqueuedAt)
		require.Nil(t, m.stage(b, "planner").TaskID)

		require.Equal(t, []string{b + ":planner"}, deliver(anyAge, all), "the next sweep hands the rest")
		require.Empty(t, deliver(anyAge, all), "and then nothing")

		var calls int
		n, err := m.s.DeliverOutbox(m.ctx, anyAge, 10, func([]store.OutboxTask) []int64 { calls++; return nil })
		require.NoError(t, err)
		require.Zero(t, n)
		require.Zero(t, calls, "an empty outbox calls no queue")

		t.Run("MarkDelivered after the API's own delivery", func(t *testing.T) {
			m := m.on(t)
			j, task, _, err := m.s.CreateJob(m.ctx, store.NewJob{UserID: m.user, JobType: "portfolio_analysis", MaxActive: 100})
			require.NoError(t, err)
			require.NoError(t, m.s.MarkDelivered(m.ctx))
			require.NoError(t, m.s.MarkDelivered(m.ctx, task.ID))
			require.Equal(t, []string{"planner (delivered)"}, m.outbox(j.ID))
			require.Equal(t, j.ID+":planner", *m.stage(j.ID, "planner").TaskID)
			require.Empty(t, deliver(anyAge, all), "the sweeper does not deliver it again")
		})
	})
}

// Sweepers on several workers at once deliver every row exactly once.
func TestConcurrentSweepersDeliverEachTaskOnce(t *testing.T) {
	onEachEngine(t, func(t *testing.T, m *machine) {
		want := map[string]bool{}
		for range 12 {
			want[m.submit().ID+":planner"] = true
		}
		const sweepers = 4
		var (
			mu      sync.Mutex
			handed  = map[string]int{}
			start   = make(chan struct{})
			wg      sync.WaitGroup
			counted int
		)
		for range sweepers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for {
					n, err := m.s.DeliverOutbox(m.ctx, anyAge, 3, func(ts []store.OutboxTask) []int64 {
						ids := make([]int64, len(ts))
						mu.Lock()
						defer mu.Unlock()
						for i, task := range ts {
							handed[task.TaskID]++
							ids[i] = task.ID
						}
						return ids
					})
					if !assertNoError(t, err) || n == 0 {
						return
					}
					mu.Lock()
					counted += n
					mu.Unlock()
				}
			}()
		}
		close(start)
		wg.Wait()
		require.Len(t, handed, len(want))
		for id, times := range handed {
			require.True(t, want[id], id)
			require.Equal(t, 1, times, "%s handed to the queue once", id)
		}
		require.Equal(t, len(want), counted)
	})
}

// On PostgreSQL a sweeper skips the rows another holds (SKIP LOCKED)
// instead of waiting for them: it returns at once with nothing, while the
// first is still handing them to the queue.
func TestSweeperSkipsRowsAnotherHolds(t *testing.T) {
	t.Parallel()
	s, _ := storetest.MustOpenSchema(t)
	m := newMachine(t, s)
	id := m.submit().ID
	inside, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		_, err := s.DeliverOutbox(m.ctx, anyAge, 10, func(ts []store.OutboxTask) []int64 {
			close(inside)
			<-release
			return []int64{ts[0].ID}
		})
		first <- err
	}()
	select {
	case <-inside:
	case err := <-first:
		t.Fatalf("the first sweeper ended before it held the row: %v", err)
	}
	// A sweeper that waited for the lock would wait for ever (the first
	// holds it until release): the timeout turns that into a failure.
	ctx, cancel := context.WithTimeout(m.ctx, 10*time.Second)
	defer cancel()
	var handed []store.OutboxTask
	n, err := s.DeliverOutbox(ctx, anyAge, 10, func(ts []store.OutboxTask) []int64 { handed = ts; return nil })
	close(release)
	require.NoError(t, err)
	require.Zero(t, n)
	require.Empty(t, handed, "the row the first sweeper holds is not handed twice")
	require.NoError(t, <-first)
	require.Equal(t, []string{"planner (delivered)"}, m.outbox(id))
}

// The sweeper finds the stages whose runner died and hands them to the
// queue again under a new task id, once; a runner that beat again keeps its
// stage.
func TestReleaseStale(t *testing.T) {
	onEachEngine(t, func(t *testing.T, m *machine) {
		id := m.submit().ID
		require.NoError(t, m.s.MarkDelivered(m.ctx, deliverAll(t, m)...))
		attempt := m.claim(id, "planner")
		cancelledJob := m.submit().ID
		m.claim(cancelledJob, "planner")
		m.cancel(cancelledJob)
		m.stopBeating(cancelledJob, "planner")

		refs, err := m.s.StaleStages(m.ctx, staleAfter, 10)
		require.NoError(t, err)
		require.Empty(t, refs, "a beating runner is not stale, nor a cancelled job's stage")

		m.stopBeating(id, "planner")
		refs, err = m.s.StaleStages(m.ctx, staleAfter, 10)
		require.NoError(t, err)
		taskID := id + ":planner"
		require.Equal(t, []store.StageRef{{JobID: id, Name: "planner", Attempts: attempt, TaskID: &taskID}}, refs)

		require.NoError(t, m.s.ReleaseStale(m.ctx, refs[0], staleAfter))
		st := m.stage(id, "planner")
		require.Equal(t, pending, st.Status)
		require.Nil(t, st.HeartbeatAt)
		require.Equal(t, attempt, st.Attempts, "no attempt ran yet")
		require.Equal(t, []string{"planner (delivered)", "planner:r1"}, m.outbox(id), "queued again under a new id")
		require.True(t, store.Requeued(id+":planner:r1"))

		require.NoError(t, m.s.ReleaseStale(m.ctx, refs[0], staleAfter))
		require.Equal(t, []string{"planner (delivered)", "planner:r1"}, m.outbox(id), "a second release changes nothing")
		refs, err = m.s.StaleStages(m.ctx, staleAfter, 10)
		require.NoError(t, err)
		require.Empty(t, refs)

		deliverAll(t, m)
		require.Equal(t, []string{"planner (delivered)", "planner:r1 (delivered)"}, m.outbox(id),
			"the requeued task is old enough for the next sweep")
		require.Equal(t, id+":planner:r1", *m.stage(id, "planner").TaskID)
		require.Equal(t, attempt+1, m.claim(id, "planner"))

		t.Run("a runner that beat again keeps its stage", func(t *testing.T) {
			m := m.on(t)
			id := m.submit().ID
			a := m.claim(id, "planner")
			m.stopBeating(id, "planner")
			refs, err := m.s.StaleStages(m.ctx, staleAfter, 10)
			require.NoError(t, err)
			require.Len(t, refs, 1)
			require.NoError(t, m.s.Heartbeat(m.ctx, id, "planner", a))
			require.NoError(t, m.s.ReleaseStale(m.ctx, refs[0], staleAfter))
			require.Equal(t, running, m.stage(id, "planner").Status)
			require.Equal(t, []string{"planner"}, m.outbox(id))
		})
	})
}

// deliverAll hands every undelivered outbox row to a queue that takes them
// all, and returns their ids.
func deliverAll(t *testing.T, m *machine) []int64 {
	t.Helper()
	var ids []int64
	_, err := m.s.DeliverOutbox(m.ctx, anyAge, 100, func(ts []store.OutboxTask) []int64 {
		for _, task := range ts {
			ids = append(ids, task.ID)
		}
		return ids
	})
	require.NoError(t, err)
	return ids
}

// A ready stage queued long ago and still pending lost its task (Redis lost
// it): the sweeper lists it and queues it again, once per lostAfter.
func TestWaitingStagesAndRequeue(t *testing.T) {
	onEachEngine(t, func(t *testing.T, m *machine) {
		id := m.submit().ID
		other := m.submit().ID
		cancelledJob := m.submit().ID
		m.cancel(cancelledJob)
		deliverAll(t, m)
		waiting := func(olderThan time.Duration) []string {
			refs, err := m.s.WaitingStages(m.ctx, olderThan, 10)
			require.NoError(t, err)
			var out []string
			for _, r := range refs {
				if r.JobID == id {
					out = append(out, fmt.Sprintf("%s %s", r.Name, *r.TaskID))
				}
			}
			return out
		}
		require.Empty(t, waiting(time.Hour), "queued a moment ago: the worker may not have taken it yet")
		long := time.Now().UTC().Add(-2 * time.Hour)
		m.exec(`UPDATE job_stages SET enqueued_at = ? WHERE job_id IN (?, ?)`, long, id, cancelledJob)
		require.Equal(t, []string{"planner " + id + ":planner"}, waiting(time.Hour),
			"only the ready stage; the cancelled job's and the fresh job's are not waiting")

		refs, err := m.s.WaitingStages(m.ctx, time.Hour, 10)
		require.NoError(t, err)
		require.Len(t, refs, 1)
		require.NoError(t, m.s.Requeue(m.ctx, refs[0], time.Hour))
		require.Equal(t, []string{"planner (delivered)", "planner:r1"}, m.outbox(id))
		require.NoError(t, m.s.Requeue(m.ctx, refs[0], time.Hour))
		require.Equal(t, []string{"planner (delivered)", "planner:r1"}, m.outbox(id), "requeued once per lostAfter")
		require.Empty(t, waiting(time.Hour), "its new task is young")

		deliverAll(t, m)
		require.Equal(t, id+":planner:r1", *m.stage(id, "planner").TaskID)
		m.exec(`UPDATE job_stages SET enqueued_at = ? WHERE job_id = ?`, long, id)
		require.NoError(t, m.s.Requeue(m.ctx, refs[0], time.Hour))
		require.Equal(t, []string{"planner (delivered)", "planner:r1 (delivered)", "planner:r2"}, m.outbox(id),
			"each requeue a new task id")

		require.Equal(t, 1, m.claim(id, "planner"))
		m.exec(`UPDATE job_stages SET enqueued_at = ? WHERE job_id = ?`, long, id)
		require.Empty(t, waiting(time.Hour), "a running stage is not waiting")
		require.NoError(t, m.s.Requeue(m.ctx, refs[0], time.Hour))
		require.Equal(t, running, m.stage(id, "planner").Status, "a requeue of a stage that runs meanwhile does nothing")
		require.Len(t, m.outbox(id), 3)
		require.Equal(t, []string{"planner (delivered)"}, m.outbox(other))
	})
}

func TestJobTerminal(t *testing.T) {
	t.Parallel()
	for status, terminal := range map[string]bool{pending: false, running: false, completed: true, failed: true, cancelled: true} {
		require.Equal(t, terminal, store.Job{Status: status}.Terminal(), status)
	}
}

func TestTaskID(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		requeues int
		id       string
		requeued bool
	}{
		{0, "j1:planner", false},
		{1, "j1:planner:r1", true},
		{12, "j1:planner:r12", true},
	} {
		require.Equal(t, c.id, store.TaskID("j1", "planner", c.requeues))
		require.Equal(t, c.requeued, store.Requeued(c.id), c.id)
	}
}

// The user's jobs, newest first, a page at a time; nobody else's.
func TestJobsPages(t *testing.T) {
	onEachEngine(t, func(t *testing.T, m *machine) {
		var ids []string
		for range 5 {
			ids = append(ids, m.submit().ID)
		}
		m.addUser("user_stranger")
		page, err := m.s.Jobs(m.ctx, "user_stranger", "", 10)
		require.NoError(t, err)
		require.Empty(t, page.Jobs)

		var got []string
		cursor := ""
		for pages := 0; ; pages++ {
			require.Less(t, pages, 3)
			page, err := m.s.Jobs(m.ctx, m.user, cursor, 2)
			require.NoError(t, err)
			for _, j := range page.Jobs {
				got = append(got, j.ID)
				require.Len(t, j.JobStages, len(alex.Stages))
				require.Nil(t, j.Snapshot)
			}
			if page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
		}
		for i, j := 0, len(ids)-1; i < j; i, j = i+1, j-1 {
			ids[i], ids[j] = ids[j], ids[i]
		}
		require.Equal(t, ids, got)

		for _, read := range []func() error{
			func() error { _, err := m.s.JobByID(m.ctx, "5a0c35f8-0000-4000-8000-000000000000"); return err },
			func() error { _, err := m.s.JobResults(m.ctx, "5a0c35f8-0000-4000-8000-000000000000"); return err },
			func() error { _, err := m.s.Job(m.ctx, "user_stranger", ids[0]); return err },
		} {
			require.Equal(t, alex.ENOTFOUND, alex.ErrorCode(read()))
		}
	})
}

// A database that does not answer in time makes every step of the state
// machine answer EUNAVAILABLE (try again), never a silent loss.
func TestStateMachineOnADatabaseOutOfTime(t *testing.T) {
	onEachEngine(t, func(t *testing.T, m *machine) {
		id := m.submit().ID
		ctx, cancel := context.WithDeadline(m.ctx, time.Now().Add(-time.Second))
		defer cancel()
		ref := store.StageRef{JobID: id, Name: "planner", Attempts: 1}
		for name, call := range map[string]func() error{
			"CreateJob": func() error {
				_, _, _, err := m.s.CreateJob(ctx, store.NewJob{UserID: m.user, JobType: "portfolio_analysis", MaxActive: 9})
				return err
			},
			"Job":           func() error { _, err := m.s.Job(ctx, m.user, id); return err },
			"Jobs":          func() error { _, err := m.s.Jobs(ctx, m.user, "", 10); return err },
			"CancelJob":     func() error { _, err := m.s.CancelJob(ctx, m.user, id); return err },
			"ClaimStage":    func() error { _, err := m.s.ClaimStage(ctx, id, "planner", staleAfter); return err },
			"Heartbeat":     func() error { return m.s.Heartbeat(ctx, id, "planner", 1) },
			"CompleteStage": func() error { _, err := m.s.CompleteStage(ctx, id, "planner", 1, []byte(`{}`)); return err },
			"RetryStage":    func() error { return m.s.RetryStage(ctx, id, "planner", 1, "r") },
			"FailStage":     func() error { return m.s.FailStage(ctx, id, "planner", 1, "r", "m") },
			"MarkDelivered": func() error { return m.s.MarkDelivered(ctx, 1) },
			"DeliverOutbox": func() error {
				_, err := m.s.DeliverOutbox(ctx, anyAge, 10, func(ts []store.OutboxTask) []int64 { return nil })
				return err
			},
			"StaleStages":   func() error { _, err := m.s.StaleStages(ctx, staleAfter, 10); return err },
			"WaitingStages": func() error { _, err := m.s.WaitingStages(ctx, staleAfter, 10); return err },
			"Requeue":       func() error { return m.s.Requeue(ctx, ref, staleAfter) },
			"ReleaseStale":  func() error { return m.s.ReleaseStale(ctx, ref, staleAfter) },
		} {
			err := call()
			require.Equal(t, alex.EUNAVAILABLE, alex.ErrorCode(err), "%s: %v", name, err)
			require.NotErrorIs(t, err, store.ErrStageNotClaimed, name)
		}
		require.Equal(t, state(pending, pending, pending, pending, pending, pending), statuses(m.job(id)), "nothing changed")
	})
}

func assertNoError(t *testing.T, err error) bool {
	t.Helper()
	if err != nil {
		t.Errorf("unexpected error: %v", err)
		return false
	}
	return true
}
