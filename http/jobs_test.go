package http_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
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
