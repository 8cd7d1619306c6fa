package tasks_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/store"
	"github.com/alex-advisor/alex/store/storetest"
	"github.com/alex-advisor/alex/tasks"
)

// Two cmd/worker processes run 1000 jobs; one is killed with SIGKILL in the
// middle and a third starts. Every job completes, and every stage's result
// is written exactly once.
func TestWorkerKilledMidRunLosesNothing(t *testing.T) {
	h := newHarness(t, 1000)
	ctx := context.Background()
	countPayloadWrites(t, h)
	bin := buildWorker(t)

	const users, jobsPerUser = 50, 20
	var ids []string
	for u := range users {
		userID := fmt.Sprintf("user_crash_%02d", u)
		_, _, err := h.store.GetOrCreateUser(ctx, userID, userID)
		require.NoError(t, err)
		_, err = h.store.CreateAccountsWithPositions(ctx, userID, []store.SeedAccount{{
			Account:   alex.Account{AccountName: "401k", CashBalance: decimal.NewFromInt(5000)},
			Positions: map[string]decimal.Decimal{"SPY": decimal.NewFromInt(10), "BND": decimal.NewFromInt(20), "NEWCO": decimal.NewFromInt(5)},
		}})
		require.NoError(t, err)
		for range jobsPerUser {
			job, task, _, err := h.store.CreateJob(ctx, store.NewJob{UserID: userID, JobType: "portfolio_analysis", MaxActive: 1000})
			require.NoError(t, err)
			tasks.Deliver(ctx, h.queue, h.store, h.log, []store.OutboxTask{*task})
			ids = append(ids, job.ID)
		}
	}

	w1 := startWorkerProcess(t, bin, h, "w1")
	startWorkerProcess(t, bin, h, "w2")
	require.Eventually(t, func() bool { return countJobs(t, h, alex.StatusCompleted) >= len(ids)/4 },
		2*time.Minute, 20*time.Millisecond, "workers did not get going")
	var running []store.StageRef
	require.NoError(t, h.store.DB().Raw("SELECT job_id, name FROM job_stages WHERE status = 'running'").Scan(&running).Error)
	require.NoError(t, w1.Process.Signal(syscall.SIGKILL))
	killedAt := time.Now()
	_ = w1.Wait()
	startWorkerProcess(t, bin, h, "w3")

	// Recovered: every stage that was running when the kill came is done
	// (taken over, then queued behind the backlog).
	require.Eventually(t, func() bool {
		for _, ref := range running {
			var status string
			require.NoError(t, h.store.DB().Raw("SELECT status FROM job_stages WHERE job_id = ? AND name = ?",
				ref.JobID, ref.Name).Scan(&status).Error)
			if status != alex.StatusCompleted {
				return false
			}
		}
		return true
	}, 2*time.Minute, 20*time.Millisecond, "the stages running at the kill did not complete")
	recovered := time.Since(killedAt)

	require.Eventually(t, func() bool { return countJobs(t, h, alex.StatusCompleted) == len(ids) },
		5*time.Minute, 50*time.Millisecond, "not every job completed after the kill")
	t.Logf("killed a worker with %d stages running; they completed %.1fs after the kill, all %d jobs %.1fs after it",
		len(running), recovered.Seconds(), len(ids), time.Since(killedAt).Seconds())

	assert.Zero(t, countStages(t, h, alex.StatusPending)+countStages(t, h, alex.StatusRunning)+countStages(t, h, alex.StatusFailed))
	assert.Equal(t, len(ids)*len(alex.Stages), countStages(t, h, alex.StatusCompleted))
	requireEachStageWrittenOnce(t, h, len(ids))
}

// requireEachStageWrittenOnce checks, with the records of countPayloadWrites,
// that every stage of the jobs wrote its result exactly once.
func requireEachStageWrittenOnce(t *testing.T, h *harness, jobs int) {
	t.Helper()
	var duplicated int64
	require.NoError(t, h.store.DB().Raw(`SELECT count(*) FROM (SELECT job_id, col FROM payload_writes
		GROUP BY job_id, col HAVING count(*) <> 1) d`).Scan(&duplicated).Error)
	require.Zero(t, duplicated, "a stage's result was written more than once")
	var writes int64
	require.NoError(t, h.store.DB().Raw("SELECT count(*) FROM payload_writes").Scan(&writes).Error)
	require.EqualValues(t, jobs*len(alex.Stages), writes)
}

// countPayloadWrites records, with a trigger of the test's schema only, every
// write of a stage result column.
func countPayloadWrites(t *testing.T, h *harness) {
	db := h.store.DB()
	require.NoError(t, db.Exec(`CREATE TABLE payload_writes (job_id uuid, col text)`).Error)
	require.NoError(t, db.Exec(`
		CREATE FUNCTION record_payload_writes() RETURNS trigger AS $$
		BEGIN
			IF NEW.snapshot::text IS DISTINCT FROM OLD.snapshot::text THEN INSERT INTO payload_writes VALUES (NEW.id, 'snapshot'); END IF;
			IF NEW.charts_payload::text IS DISTINCT FROM OLD.charts_payload::text THEN INSERT INTO payload_writes VALUES (NEW.id, 'charts'); END IF;
			IF NEW.report_payload::text IS DISTINCT FROM OLD.report_payload::text THEN INSERT INTO payload_writes VALUES (NEW.id, 'report'); END IF;
			IF NEW.retirement_payload::text IS DISTINCT FROM OLD.retirement_payload::text THEN INSERT INTO payload_writes VALUES (NEW.id, 'retirement'); END IF;
			IF NEW.summary_payload::text IS DISTINCT FROM OLD.summary_payload::text THEN INSERT INTO payload_writes VALUES (NEW.id, 'summary'); END IF;
			RETURN NEW;
		END $$ LANGUAGE plpgsql`).Error)
	require.NoError(t, db.Exec(`CREATE TRIGGER jobs_payload_writes AFTER UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION record_payload_writes();`).Error)
}

func buildWorker(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "worker")
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/worker")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build ./cmd/worker: %s", out)
	return bin
}

func startWorkerProcess(t testing.TB, bin string, h *harness, name string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+storetest.URL()+"&search_path="+h.schema,
		"REDIS_URL="+h.redis.URL(),
		"AUTO_MIGRATE=false",
		"WORKER_CONCURRENCY=8",
		"LOG_LEVEL=warn",
	)
	logPath := filepath.Join(t.TempDir(), name+".log")
	logFile, err := os.Create(logPath)
	require.NoError(t, err)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		logFile.Close()
		if t.Failed() {
			out, _ := os.ReadFile(logPath)
			t.Logf("worker %s log:\n%s", name, out)
		}
	})
	return cmd
}

func countJobs(t *testing.T, h *harness, status string) int {
	var n int64
	require.NoError(t, h.store.DB().Raw("SELECT count(*) FROM jobs WHERE status = ?", status).Scan(&n).Error)
	return int(n)
}

func countStages(t *testing.T, h *harness, status string) int {
	var n int64
	require.NoError(t, h.store.DB().Raw("SELECT count(*) FROM job_stages WHERE status = ?", status).Scan(&n).Error)
	return int(n)
}
