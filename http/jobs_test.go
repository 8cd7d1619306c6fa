package http_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	alexhttp "github.com/alex-advisor/alex/http"
)

// The Alex frontend sends no limit and expects every recent job, up to 100.
func TestJobsListDefaultsToAHundred(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	var ids []string
	for range 25 {
		id := api.submitJob(t, tok)
		mustDo[jobJSON](t, api, http.MethodPost, "/api/v1/jobs/"+id+"/cancel", tok, nil, http.StatusAccepted)
		ids = append(ids, id)
	}
	page := mustDo[jobsJSON](t, api, http.MethodGet, "/api/jobs", tok, nil, http.StatusOK)
	require.Len(t, page.Jobs, 25, "more than the old default of 20")
	require.Nil(t, page.NextCursor)
	require.Equal(t, ids[24], page.Jobs[0].ID, "newest first")

	page = mustDo[jobsJSON](t, api, http.MethodGet, "/api/v1/jobs?limit=10", tok, nil, http.StatusOK)
	require.Len(t, page.Jobs, 10)
	require.NotNil(t, page.NextCursor, "cursor pagination as before")
	rest := mustDo[jobsJSON](t, api, http.MethodGet, "/api/v1/jobs?cursor="+*page.NextCursor, tok, nil, http.StatusOK)
	require.Len(t, rest.Jobs, 15)

	resp, raw := api.do(t, http.MethodGet, "/api/jobs?limit=101", tok, nil)
	requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "query.limit")
}

// On the /api alias a cancelled job reads failed ("Analysis cancelled"), so
// the Alex frontend stops polling; /api/v1 keeps cancelled. The two answers
// differ, and so do their ETags.
func TestCancelledJobReadsFailedOnTheAlexAlias(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	id := api.submitJob(t, tok)
	pending := api.submitJob(t, tok)

	cancelled := mustDo[jobJSON](t, api, http.MethodPost, "/api/v1/jobs/"+id+"/cancel", tok, nil, http.StatusAccepted)
	require.Equal(t, "cancelled", cancelled.Status)

	for range 2 { // the second read is served from the finished jobs kept in memory
		resp, raw := api.do(t, http.MethodGet, "/api/v1/jobs/"+id, tok, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		v1 := decodeStrict[jobJSON](t, raw)
		v1ETag := resp.Header.Get("ETag")
		require.Equal(t, "cancelled", v1.Status)

		resp, raw = api.do(t, http.MethodGet, "/api/jobs/"+id, tok, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		alias := decodeStrict[jobJSON](t, raw)
		aliasETag := resp.Header.Get("ETag")
		require.Equal(t, "failed", alias.Status)
		require.Equal(t, ptr("Analysis cancelled"), alias.Error)
		require.Equal(t, ptr("Analysis cancelled"), alias.ErrorMessage)
		require.Equal(t, v1.ID, alias.ID)
		require.NotEmpty(t, aliasETag)
		require.NotEqual(t, v1ETag, aliasETag, "another body, another ETag")

		resp, _ = api.send(t, http.MethodGet, "/api/jobs/"+id, http.Header{"Authorization": {"Bearer " + tok}, "If-None-Match": {aliasETag}}, nil)
		require.Equal(t, http.StatusNotModified, resp.StatusCode)
		resp, _ = api.send(t, http.MethodGet, "/api/jobs/"+id, http.Header{"Authorization": {"Bearer " + tok}, "If-None-Match": {v1ETag}}, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, "/api/v1's ETag does not stand for the alias's body")
	}

	byID := func(jobs []jobJSON) map[string]jobJSON {
		out := map[string]jobJSON{}
		for _, j := range jobs {
			out[j.ID] = j
		}
		return out
	}
	aliasList := byID(mustDo[jobsJSON](t, api, http.MethodGet, "/api/jobs", tok, nil, http.StatusOK).Jobs)
	require.Equal(t, "failed", aliasList[id].Status)
	require.Equal(t, ptr("Analysis cancelled"), aliasList[id].Error)
	require.Equal(t, "pending", aliasList[pending].Status, "other jobs are as they are")
	require.Nil(t, aliasList[pending].Error)
	v1List := byID(mustDo[jobsJSON](t, api, http.MethodGet, "/api/v1/jobs", tok, nil, http.StatusOK).Jobs)
	require.Equal(t, "cancelled", v1List[id].Status)
	require.Nil(t, v1List[id].Error)

	viaAlias := mustDo[jobJSON](t, api, http.MethodPost, "/api/jobs/"+pending+"/cancel", tok, nil, http.StatusAccepted)
	require.Equal(t, "failed", viaAlias.Status, "the cancel's answer on the alias too")
	require.Equal(t, ptr("Analysis cancelled"), viaAlias.Error)
}

// analyzeJSON is the answer of POST /analyze.
type analyzeJSON struct {
	JobID   string `json:"job_id"`
	Message string `json:"message"`
}

// A submit answers 202 with the job and where to read it; its
// Idempotency-Key names that job for a retry of the same body, a different
// body under the key is 422, and unfinished jobs beyond the limit are 429.
func TestSubmitIsIdempotentAndCapped(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, withConfig(func(c *alexhttp.Config) { c.MaxActiveJobsPerUser = 2 }))
	tok := api.token(t, "user_ada")
	submit := func(key string, body any) (*http.Response, []byte) {
		h := http.Header{"Authorization": {"Bearer " + tok}, "Content-Type": {"application/json"}}
		if key != "" {
			h.Set("Idempotency-Key", key)
		}
		return api.send(t, http.MethodPost, "/api/v1/analyze", h, body)
	}
	body := map[string]any{"analysis_type": "portfolio", "options": map[string]any{"paths": 2000}}

	resp, raw := submit("retry-me", body)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, "%s", raw)
	first := decodeStrict[analyzeJSON](t, raw)
	require.Equal(t, "/api/v1/jobs/"+first.JobID, resp.Header.Get("Location"))
	requireSentence(t, first.Message)
	job := mustDo[jobJSON](t, api, http.MethodGet, resp.Header.Get("Location"), tok, nil, http.StatusOK)
	require.Equal(t, "pending", job.Status)
	require.Equal(t, "user_ada", job.UserID)
	require.JSONEq(t, `{"analysis_type":"portfolio","options":{"paths":2000}}`, string(job.RequestPayload))

	resp, raw = submit("retry-me", body)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, "%s", raw)
	require.Equal(t, first.JobID, decodeStrict[analyzeJSON](t, raw).JobID, "a retry gets the same job")

	resp, raw = submit("retry-me", map[string]any{"analysis_type": "portfolio", "options": map[string]any{"paths": 3000}})
	requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "header.Idempotency-Key")

	resp, raw = submit("", body)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, "%s", raw)
	resp, raw = submit("", body)
	requireProblem(t, resp, raw, http.StatusTooManyRequests)
	resp, raw = submit("retry-me", body)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, "a retry of a job already made is no new job: %s", raw)

	resp, raw = submit("", map[string]any{"analysis_type": "portfolio", "options": map[string]any{"paths": 10}})
	requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "body.options.paths")
	resp, raw = submit("", map[string]any{"analysis_type": "palmistry"})
	requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "body.analysis_type")
	resp, raw = api.do(t, http.MethodPost, "/api/v1/analyze", "", body)
	requireProblem(t, resp, raw, http.StatusUnauthorized)
}

// Reading a job shows the state machine's progress stage by stage and the
// results as they land; its event stream sends the job and ends with a
// finished one.
func TestJobReadsFollowItsStages(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	id := api.submitJob(t, tok)
	ctx := context.Background()
	run := func(stage, result string) {
		attempt, err := api.store.ClaimStage(ctx, id, stage, time.Minute)
		require.NoError(t, err)
		_, err = api.store.CompleteStage(ctx, id, stage, attempt, []byte(result))
		require.NoError(t, err)
	}
	get := func() jobJSON {
		return mustDo[jobJSON](t, api, http.MethodGet, "/api/v1/jobs/"+id, tok, nil, http.StatusOK)
	}
	job := get()
	require.Equal(t, "pending", job.Status)
	require.Zero(t, job.Progress)
	require.Len(t, job.Stages, 5)
	require.Empty(t, job.Warnings)
	require.JSONEq(t, `null`, string(job.ReportPayload))

	run("planner", `{"Warnings":[{"code":"unpriced","symbol":"ZZZ","message":"ZZZ has no price; it is left out."}]}`)
	run("reporter", `{"markdown":"# Report"}`)
	job = get()
	require.Equal(t, "running", job.Status)
	require.Equal(t, 40, job.Progress, "two of five stages")
	require.NotNil(t, job.StartedAt)
	require.Len(t, job.Warnings, 1)
	require.Equal(t, "ZZZ", job.Warnings[0].Symbol)
	require.JSONEq(t, `{"markdown":"# Report"}`, string(job.ReportPayload))
	for _, st := range job.Stages {
		if st.Name == "planner" || st.Name == "reporter" {
			require.Equal(t, "completed", st.Status, st.Name)
			require.Equal(t, 1, st.Attempts, st.Name)
		}
	}

	run("charter", `{}`)
	run("retirement", `{}`)
	run("summary", `{"text":"All good."}`)
	job = get()
	require.Equal(t, "completed", job.Status)
	require.Equal(t, 100, job.Progress)
	require.NotNil(t, job.CompletedAt)
	require.JSONEq(t, `{"text":"All good."}`, string(job.SummaryPayload))

	resp, raw := api.do(t, http.MethodGet, "/api/v1/jobs/"+id+"/events", tok, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)
	require.Equal(t, "text/event-stream", mediaType(resp))
	event, data, ok := strings.Cut(string(raw), "data: ")
	require.True(t, ok, "%s", raw)
	require.True(t, strings.HasPrefix(event, "event: job\nid: "), "%s", raw)
	require.True(t, strings.HasSuffix(data, "\n\n"), "one event, then the stream of a finished job ends: %s", raw)
	streamed := decodeStrict[jobJSON](t, []byte(data))
	require.Equal(t, "completed", streamed.Status)
	require.Equal(t, id, streamed.ID)

	resp, raw = api.do(t, http.MethodPost, "/api/v1/jobs/"+id+"/cancel", tok, nil)
	requireProblem(t, resp, raw, http.StatusConflict)
}

// Each jobs route refuses what it must: a job of another user is not
// found (never forbidden: its existence is not told), a malformed id or
// cursor is 422, no token is 401.
func TestJobRoutesRefuse(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok, other := api.token(t, "user_ada"), api.token(t, "user_bob")
	id := api.submitJob(t, tok)
	cases := []struct {
		method, path, token string
		status              int
		location            string
	}{
		{http.MethodGet, "/api/v1/jobs/" + id, other, http.StatusNotFound, ""},
		{http.MethodGet, "/api/v1/jobs/" + unknownUUID, tok, http.StatusNotFound, ""},
		{http.MethodGet, "/api/v1/jobs/not-a-job", tok, http.StatusUnprocessableEntity, "path.id"},
		{http.MethodGet, "/api/v1/jobs/" + id, "", http.StatusUnauthorized, ""},
		{http.MethodGet, "/api/v1/jobs?cursor=not-a-cursor", tok, http.StatusUnprocessableEntity, "query.cursor"},
		{http.MethodGet, "/api/v1/jobs?limit=0", tok, http.StatusUnprocessableEntity, "query.limit"},
		{http.MethodGet, "/api/v1/jobs", "", http.StatusUnauthorized, ""},
		{http.MethodPost, "/api/v1/jobs/" + id + "/cancel", other, http.StatusNotFound, ""},
		{http.MethodPost, "/api/v1/jobs/" + unknownUUID + "/cancel", tok, http.StatusNotFound, ""},
		{http.MethodPost, "/api/v1/jobs/" + id + "/cancel", "", http.StatusUnauthorized, ""},
		{http.MethodGet, "/api/v1/jobs/" + id + "/events", other, http.StatusNotFound, ""},
		{http.MethodGet, "/api/v1/jobs/" + unknownUUID + "/events", tok, http.StatusNotFound, ""},
		{http.MethodGet, "/api/v1/jobs/" + id + "/events", "", http.StatusUnauthorized, ""},
	}
	for _, c := range cases {
		resp, raw := api.do(t, c.method, c.path, c.token, nil)
		var locations []string
		if c.location != "" {
			locations = append(locations, c.location)
		}
		requireProblem(t, resp, raw, c.status, locations...)
	}
	page := mustDo[jobsJSON](t, api, http.MethodGet, "/api/v1/jobs", other, nil, http.StatusOK)
	require.Empty(t, page.Jobs, "another user lists none of ada's jobs")
	require.Equal(t, "pending", mustDo[jobJSON](t, api, http.MethodGet, "/api/v1/jobs/"+id, tok, nil, http.StatusOK).Status,
		"nothing the refused requests did changed the job")
}
