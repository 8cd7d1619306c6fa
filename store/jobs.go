package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/alex-advisor/alex"
)

// Job is a row of jobs.
type Job struct {
	ID                string `gorm:"primaryKey"`
	UserID            string
	JobType           string
	Status            string
	RequestPayload    []byte
	Snapshot          []byte
	ReportPayload     []byte
	ChartsPayload     []byte
	RetirementPayload []byte
	SummaryPayload    []byte
	Warnings          []byte
	ErrorMessage      *string
	CreatedAt         time.Time
	StartedAt         *time.Time
	CompletedAt       *time.Time
	UpdatedAt         time.Time
	JobStages         []JobStage `gorm:"foreignKey:JobID"`
}

// Terminal tells whether the job will not change any more.
func (j Job) Terminal() bool {
	return alex.Terminal(j.Status)
}

// JobStage is a row of job_stages.
type JobStage struct {
	JobID       string `gorm:"primaryKey"`
	Name        string `gorm:"primaryKey"`
	Position    int
	Status      string
	Attempts    int
	Error       *string
	TaskID      *string
	EnqueuedAt  *time.Time
	HeartbeatAt *time.Time
	StartedAt   *time.Time
	CompletedAt *time.Time
	UpdatedAt   time.Time
}

// OutboxTask is a stage task to hand to the queue.
type OutboxTask struct {
	ID     int64
	JobID  string
	Stage  string
	TaskID string
}

// NewJob is a submit.
type NewJob struct {
	UserID         string
	JobType        string
	Request        json.RawMessage
	IdempotencyKey string
	MaxActive      int
}

// idempotencyWindow is how long a submit's Idempotency-Key names its job.
const idempotencyWindow = 24 * time.Hour

// CreateJob writes the job, its stages and the outbox row of its first stage
// in one transaction. A known Idempotency-Key returns the job it made, with
// created false. More than MaxActive unfinished jobs is ETOOMANY.
func (s *Store) CreateJob(ctx context.Context, nj NewJob) (job Job, task *OutboxTask, created bool, err error) {
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The user row serializes this user's submits: the active count and
		// the idempotency key are read under it.
		if err := tx.Exec("SELECT 1 FROM users WHERE id = ?"+lockRow(tx, "FOR NO KEY UPDATE"), nj.UserID).Error; err != nil {
			return err
		}
		if nj.IdempotencyKey != "" {
			id, err := idempotentJob(tx, nj)
			if err != nil || id != "" {
				job.ID = id
				return err
			}
		}
		var active int64
		if err := tx.Model(&Job{}).Where("user_id = ? AND status IN ?", nj.UserID, []string{alex.StatusPending, alex.StatusRunning}).
			Count(&active).Error; err != nil {
			return err
		}
		if active >= int64(nj.MaxActive) {
			return alex.Errorf(alex.ETOOMANY, "You have %d analyses running; wait for one to finish before starting another.", active)
		}
		var err error
		job, task, err = insertJob(tx, nj)
		created = err == nil
		return err
	})
	if err != nil {
		if code := alex.ErrorCode(err); code == alex.ETOOMANY || code == alex.EINVALID {
			return Job{}, nil, false, err
		}
		return Job{}, nil, false, translate(err, "Job")
	}
	if !created {
		job, err = s.Job(ctx, nj.UserID, job.ID)
	}
	return job, task, created, err
}

// idempotentJob is the job the submit's key made within the window, or "".
// The same key with another request is a client's mistake (a retry sends
// the same body), answered 422 rather than with a job of another request.
func idempotentJob(tx *gorm.DB, nj NewJob) (string, error) {
	var found []struct {
		JobID          string
		RequestPayload string
	}
	err := tx.Raw(`SELECT k.job_id, j.request_payload FROM idempotency_keys k JOIN jobs j ON j.id = k.job_id
		WHERE k.user_id = ? AND k.key = ? AND k.created_at > ?`,
		nj.UserID, nj.IdempotencyKey, now().Add(-idempotencyWindow)).Scan(&found).Error
	if err != nil || len(found) == 0 {
		return "", err
	}
	if !sameJSON(found[0].RequestPayload, requestOf(nj)) {
		return "", alex.Invalid("header.Idempotency-Key",
			"This Idempotency-Key was used for a different request; send a new key for a new analysis.")
	}
	return found[0].JobID, nil
}

// requestOf is the request payload a job is stored with.
func requestOf(nj NewJob) json.RawMessage {
	if len(nj.Request) == 0 {
		return json.RawMessage("{}")
	}
	return nj.Request
}

// sameJSON compares two JSON texts ignoring insignificant whitespace.
func sameJSON(stored string, request json.RawMessage) bool {
	var a, b bytes.Buffer
	if json.Compact(&a, []byte(stored)) != nil || json.Compact(&b, request) != nil {
		return false
	}
	return bytes.Equal(a.Bytes(), b.Bytes())
}

func insertJob(tx *gorm.DB, nj NewJob) (Job, *OutboxTask, error) {
	at := now()
	request := requestOf(nj)
	job := Job{ID: uuid.NewString(), UserID: nj.UserID, JobType: nj.JobType, Status: alex.StatusPending,
		RequestPayload: request, CreatedAt: at, UpdatedAt: at}
	if err := tx.Exec(`INSERT INTO jobs (id, user_id, job_type, status, request_payload, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, job.ID, job.UserID, job.JobType, job.Status, string(request), at, at).Error; err != nil {
		return Job{}, nil, err
	}
	for _, st := range alex.Stages {
		js := JobStage{JobID: job.ID, Name: st.Name, Position: st.Position, Status: alex.StatusPending, UpdatedAt: at}
		job.JobStages = append(job.JobStages, js)
	}
	if err := tx.Create(&job.JobStages).Error; err != nil {
		return Job{}, nil, err
	}
	if nj.IdempotencyKey != "" {
		if err := tx.Exec(`INSERT INTO idempotency_keys (user_id, key, job_id, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id, key) DO UPDATE SET job_id = excluded.job_id, created_at = excluded.created_at`,
			nj.UserID, nj.IdempotencyKey, job.ID, at).Error; err != nil {
			return Job{}, nil, err
		}
	}
	task := &OutboxTask{JobID: job.ID, Stage: alex.Stages[0].Name, TaskID: TaskID(job.ID, alex.Stages[0].Name, 0)}
	err := tx.Raw("INSERT INTO outbox (job_id, stage, task_id) VALUES (?, ?, ?) RETURNING id",
		task.JobID, task.Stage, task.TaskID).Scan(&task.ID).Error
	return job, task, err
}

// TaskID is the queue's id of a stage task: <job_id>:<stage> for its first
// delivery, with :r<n> for the n-th time the stage was queued again (taken
// over from a dead worker, or its task lost).
func TaskID(jobID, stage string, requeues int) string {
	if requeues == 0 {
		return jobID + ":" + stage
	}
	return fmt.Sprintf("%s:%s:r%d", jobID, stage, requeues)
}

// Requeued tells whether a task id of TaskID is that of a stage queued again.
func Requeued(taskID string) bool { return strings.Count(taskID, ":") > 1 }

// Job returns one of the user's jobs with its stages, without the snapshot.
// A polling frontend repeats this read, so it scans its columns itself:
// GORM's preload and reflection took two thirds of the API's CPU on it.
func (s *Store) Job(ctx context.Context, userID, id string) (Job, error) {
	if !isUUID(id) {
		return Job{}, notFound("Job")
	}
	return servedJob(s.db.WithContext(ctx), "j.id = ? AND j.user_id = ?", id, userID)
}

// servedJob reads the job that where selects (on jobs j), with its stages,
// without the snapshot, in one statement: one round trip and one wait for
// the pool per read, which is what a polling frontend repeats. Each stage is
// a row, the job's columns repeated on each.
func servedJob(db *gorm.DB, where string, args ...any) (Job, error) {
	rows, err := db.Raw(`SELECT j.id, j.user_id, j.job_type, j.status, j.request_payload, j.report_payload,
			j.charts_payload, j.retirement_payload, j.summary_payload, j.warnings, j.error_message, j.created_at,
			j.started_at, j.completed_at, j.updated_at,
			s.name, s.position, s.status, s.attempts, s.error, s.task_id, s.enqueued_at,
			s.heartbeat_at, s.started_at, s.completed_at, s.updated_at
		FROM jobs j LEFT JOIN job_stages s ON s.job_id = j.id
		WHERE `+where+` ORDER BY s.position, s.name`, args...).Rows()
	if err != nil {
		return Job{}, translate(err, "Job")
	}
	defer rows.Close()
	var j Job
	found := false
	for rows.Next() {
		found = true
		var (
			st                 JobStage
			name, status       sql.NullString
			position, attempts sql.NullInt64
			updatedAt          sql.NullTime
		)
		if err := rows.Scan(&j.ID, &j.UserID, &j.JobType, &j.Status, &j.RequestPayload, &j.ReportPayload,
			&j.ChartsPayload, &j.RetirementPayload, &j.SummaryPayload, &j.Warnings, &j.ErrorMessage, &j.CreatedAt,
			&j.StartedAt, &j.CompletedAt, &j.UpdatedAt,
			&name, &position, &status, &attempts, &st.Error, &st.TaskID, &st.EnqueuedAt,
			&st.HeartbeatAt, &st.StartedAt, &st.CompletedAt, &updatedAt); err != nil {
			return Job{}, translate(err, "Job")
		}
		if !name.Valid {
			continue // a job without stages: the one row has none
		}
		st.JobID, st.Name, st.Position, st.Status = j.ID, name.String, int(position.Int64), status.String
		st.Attempts, st.UpdatedAt = int(attempts.Int64), updatedAt.Time
		j.JobStages = append(j.JobStages, st)
	}
	if err := rows.Err(); err != nil {
		return Job{}, translate(err, "Job")
	}
	if !found {
		return Job{}, notFound("Job")
	}
	if j.JobStages == nil {
		j.JobStages = []JobStage{}
	}
	return j, nil
}

// unserved is the column of jobs that only workers read: the API leaves it
// out of its reads (the largest payload, several KB).
const unserved = "snapshot"

// JobByID returns a job with its stages, whoever owns it.
func (s *Store) JobByID(ctx context.Context, id string) (Job, error) {
	var j Job
	err := s.db.WithContext(ctx).Preload("JobStages", orderStages).First(&j, "id = ?", id).Error
	return j, translate(err, "Job")
}

// JobResults returns a job row without its stages: what a stage reads.
func (s *Store) JobResults(ctx context.Context, id string) (Job, error) {
	var j Job
	err := s.db.WithContext(ctx).First(&j, "id = ?", id).Error
	return j, translate(err, "Job")
}

func orderStages(db *gorm.DB) *gorm.DB { return db.Order("position, name") }

// JobPage is a page of jobs, newest first.
type JobPage struct {
	Jobs       []Job
	NextCursor string
}

// Jobs lists the user's jobs, newest first, after cursor.
func (s *Store) Jobs(ctx context.Context, userID, cursor string, limit int) (JobPage, error) {
	q := s.db.WithContext(ctx).Preload("JobStages", orderStages).Omit(unserved).Where("user_id = ?", userID)
	jobs, next, err := newestFirst(q, cursor, limit, "Jobs", func(j Job) (time.Time, string) { return j.CreatedAt, j.ID })
	return JobPage{Jobs: jobs, NextCursor: next}, err
}

// CancelJob cancels one of the user's unfinished jobs: no further stage runs.
// A finished job is ECONFLICT.
func (s *Store) CancelJob(ctx context.Context, userID, id string) (Job, error) {
	if _, err := s.Job(ctx, userID, id); err != nil {
		return Job{}, err
	}
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE jobs SET status = 'cancelled', completed_at = ?, updated_at = ?
			WHERE id = ? AND status IN ('pending', 'running')`, now(), now(), id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			// Read again: the job may have finished since the read above,
			// which then still saw it running.
			var status string
			if err := tx.Raw("SELECT status FROM jobs WHERE id = ?", id).Scan(&status).Error; err != nil {
				return err
			}
			return alex.Errorf(alex.ECONFLICT, "The job has already %s.", status)
		}
		return tx.Exec(`UPDATE job_stages SET status = 'cancelled', updated_at = ?
			WHERE job_id = ? AND status IN ('pending', 'running')`, now(), id).Error
	})
	if err != nil {
		if alex.ErrorCode(err) == alex.ECONFLICT {
			return Job{}, err
		}
		return Job{}, translate(err, "Job")
	}
	return s.Job(ctx, userID, id)
}

// MarkDelivered records that outbox tasks are in the queue, and on their
// stages the task id and time, in one statement on PostgreSQL.
func (s *Store) MarkDelivered(ctx context.Context, ids ...int64) error {
	if len(ids) == 0 {
		return nil
	}
	db := s.db.WithContext(ctx)
	if !s.sqlite() {
		return translate(retryAborted(func() error { return markDelivered(db, ids) }), "Outbox")
	}
	return translate(s.transaction(ctx, func(tx *gorm.DB) error { return markDelivered(tx, ids) }), "Outbox")
}

// markDelivered may be lost in a crash: the sweeper then hands the task to
// the queue again under the same id, and a stage runs at most once anyway.
// So its commit does not wait for the disk.
func markDelivered(db *gorm.DB, ids []int64) error {
	at := now()
	if db.Dialector.Name() != "sqlite" {
		return db.Exec(`WITH o AS (UPDATE outbox SET delivered_at = ? WHERE id IN ? RETURNING job_id, stage, task_id)
			UPDATE job_stages SET task_id = o.task_id, enqueued_at = ?
			FROM o, (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit
			WHERE job_stages.job_id = o.job_id AND job_stages.name = o.stage`, at, ids, at).Error
	}
	if err := db.Exec(`UPDATE outbox SET delivered_at = ? WHERE id IN ?`, at, ids).Error; err != nil {
		return err
	}
	return db.Exec(`UPDATE job_stages SET task_id = o.task_id, enqueued_at = ? FROM outbox o
		WHERE o.id IN ? AND job_stages.job_id = o.job_id AND job_stages.name = o.stage`, at, ids).Error
}

// DeliverOutbox hands undelivered outbox tasks older than minAge to deliver
// and marks those it returns as delivered. Rows are locked with SKIP LOCKED,
// so any number of workers sweep at once without delivering a row twice.
func (s *Store) DeliverOutbox(ctx context.Context, minAge time.Duration, limit int, deliver func([]OutboxTask) []int64) (int, error) {
	var n int
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var tasks []OutboxTask
		if err := tx.Raw(`SELECT id, job_id, stage, task_id FROM outbox
			WHERE delivered_at IS NULL AND created_at < ? ORDER BY id LIMIT ?`+lockRow(tx, "FOR UPDATE SKIP LOCKED"),
			now().Add(-minAge), limit).Scan(&tasks).Error; err != nil {
			return err
		}
		if len(tasks) == 0 {
			return nil
		}
		delivered := deliver(tasks)
		n = len(delivered)
		if n == 0 {
			return nil
		}
		return markDelivered(tx, delivered)
	})
	return n, translate(err, "Outbox")
}

// ErrStageNotClaimed means the stage is not to be run by this attempt: it is
// done, cancelled, waiting for earlier stages, or running elsewhere.
var ErrStageNotClaimed = errors.New("stage not claimed")

// ClaimStage marks a stage running for this attempt. It succeeds only when
// the job is unfinished, every earlier stage completed, and the stage is
// pending or its last runner stopped beating for staleAfter.
func (s *Store) ClaimStage(ctx context.Context, jobID, stage string, staleAfter time.Duration) (attempt int, err error) {
	st, ok := alex.StageByName(stage)
	if !ok {
		return 0, ErrStageNotClaimed
	}
	at := now()
	db := s.db.WithContext(ctx)
	// Only the first stage's claim starts the job, changing (and so
	// locking) the job row, first as every transaction that changes a job
	// and its stages does. Later claims are one statement that locks their
	// stage row only: parallel stages do not wait for each other, a cancel
	// or a failure that changes the stage meanwhile wins (it sets running
	// stages too), and the claim of a stage that is done already, which is
	// what most queued tasks find once stages run in-process, costs one
	// round trip.
	switch {
	case st.Position > 0:
		attempt, err = claimStage(db, jobID, stage, at, staleAfter, "")
	case !s.sqlite():
		// The job starts in the claim's statement, first: its row is
		// locked before the stage's.
		attempt, err = claimStage(db, jobID, stage, at, staleAfter,
			`WITH started AS (UPDATE jobs SET status = 'running', started_at = ?, updated_at = ?
				WHERE id = ? AND status = 'pending' RETURNING id) `, at, at, jobID)
	default:
		err = db.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec(`UPDATE jobs SET status = 'running', started_at = ?, updated_at = ?
				WHERE id = ? AND status = 'pending'`, at, at, jobID).Error; err != nil {
				return err
			}
			attempt, err = claimStage(tx, jobID, stage, at, staleAfter, "")
			return err
		})
	}
	if errors.Is(err, ErrStageNotClaimed) {
		return 0, err
	}
	return attempt, translate(err, "Stage")
}

// stageReady holds for a stage s whose earlier stages all completed.
const stageReady = "NOT EXISTS (SELECT 1 FROM job_stages p WHERE p.job_id = s.job_id AND p.position < s.position AND p.status <> 'completed')"

// claimedColumns set a stage running for a new attempt (arguments: the
// time, three times), in every statement that claims one.
const claimedColumns = `status = 'running', attempts = attempts + 1,
	started_at = coalesce(started_at, ?), heartbeat_at = ?, error = NULL, updated_at = ?`

// claimStage is the claim of ClaimStage. A claim a crash loses fences out
// its attempt's result, and the sweeper queues the stage again: its commit
// does not wait for the disk. start, when not empty, is a WITH clause named
// started, with its arguments, that starts the job: the job counts as
// running when started returns it, for the statement's snapshot does not
// see its own update.
func claimStage(db *gorm.DB, jobID, stage string, at time.Time, staleAfter time.Duration, start string, startArgs ...any) (int, error) {
	running := "EXISTS (SELECT 1 FROM jobs j WHERE j.id = s.job_id AND j.status = 'running')"
	if start != "" {
		running = "(" + running + " OR EXISTS (SELECT 1 FROM started))"
	}
	var attempts []int
	if err := db.Raw(start+`UPDATE job_stages AS s SET `+claimedColumns+asyncCommitFrom(db)+`
		WHERE s.job_id = ? AND s.name = ?
		  AND (s.status = 'pending' OR (s.status = 'running' AND s.heartbeat_at < ?))
		  AND `+running+`
		  AND `+stageReady+`
		RETURNING attempts`, append(startArgs, at, at, at, jobID, stage, at.Add(-staleAfter))...).Scan(&attempts).Error; err != nil {
		return 0, err
	}
	if len(attempts) == 0 {
		return 0, ErrStageNotClaimed
	}
	return attempts[0], nil
}

// Heartbeat tells the sweeper that the runner of the stage's attempt is
// alive. Every write of an attempt is fenced by its number: a runner that
// was presumed dead and replaced changes nothing.
func (s *Store) Heartbeat(ctx context.Context, jobID, stage string, attempt int) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE job_stages SET heartbeat_at = ?
		WHERE job_id = ? AND name = ? AND status = 'running' AND attempts = ?`, now(), jobID, stage, attempt).Error
	return translate(err, "Stage")
}

// CompleteStage writes a stage's result and its completed status in one
// transaction, and queues the stages that this completion makes ready. The
// job row is locked first (by writing the result to it), so of parallel
// stages finishing together exactly one sees the others completed and
// queues the next stage: decided in SQL, not in a worker's memory. A result
// of an attempt that lost (the stage was completed or the job ended
// meanwhile) is discarded: ErrStageNotClaimed.
func (s *Store) CompleteStage(ctx context.Context, jobID, stage string, attempt int, result []byte) ([]OutboxTask, error) {
	c, err := s.CompleteStageAndClaim(ctx, jobID, stage, attempt, result, 0)
	return c.Next, err
}

// Completion is what completing a stage made ready.
type Completion struct {
	// Next are the tasks of the ready stages that were not claimed, to
	// hand to the queue.
	Next []OutboxTask
	// Claimed are the ready stages that the completing caller claimed, to
	// run at once, and Job is the job row (without its stages) they read,
	// as the completion left it; empty when none was claimed.
	Claimed []ClaimedStage
	Job     Job
}

// ClaimedStage is a stage claimed for an attempt. TaskID names it in logs
// and for the sweeper; no task of that id is queued.
type ClaimedStage struct {
	Name    string
	Attempt int
	TaskID  string
}

// CompleteStageAndClaim is CompleteStage that also claims, in the same
// transaction, up to claim of the stages the completion makes ready, for
// the caller to run in-process at once rather than wait for a worker to
// dequeue their tasks. The claim holds what ClaimStage checks: the job row
// is locked and the stages are ready. A claimed stage gets no outbox row
// and no task: its heartbeat is its backstop, as for any running stage (a
// silent one is taken over by the sweeper, one put back for a retry is
// queued again by it), and a task would only cost the queue a round trip
// to find the stage taken.
func (s *Store) CompleteStageAndClaim(ctx context.Context, jobID, stage string, attempt int, result []byte, claim int) (Completion, error) {
	st, ok := alex.StageByName(stage)
	if !ok {
		return Completion{}, fmt.Errorf("unknown stage %q", stage)
	}
	claim = min(claim, len(alex.Stages))
	if st.Finishes() {
		claim = 0
	}
	var c Completion
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		c = Completion{}
		at := now()
		if err := completeJobColumn(tx, st, jobID, result, at, claim > 0, &c.Job); err != nil {
			return err
		}
		res := tx.Exec(`UPDATE job_stages SET status = 'completed', completed_at = ?, heartbeat_at = NULL, error = NULL, updated_at = ?
			WHERE job_id = ? AND name = ? AND status = 'running' AND attempts = ?`, at, at, jobID, stage, attempt)
		if err := notClaimedUnlessChanged(res); err != nil {
			return err
		}
		if st.Finishes() {
			return tx.Exec(`UPDATE jobs SET status = 'completed', completed_at = ?, updated_at = ?
				WHERE id = ? AND NOT EXISTS (SELECT 1 FROM job_stages WHERE job_id = ? AND status <> 'completed')`,
				at, at, jobID, jobID).Error
		}
		var err error
		if claim > 0 {
			if c.Claimed, err = claimReady(tx, jobID, claim, at); err != nil {
				return err
			}
		}
		// Always: fewer claimed than asked does not prove none is left,
		// for a stage of the claim's choice may have been claimed by a
		// woken worker meanwhile, leaving out another ready one.
		c.Next, err = queueReadyStages(tx, jobID)
		return err
	})
	if len(c.Claimed) == 0 {
		c.Job = Job{}
	}
	if errors.Is(err, ErrStageNotClaimed) {
		return Completion{}, err
	}
	if err != nil {
		return Completion{}, translate(err, "Stage")
	}
	return c, nil
}

// completeJobColumn writes a stage's result to the job, which locks its row;
// with read, it reads the row back as the write left it, in the same
// statement.
func completeJobColumn(tx *gorm.DB, st alex.Stage, jobID string, result []byte, at time.Time, read bool, job *Job) error {
	// The column name comes from the fixed alex.Stages, never from input.
	update := "UPDATE jobs SET " + st.Column + " = ?, warnings = COALESCE(?, warnings), updated_at = ? WHERE id = ? AND status = 'running'"
	args := []any{string(result), warningsOf(st, result), at, jobID}
	if !read {
		return notClaimedUnlessChanged(tx.Exec(update, args...))
	}
	var rows []Job
	if err := tx.Raw(update+" RETURNING *", args...).Scan(&rows).Error; err != nil {
		return err
	}
	if len(rows) == 0 {
		return ErrStageNotClaimed
	}
	*job = rows[0]
	return nil
}

// claimReady claims up to n of the ready stages, in the order of their
// names, under the task id their task would have had. The status is checked
// again outside the subquery: a stage that a woken worker claims while this
// statement waits for its row is rechecked by PostgreSQL against the
// statement's own conditions only, not the subquery's.
func claimReady(tx *gorm.DB, jobID string, n int, at time.Time) ([]ClaimedStage, error) {
	var claimed []ClaimedStage
	err := tx.Raw(`UPDATE job_stages SET `+claimedColumns+`, task_id = job_id || ':' || name, enqueued_at = ?
		WHERE job_id = ? AND status = 'pending' AND name IN (SELECT s.name FROM job_stages s
			WHERE s.job_id = ? AND s.status = 'pending' AND `+stageReady+` ORDER BY s.name LIMIT ?)
		RETURNING name, attempts AS attempt, task_id`, at, at, at, at, jobID, jobID, n).Scan(&claimed).Error
	slices.SortFunc(claimed, func(a, b ClaimedStage) int { return strings.Compare(a.Name, b.Name) })
	return claimed, err
}

// warningsOf is the warnings array of a stage result that carries one,
// else nil (the column keeps what it has).
func warningsOf(st alex.Stage, result []byte) *string {
	if !st.Warnings {
		return nil
	}
	var r struct{ Warnings json.RawMessage }
	if json.Unmarshal(result, &r) != nil || len(r.Warnings) == 0 || string(r.Warnings) == "null" {
		w := "[]"
		return &w
	}
	w := string(r.Warnings)
	return &w
}

// notClaimedUnlessChanged is ErrStageNotClaimed for a statement that
// changed no row.
func notClaimedUnlessChanged(res *gorm.DB) error {
	if res.Error == nil && res.RowsAffected == 0 {
		return ErrStageNotClaimed
	}
	return res.Error
}

// queueReadyStages writes outbox rows for pending stages whose earlier
// stages all completed and that were not queued yet. Skipping the queued
// ones matters: inserting their task id again would wait on the outbox row
// a sweeper is marking delivered, while that sweeper waits on this
// transaction's stage row (a deadlock, found by bench/).
func queueReadyStages(tx *gorm.DB, jobID string) ([]OutboxTask, error) {
	var next []OutboxTask
	err := tx.Raw(`INSERT INTO outbox (job_id, stage, task_id)
		SELECT s.job_id, s.name, s.job_id || ':' || s.name FROM job_stages s
		WHERE s.job_id = ? AND s.status = 'pending'
		  AND `+stageReady+`
		  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.task_id = s.job_id || ':' || s.name)
		ON CONFLICT (task_id) DO NOTHING
		RETURNING id, job_id, stage, task_id`, jobID).Scan(&next).Error
	return next, err
}

// RetryStage puts a failed attempt's stage back to pending, so that the
// queue's retry can claim it at once. reason is shown to the user as the
// stage's error: a sentence, never internal error text.
func (s *Store) RetryStage(ctx context.Context, jobID, stage string, attempt int, reason string) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE job_stages SET status = 'pending', error = ?, heartbeat_at = NULL, updated_at = ?
		WHERE job_id = ? AND name = ? AND status = 'running' AND attempts = ?`, reason, now(), jobID, stage, attempt).Error
	return translate(err, "Stage")
}

// FailStage fails a stage for good with reason as its error: the job fails
// with message, and its other unfinished stages are cancelled. Both are
// shown to the user: sentences, never internal error text. An attempt that
// was replaced meanwhile fails nothing: ErrStageNotClaimed.
func (s *Store) FailStage(ctx context.Context, jobID, stage string, attempt int, reason, message string) error {
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		at := now()
		if err := tx.Exec("SELECT 1 FROM jobs WHERE id = ?"+lockRow(tx, "FOR NO KEY UPDATE"), jobID).Error; err != nil {
			return err
		}
		res := tx.Exec(`UPDATE job_stages SET status = 'failed', error = ?, completed_at = ?, heartbeat_at = NULL, updated_at = ?
			WHERE job_id = ? AND name = ? AND status = 'running' AND attempts = ?`, reason, at, at, jobID, stage, attempt)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrStageNotClaimed
		}
		// Running ones too: a sibling claimed while this failed discards its
		// result anyway.
		if err := tx.Exec(`UPDATE job_stages SET status = 'cancelled', updated_at = ?
			WHERE job_id = ? AND status IN ('pending', 'running')`, at, jobID).Error; err != nil {
			return err
		}
		return tx.Exec(`UPDATE jobs SET status = 'failed', error_message = ?, completed_at = ?, updated_at = ?
			WHERE id = ? AND status IN ('pending', 'running')`, message, at, at, jobID).Error
	})
	if errors.Is(err, ErrStageNotClaimed) {
		return err
	}
	return translate(err, "Stage")
}

// StageRef names a stage of a job and the task it was last queued under.
type StageRef struct {
	JobID    string
	Name     string
	Attempts int
	TaskID   *string
}

// StaleStages lists running stages whose runner stopped beating for
// staleAfter: their worker died.
func (s *Store) StaleStages(ctx context.Context, staleAfter time.Duration, limit int) ([]StageRef, error) {
	var refs []StageRef
	err := s.db.WithContext(ctx).Raw(`SELECT s.job_id, s.name, s.attempts, s.task_id FROM job_stages s
		JOIN jobs j ON j.id = s.job_id AND j.status = 'running'
		WHERE s.status = 'running' AND s.heartbeat_at < ? LIMIT ?`, now().Add(-staleAfter), limit).Scan(&refs).Error
	return refs, translate(err, "Stages")
}

// WaitingStages lists pending stages that are ready to run and were queued
// more than olderThan ago: if their task is gone from the queue (Redis lost
// it) they must be queued again.
func (s *Store) WaitingStages(ctx context.Context, olderThan time.Duration, limit int) ([]StageRef, error) {
	var refs []StageRef
	err := s.db.WithContext(ctx).Raw(`SELECT s.job_id, s.name, s.attempts, s.task_id FROM job_stages s
		JOIN jobs j ON j.id = s.job_id AND j.status IN ('pending', 'running')
		WHERE s.status = 'pending' AND s.enqueued_at < ?
		  AND `+stageReady+`
		LIMIT ?`, now().Add(-olderThan), limit).Scan(&refs).Error
	return refs, translate(err, "Stages")
}

// Requeue hands a pending stage whose task was lost (or is held by a dead
// worker) to the queue again through the outbox, under a new task id. Of
// sweepers racing for the same stage one wins: the row is re-checked under
// its lock.
func (s *Store) Requeue(ctx context.Context, ref StageRef, lostAfter time.Duration) error {
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		return requeueWhere(tx, ref, "status = 'pending' AND enqueued_at < ?", now().Add(-lostAfter))
	})
	return translate(err, "Stage")
}

// ReleaseStale takes a stage from a runner that stopped beating: the stage
// goes back to pending and to the queue under a new task id. Nothing happens
// if the runner beat again meanwhile.
func (s *Store) ReleaseStale(ctx context.Context, ref StageRef, staleAfter time.Duration) error {
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		return requeueWhere(tx, ref, "status = 'running' AND attempts = ? AND heartbeat_at < ?", ref.Attempts, now().Add(-staleAfter))
	})
	return translate(err, "Stage")
}

// requeueWhere sets the stage pending under a new task id if cond still
// holds, and writes that task to the outbox, old enough for the next sweep
// to deliver it.
func requeueWhere(tx *gorm.DB, ref StageRef, cond string, args ...any) error {
	at := now()
	var requeues []int
	err := tx.Raw(`UPDATE job_stages SET status = 'pending', heartbeat_at = NULL, enqueued_at = ?,
			requeues = requeues + 1, updated_at = ?
		WHERE job_id = ? AND name = ? AND `+cond+` RETURNING requeues`,
		append([]any{at, at, ref.JobID, ref.Name}, args...)...).Scan(&requeues).Error
	if err != nil || len(requeues) == 0 {
		return err
	}
	return tx.Exec(`INSERT INTO outbox (job_id, stage, task_id, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (task_id) DO NOTHING`,
		ref.JobID, ref.Name, TaskID(ref.JobID, ref.Name, requeues[0]), at.Add(-time.Hour)).Error
}
