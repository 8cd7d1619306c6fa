package http

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/render"
	"github.com/alex-advisor/alex/store"
)

// reportCSP lets a report page show its own inline styles and data: images
// and nothing else: no script, no request to any host, no form, no frame.
const reportCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; " +
	"form-action 'none'; frame-ancestors 'none'"

const (
	// defaultShareSeconds is how long a share link works when the request
	// does not say: a week.
	defaultShareSeconds = 7 * 24 * 3600
	// maxShareSeconds is the longest a share link may work: 30 days.
	maxShareSeconds = 30 * 24 * 3600
	// shareTokenBytes is the randomness of a share link's token: 128 bits.
	shareTokenBytes = 16
)

// pageOutput is an HTML page with the headers every report page carries.
type pageOutput struct {
	Status         int
	ContentType    string `header:"Content-Type"`
	CSP            string `header:"Content-Security-Policy"`
	NoSniff        string `header:"X-Content-Type-Options"`
	ReferrerPolicy string `header:"Referrer-Policy"`
	CacheControl   string `header:"Cache-Control"`
	Robots         string `header:"X-Robots-Tag"`
	Body           []byte
}

// htmlPage wraps a page. Report pages are never stored by a cache (they
// are private, or reached through a revocable link), never indexed, and
// send no referrer: a shared page's URL holds its token.
func htmlPage(status int, body []byte) *pageOutput {
	return &pageOutput{Status: status, ContentType: "text/html; charset=utf-8", CSP: reportCSP, NoSniff: "nosniff",
		ReferrerPolicy: "no-referrer", CacheControl: "no-store", Robots: "noindex, nofollow", Body: body}
}

// htmlResponse documents an HTML answer in the OpenAPI document.
func htmlResponse(description string) *huma.Response {
	return &huma.Response{Description: description,
		Content: map[string]*huma.MediaType{"text/html": {Schema: &huma.Schema{Type: "string"}}}}
}

type shareInput struct {
	JobPath
	Body *struct {
		ExpiresIn int `json:"expires_in,omitempty" minimum:"1" maximum:"2592000" default:"604800" doc:"Seconds the link works, at most 30 days (default 7 days)"`
	}
	origin string
}

// Resolve notes the request's own origin, for links when PUBLIC_URL is not
// set. Host is a view into Fiber's buffers: copied.
func (in *shareInput) Resolve(ctx huma.Context) []error {
	scheme := "http"
	if ctx.TLS() != nil {
		scheme = "https"
	}
	in.origin = scheme + "://" + strings.Clone(ctx.Host())
	return nil
}

type shareOutput struct {
	Body struct {
		URL       string    `json:"url" format:"uri" doc:"Opens the report without login until expires_at"`
		ExpiresAt time.Time `json:"expires_at"`
	}
}

type sharedPageInput struct {
	Token string `path:"token" doc:"The token of a share link"`
}

func (s *Server) registerReportRoutes() {
	report := opGet("job-report", "/api/v1/jobs/{id}/report", "The job's report as a page a person reads", "reports")
	report.Description = "A self-contained HTML page (inline CSS and SVG, no script, nothing from another host) with the " +
		"portfolio's value, summary, charts, retirement projection, report, data quality and assumptions. An unfinished " +
		"job's page shows its stages and reloads itself every 3 seconds; a failed one its error."
	report.Responses = map[string]*huma.Response{"200": htmlResponse("The report page")}
	register(s, report, s.jobReport)

	share := opPost("share-job", "/api/v1/jobs/{id}/share", "Make a link that shows the job's report without login", "reports", http.StatusCreated)
	register(s, share, s.shareJob)
	unshare := opDelete("unshare-job", "/api/v1/jobs/{id}/share", "Revoke every share link of the job, at once", "reports")
	unshare.DefaultStatus = http.StatusNoContent
	register(s, unshare, s.unshareJob)

	shared := opGet("shared-report", "/r/{token}", "A shared report page, without login", "reports")
	shared.Description = "The report page of a share link. An unknown, expired or revoked link, or one whose job is " +
		"gone, answers a small HTML 404 page."
	shared.Responses = map[string]*huma.Response{"200": htmlResponse("The report page"), "404": htmlResponse("No such link")}
	register(s, shared, s.sharedReport)
}

func (s *Server) jobReport(ctx context.Context, in *JobPath) (*pageOutput, error) {
	j, err := s.cfg.Store.Job(ctx, userID(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	page, err := render.Page(reportJob(j), render.Options{})
	if err != nil {
		return nil, err
	}
	return htmlPage(http.StatusOK, page), nil
}

func (s *Server) sharedReport(ctx context.Context, in *sharedPageInput) (*pageOutput, error) {
	j, expires, err := s.cfg.Store.SharedJob(ctx, in.Token)
	if alexCode(err) == alex.ENOTFOUND {
		return htmlPage(http.StatusNotFound, render.NotFound()), nil
	}
	if err != nil {
		return nil, err
	}
	page, err := render.Page(reportJob(j), render.Options{SharedUntil: expires})
	if err != nil {
		return nil, err
	}
	return htmlPage(http.StatusOK, page), nil
}

func (s *Server) shareJob(ctx context.Context, in *shareInput) (*shareOutput, error) {
	seconds := defaultShareSeconds
	if in.Body != nil && in.Body.ExpiresIn != 0 {
		seconds = in.Body.ExpiresIn
	}
	token, err := shareToken()
	if err != nil {
		return nil, err
	}
	expires := time.Now().UTC().Add(time.Duration(seconds) * time.Second).Truncate(time.Second)
	if err := s.cfg.Store.CreateShareLink(ctx, userID(ctx), in.ID, token, expires); err != nil {
		return nil, err
	}
	out := &shareOutput{}
	out.Body.URL = strings.TrimRight(cmp.Or(s.cfg.PublicURL, in.origin), "/") + "/r/" + token
	out.Body.ExpiresAt = expires
	return out, nil
}

func (s *Server) unshareJob(ctx context.Context, in *JobPath) (*struct{}, error) {
	return nil, s.cfg.Store.RevokeShareLinks(ctx, userID(ctx), in.ID)
}

// shareToken is 128 random bits, base64url without padding.
func shareToken() (string, error) {
	b := make([]byte, shareTokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// reportJob is what a report page may show of a job: its state and results,
// never its owner.
func reportJob(j store.Job) render.Job {
	out := render.Job{ID: j.ID, Status: j.Status, CreatedAt: j.CreatedAt, CompletedAt: j.CompletedAt,
		Charts: j.ChartsPayload, Report: j.ReportPayload, Retirement: j.RetirementPayload, Summary: j.SummaryPayload,
		Warnings: j.Warnings}
	if j.ErrorMessage != nil {
		out.ErrorMessage = *j.ErrorMessage
	}
	for _, st := range j.JobStages {
		stage := render.Stage{Name: st.Name, Status: st.Status}
		if st.Error != nil {
			stage.Error = *st.Error
		}
		out.Stages = append(out.Stages, stage)
	}
	return out
}
