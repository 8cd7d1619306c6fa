package alex

// Job statuses, shared by a job and its stages.
const (
	StatusPending   = "pending"
	StatusRunning   = "running"
	StatusCompleted = "completed"
	StatusFailed    = "failed"
	StatusCancelled = "cancelled"
)

// JobStatuses lists the statuses in the order a job goes through them.
var JobStatuses = []string{StatusPending, StatusRunning, StatusCompleted, StatusFailed, StatusCancelled}

// Terminal tells whether a job (or stage) of this status will not change
// any more.
func Terminal(status string) bool {
	return status == StatusCompleted || status == StatusFailed || status == StatusCancelled
}

// Stage is a stage of the analysis pipeline. Stages of one Position run in
// parallel; a stage starts when every stage of a lower Position completed,
// and the stages of the last Position finish the job.
type Stage struct {
	Name     string
	Position int
	// Column is the jobs column the stage's result is written to.
	Column string
	// Warnings tells that the result carries the job's warnings, as a
	// top-level "Warnings" array, copied to the served warnings column.
	Warnings bool
	// Label is what the report page says while the stage runs.
	Label string
	// Noun names the stage in a failed job's sentence: "The <Noun> could
	// not be completed."
	Noun string
}

// Stages is the analysis pipeline: planner, then charter, reporter and
// retirement in parallel, then summary. Each stage's function is in
// tasks.Analysis.Stages. The database does not constrain stage names, so a
// new stage needs a migration only for its result Column; the job statuses
// are also a CHECK of the jobs and job_stages tables (SQL, migration 00003).
var Stages = []Stage{
	{"planner", 0, "snapshot", true, "Valuing your holdings", "portfolio review"},
	{"charter", 1, "charts_payload", false, "Drawing the charts", "charts"},
	{"reporter", 1, "report_payload", false, "Writing the report", "written report"},
	{"retirement", 1, "retirement_payload", false, "Projecting your retirement", "retirement projection"},
	{"summary", 2, "summary_payload", false, "Summing up", "summary"},
}

// StageByName finds a stage of the pipeline.
func StageByName(name string) (Stage, bool) {
	for _, s := range Stages {
		if s.Name == name {
			return s, true
		}
	}
	return Stage{}, false
}

// StageNames lists the stages' names in pipeline order.
func StageNames() []string {
	names := make([]string, len(Stages))
	for i, s := range Stages {
		names[i] = s.Name
	}
	return names
}

// Finishes tells whether the stage is of the pipeline's last position: only
// its completion can complete a job, and nothing comes after it.
func (s Stage) Finishes() bool { return s.Position == Stages[len(Stages)-1].Position }
