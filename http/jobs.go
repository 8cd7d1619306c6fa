package http

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/analysis"
	"github.com/alex-advisor/alex/store"
	"github.com/alex-advisor/alex/tasks"
)

// Job is the analysis job of the contract.
type Job struct {
	ID                string          `json:"id" format:"uuid"`
	UserID            string          `json:"clerk_user_id"`
	JobType           string          `json:"job_type"`
	Status            jobStatus       `json:"status"`
	Progress          int             `json:"progress" minimum:"0" maximum:"100"`
	Stages            []JobStage      `json:"stages"`
	RequestPayload    json.RawMessage `json:"request_payload"`
	ReportPayload     json.RawMessage `json:"report_payload"`
	ChartsPayload     json.RawMessage `json:"charts_payload"`
	RetirementPayload json.RawMessage `json:"retirement_payload"`
	SummaryPayload    json.RawMessage `json:"summary_payload"`
	Warnings          jobWarnings     `json:"warnings" doc:"What made the result less certain: holdings without a usable price (left out of every total, never counted as zero), old prices or rates. Empty until the planner ran."`
	ErrorMessage      *string         `json:"error_message"`
	Error             *string         `json:"error" doc:"The same as error_message, for the Alex frontend."`
	CreatedAt         time.Time       `json:"created_at"`
	StartedAt         *time.Time      `json:"started_at"`
	CompletedAt       *time.Time      `json:"completed_at"`
	UpdatedAt         time.Time       `json:"updated_at"`
}

// JobWarning is one thing that made a job's result less certain.
type JobWarning struct {
	Code    warningCode `json:"code"`
	Symbol  string      `json:"symbol,omitempty" doc:"The holding it is about, if any"`
	Message string      `json:"message" doc:"A sentence for the user"`
}

// jobWarnings are a job's warnings as the planner wrote them (from
// analysis.Warning, JobWarning's fields): served as they are, not decoded
// on every read of the job.
type jobWarnings []byte

// MarshalJSON writes the stored array, or [] before the planner ran.
func (w jobWarnings) MarshalJSON() ([]byte, error) {
	if len(w) == 0 {
		return []byte("[]"), nil
	}
	return w, nil
}

// Schema documents jobWarnings as the []JobWarning they are.
func (jobWarnings) Schema(r huma.Registry) *huma.Schema {
	return r.Schema(reflect.TypeFor[[]JobWarning](), true, "")
}

// JobStage is one stage of a job.
type JobStage struct {
	Name        stageName  `json:"name"`
	Status      jobStatus  `json:"status"`
	Attempts    int        `json:"attempts"`
	StartedAt   *time.Time `json:"started_at"`
	CompletedAt *time.Time `json:"completed_at"`
	Error       *string    `json:"error"`
}

func jobOf(j store.Job) Job {
	out := Job{
		ID: j.ID, UserID: j.UserID, JobType: j.JobType, Status: jobStatus(j.Status),
		RequestPayload: rawOrNull(j.RequestPayload), ReportPayload: rawOrNull(j.ReportPayload),
		ChartsPayload: rawOrNull(j.ChartsPayload), RetirementPayload: rawOrNull(j.RetirementPayload),
		SummaryPayload: rawOrNull(j.SummaryPayload), ErrorMessage: j.ErrorMessage, Error: j.ErrorMessage,
		CreatedAt: j.CreatedAt, StartedAt: j.StartedAt, CompletedAt: j.CompletedAt, UpdatedAt: j.UpdatedAt,
		Stages: make([]JobStage, len(j.JobStages)), Warnings: j.Warnings,
	}
	completed := 0
	for i, st := range j.JobStages {
		out.Stages[i] = JobStage{Name: stageName(st.Name), Status: jobStatus(st.Status), Attempts: st.Attempts,
			StartedAt: st.StartedAt, CompletedAt: st.CompletedAt, Error: st.Error}
		if st.Status == alex.StatusCompleted {
			completed++
		}
	}
	if len(j.JobStages) > 0 {
		out.Progress = completed * 100 / len(j.JobStages)
	}
	return out
}

func rawOrNull(b []byte) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	return b
}

// cancelledForAlex is the error a cancelled job shows on the /api alias.
const cancelledForAlex = "Analysis cancelled"

// asAlexSees is j as the /api alias serves it. The Alex frontend polls a
// job until it is completed or failed and knows no other end, so there a
// cancelled job reads failed, with a sentence saying why; /api/v1 keeps
// cancelled.
func asAlexSees(j Job) Job {
	if j.Status != alex.StatusCancelled {
		return j
	}
	msg := cancelledForAlex
	j.Status = alex.StatusFailed
	j.ErrorMessage, j.Error = &msg, &msg
	return j
}

// presented is j as the request's path serves it.
func presented(ctx context.Context, j Job) Job {
	if onAlexAlias(ctx) {
		return asAlexSees(j)
	}
	return j
}

// alexETag is the ETag of a job's answer on the /api alias when that answer
// differs from /api/v1's of ETag etag.
func alexETag(etag string) string {
	return strings.TrimSuffix(etag, `"`) + `-alex"`
}

// etagOf changes whenever anything the job's JSON shows changes: every write
// moves the job's or a stage's updated_at or status.
func etagOf(j store.Job) string {
	h := fnv.New64a()
	fmt.Fprint(h, j.ID, j.Status, j.UpdatedAt.UnixNano())
	for _, st := range j.JobStages {
		fmt.Fprint(h, st.Name, st.Status, st.Attempts, st.UpdatedAt.UnixNano())
	}
	return fmt.Sprintf(`"%x"`, h.Sum64())
}

// analyzeBodyBytes caps the analyze body: its options are a few numbers.
const analyzeBodyBytes = 16 << 10

type analyzeInput struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"255" doc:"The same key from the same user within 24 h returns the same job; with a different body it is 422."`
	Body           struct {
		AnalysisType string            `json:"analysis_type,omitempty" enum:"portfolio" default:"portfolio"`
		Options      *PortfolioOptions `json:"options,omitempty" doc:"Options of the portfolio analysis; every one is optional and echoed in retirement_payload.assumptions."`
	}
}

// PortfolioOptions are the options of a portfolio analysis. The bounds are
// analysis'; Resolve checks them with analysis' own Validate too, so the
// schema and the simulation cannot disagree.
type PortfolioOptions struct {
	Paths                  *int           `json:"paths,omitempty" minimum:"1000" maximum:"100000" doc:"Monte Carlo paths (default 10000)"`
	Seed                   *uint64        `json:"seed,omitempty" maximum:"9007199254740991" doc:"Random seed: the same seed and portfolio give the same projection (default: derived from the job id)"`
	AnnualContribution     *float64       `json:"annual_contribution,omitempty" minimum:"0" maximum:"1000000000" doc:"Saved each year until retirement, in the base currency (default 10000)"`
	RetirementYears        *int           `json:"retirement_years,omitempty" minimum:"1" maximum:"60" doc:"Years of withdrawals (default 30)"`
	Inflation              *float64       `json:"inflation,omitempty" minimum:"0" maximum:"0.2" doc:"Yearly inflation, 0.03 = 3% (default 0.03)"`
	Returns                *ReturnOptions `json:"returns,omitempty" doc:"Return assumptions overriding the defaults, per asset class"`
	YearsUntilRetirement   *int           `json:"years_until_retirement,omitempty" minimum:"0" maximum:"100" doc:"Overrides the profile's for this run"`
	TargetRetirementIncome *float64       `json:"target_retirement_income,omitempty" minimum:"0" maximum:"1000000000" doc:"Yearly income in today's money; overrides the profile's for this run"`
}

// ReturnOptions override the return assumption of some asset classes.
type ReturnOptions struct {
	Equity       *ReturnOption `json:"equity,omitempty"`
	FixedIncome  *ReturnOption `json:"fixed_income,omitempty"`
	RealEstate   *ReturnOption `json:"real_estate,omitempty"`
	Commodities  *ReturnOption `json:"commodities,omitempty"`
	Cash         *ReturnOption `json:"cash,omitempty"`
	Alternatives *ReturnOption `json:"alternatives,omitempty"`
}

// ReturnOption is the normal distribution of one asset class's yearly return.
type ReturnOption struct {
	Mean  float64 `json:"mean" minimum:"-1" maximum:"1" doc:"Mean yearly return, 0.07 = 7%"`
	Stdev float64 `json:"stdev" minimum:"0" maximum:"1" doc:"Standard deviation of the yearly return"`
}

func (r *ReturnOptions) byClass() map[string]analysis.ReturnAssumption {
	out := map[string]analysis.ReturnAssumption{}
	for class, o := range map[string]*ReturnOption{"equity": r.Equity, "fixed_income": r.FixedIncome,
		"real_estate": r.RealEstate, "commodities": r.Commodities, "cash": r.Cash, "alternatives": r.Alternatives} {
		if o != nil {
			out[class] = analysis.ReturnAssumption{Mean: o.Mean, StdDev: o.Stdev}
		}
	}
	return out
}

// retirementOptions are the options as the simulation takes them.
func (o *PortfolioOptions) retirementOptions() analysis.RetirementOptions {
	out := analysis.RetirementOptions{YearsUntilRetirement: o.YearsUntilRetirement, TargetRetirementIncome: o.TargetRetirementIncome}
	if o.Paths != nil {
		out.Paths = *o.Paths
	}
	if o.AnnualContribution != nil {
		out.AnnualContribution = *o.AnnualContribution
	}
	if o.RetirementYears != nil {
		out.RetirementYears = *o.RetirementYears
	}
	if o.Inflation != nil {
		out.Inflation = *o.Inflation
	}
	if o.Returns != nil {
		out.Returns = o.Returns.byClass()
	}
	return out
}

// Resolve checks the options with the simulation's own bounds, after the
// schema's, so a 422 lists every failing field at once.
func (in *analyzeInput) Resolve(huma.Context) []error {
	if in.Body.Options == nil {
		return nil
	}
	var errs []error
	for _, e := range in.Body.Options.retirementOptions().Validate() {
		errs = append(errs, &huma.ErrorDetail{Location: "body.options." + e.Field, Message: e.Message})
	}
	return errs
}

type analyzeOutput struct {
	Location string `header:"Location"`
	Body     struct {
		JobID   string `json:"job_id" format:"uuid"`
		Message string `json:"message"`
	}
}

// JobPath: see AccountPath.
type JobPath struct {
	ID string `path:"id" format:"uuid" doc:"Job id"`
}

type getJobInput struct {
	JobPath
	IfNoneMatch string `header:"If-None-Match" doc:"An ETag of an earlier answer: 304 when the job has not changed."`
}

type jobOutput struct {
	ETag string `header:"ETag"`
	Body encodedJob
}

type listJobsInput struct {
	Cursor string `query:"cursor" maxLength:"200"`
	Limit  int    `query:"limit" minimum:"1" maximum:"100" default:"100" doc:"The Alex frontend sends none and shows every recent job"`
}

type jobsOutput struct {
	Body struct {
		Jobs       []Job   `json:"jobs"`
		NextCursor *string `json:"next_cursor"`
	}
}

func (s *Server) registerJobRoutes() {
	analyze := opPost("analyze", "/api/v1/analyze", "Start a portfolio analysis", "jobs", http.StatusAccepted)
	analyze.MaxBodyBytes = analyzeBodyBytes
	register(s, analyze, s.analyze)
	register(s, opGet("list-jobs", "/api/v1/jobs", "List the user's jobs, newest first", "jobs"), s.listJobs)
	register(s, opGet("get-job", "/api/v1/jobs/{id}", "Get a job with its stages and results", "jobs"), s.getJob)
	register(s, opPost("cancel-job", "/api/v1/jobs/{id}/cancel", "Cancel a job: no further stage runs", "jobs", http.StatusAccepted), s.cancelJob)
	s.registerJobEvents()
}

func (s *Server) analyze(ctx context.Context, in *analyzeInput) (*analyzeOutput, error) {
	if _, _, err := s.ensureUser(ctx); err != nil {
		return nil, err
	}
	request, err := json.Marshal(in.Body)
	if err != nil {
		return nil, err
	}
	job, task, created, err := s.cfg.Store.CreateJob(ctx, store.NewJob{
		UserID: userID(ctx), JobType: "portfolio_analysis", Request: request,
		IdempotencyKey: in.IdempotencyKey, MaxActive: s.cfg.MaxActiveJobsPerUser,
	})
	if err != nil {
		return nil, err
	}
	if created && s.cfg.Queue != nil {
		// After commit: if Redis is down the task waits in the outbox.
		tasks.Deliver(ctx, s.cfg.Queue, s.cfg.Store, s.log, []store.OutboxTask{*task})
	}
	out := &analyzeOutput{Location: "/api/v1/jobs/" + job.ID}
	out.Body.JobID = job.ID
	out.Body.Message = "Analysis started. Check job status for results."
	return out, nil
}

func (s *Server) listJobs(ctx context.Context, in *listJobsInput) (*jobsOutput, error) {
	page, err := s.cfg.Store.Jobs(ctx, userID(ctx), in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &jobsOutput{}
	out.Body.Jobs = make([]Job, len(page.Jobs))
	for i, j := range page.Jobs {
		out.Body.Jobs[i] = presented(ctx, jobOf(j))
	}
	if page.NextCursor != "" {
		out.Body.NextCursor = &page.NextCursor
	}
	return out, nil
}

func (s *Server) getJob(ctx context.Context, in *getJobInput) (*jobOutput, error) {
	v, err := s.jobView(ctx, userID(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	v = v.servedIn(ctx)
	if in.IfNoneMatch == v.etag {
		return nil, huma.ErrorWithHeaders(huma.Status304NotModified(), http.Header{"ETag": {v.etag}})
	}
	return &jobOutput{ETag: v.etag, Body: v.body}, nil
}

func (s *Server) cancelJob(ctx context.Context, in *JobPath) (*jobOutput, error) {
	j, err := s.cfg.Store.CancelJob(ctx, userID(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	if s.cfg.Queue != nil {
		if err := s.cfg.Queue.PublishJobChanged(ctx, j.ID); err != nil {
			s.log.WarnContext(ctx, "job event not published", "job_id", j.ID, "err", err)
		}
	}
	v, err := viewOf(j)
	if err != nil {
		return nil, err
	}
	v = v.servedIn(ctx)
	return &jobOutput{ETag: v.etag, Body: v.body}, nil
}
