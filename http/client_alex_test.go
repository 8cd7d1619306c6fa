package http_test

// The Alex frontend's contract: every call it makes (../shared/CLIENTS.md,
// section 1), in the order a person's session makes them, against the real
// service, with the status it needs and the JSON type of every field it
// reads. It runs on PostgreSQL and, with TEST_STORE=sqlite, on the embedded
// SQLite store.

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/tasks"
)

// alexSession is what the calls of a session learn and later calls use.
type alexSession struct {
	accountID, positionID, jobID string
}

// alexCall is one call of the Alex frontend. reads maps a field path to its
// JSON type(s): dotted, "[]" stepping into every element of an array, ""
// the whole answer; "string|null" allows either.
type alexCall struct {
	method string
	path   func(s *alexSession) string
	body   func(s *alexSession) any
	status int
	reads  map[string]string
	// learn takes what later calls need from the answer.
	learn func(t *testing.T, s *alexSession, answer any)
	// before readies the service, as time and the worker would.
	before func(t *testing.T, api *testAPI, s *alexSession)
}

func fixed(path string) func(*alexSession) string { return func(*alexSession) string { return path } }

var (
	userFields = map[string]string{
		"clerk_user_id": "string", "display_name": "string", "years_until_retirement": "number",
		"target_retirement_income": "number", "asset_class_targets": "object", "region_targets": "object",
		"created_at": "string", "updated_at": "string",
	}
	accountFields = map[string]string{
		"id": "string", "clerk_user_id": "string", "account_name": "string", "account_purpose": "string",
		"cash_balance": "number", "cash_interest": "number", "created_at": "string", "updated_at": "string",
	}
	positionFields = map[string]string{
		"id": "string", "account_id": "string", "symbol": "string", "quantity": "number", "as_of_date": "string",
		"instrument_name": "string", "instrument_type": "string", "current_price": "number|null",
		"instrument.symbol": "string", "instrument.asset_class_allocation": "object",
		"instrument.region_allocation": "object", "instrument.sector_allocation": "object",
		"instrument.allocation_asset_class": "object", "instrument.allocation_regions": "object",
		"instrument.allocation_sectors": "object",
	}
	instrumentFields = map[string]string{
		"symbol": "string", "name": "string", "instrument_type": "string", "current_price": "number|null",
		"asset_class_allocation": "object", "allocation_asset_class": "object",
	}
	chartFields = map[string]string{"title": "string", "type": "string", "description": "string",
		"data[].name": "string", "data[].value": "number", "data[].color": "string"}
)

// under prefixes every path of fields.
func under(prefix string, fields map[string]string) map[string]string {
	out := make(map[string]string, len(fields))
	for path, typ := range fields {
		out[prefix+path] = typ
	}
	return out
}

// merged joins field maps.
func merged(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func alexCalls() []alexCall {
	messageOnly := map[string]string{"message": "string"}
	return []alexCall{
		{method: "GET", path: fixed("/api/user"), status: 200,
			reads: merged(under("user.", userFields), map[string]string{"created": "boolean"})},
		{method: "PUT", path: fixed("/api/user"), status: 200, reads: userFields,
			body: func(*alexSession) any {
				return map[string]any{"display_name": "Ada", "years_until_retirement": 25, "target_retirement_income": 80000,
					"asset_class_targets": map[string]float64{"equity": 60, "fixed_income": 40},
					"region_targets":      map[string]float64{"north_america": 60, "international": 40}}
			}},
		{method: "POST", path: fixed("/api/populate-test-data"), status: 201,
			reads: merged(under("accounts[].", accountFields), under("accounts[].positions[].", positionFields))},
		{method: "GET", path: fixed("/api/accounts"), status: 200, reads: under("[].", accountFields)},
		{method: "POST", path: fixed("/api/accounts"), status: 201, reads: accountFields,
			body: func(*alexSession) any {
				return map[string]any{"account_name": "Savings", "account_purpose": "Rainy days", "cash_balance": 1500}
			},
			learn: func(_ *testing.T, s *alexSession, a any) { s.accountID = a.(map[string]any)["id"].(string) }},
		{method: "PUT", path: func(s *alexSession) string { return "/api/accounts/" + s.accountID }, status: 200, reads: accountFields,
			body: func(*alexSession) any {
				return map[string]any{"account_name": "Emergency fund", "account_purpose": nil, "cash_balance": nil}
			}},
		{method: "POST", path: fixed("/api/positions"), status: 201, reads: positionFields,
			body: func(s *alexSession) any {
				return map[string]any{"account_id": s.accountID, "symbol": "BRK.B", "quantity": 10}
			},
			learn: func(_ *testing.T, s *alexSession, a any) { s.positionID = a.(map[string]any)["id"].(string) }},
		{method: "PUT", path: func(s *alexSession) string { return "/api/positions/" + s.positionID }, status: 200, reads: positionFields,
			body: func(*alexSession) any { return map[string]any{"quantity": 0} }},
		{method: "GET", path: func(s *alexSession) string { return "/api/accounts/" + s.accountID + "/positions" }, status: 200,
			reads: under("positions[].", positionFields)},
		{method: "GET", path: fixed("/api/instruments"), status: 200, reads: under("[].", instrumentFields)},
		{method: "POST", path: fixed("/api/analyze"), status: 202, reads: map[string]string{"job_id": "string", "message": "string"},
			body: func(*alexSession) any {
				return map[string]any{"analysis_type": "portfolio", "options": map[string]any{}}
			},
			learn: func(_ *testing.T, s *alexSession, a any) { s.jobID = a.(map[string]any)["job_id"].(string) }},
		{method: "GET", path: func(s *alexSession) string { return "/api/jobs/" + s.jobID }, status: 200,
			before: func(t *testing.T, api *testAPI, s *alexSession) { finishJob(t, api, s.jobID) },
			reads: merged(map[string]string{
				"status": "string", "error": "string|null", "report_payload.content": "string",
				"retirement_payload.analysis": "string", "retirement_payload.success_rate": "number",
				"retirement_payload.percentiles.p10": "number", "retirement_payload.percentiles.p50": "number",
				"retirement_payload.percentiles.p90": "number", "retirement_payload.milestones[].year": "number",
				"retirement_payload.milestones[].median_value": "number",
				"summary_payload.summary":                      "string", "summary_payload.key_findings[]": "string",
				"summary_payload.recommendations[]": "string",
			},
				under("charts_payload.asset_class_distribution.", chartFields),
				under("charts_payload.geographic_exposure.", chartFields),
				under("charts_payload.sector_breakdown.", chartFields),
				under("charts_payload.account_types.", chartFields),
				under("charts_payload.top_holdings.", chartFields)),
			learn: func(t *testing.T, _ *alexSession, a any) {
				require.Equal(t, "completed", a.(map[string]any)["status"], "the frontend stops polling")
			}},
		{method: "GET", path: fixed("/api/jobs"), status: 200,
			reads: map[string]string{"jobs[].id": "string", "jobs[].status": "string", "jobs[].created_at": "string"}},
		{method: "DELETE", path: func(s *alexSession) string { return "/api/positions/" + s.positionID }, status: 200, reads: messageOnly},
		{method: "DELETE", path: func(s *alexSession) string { return "/api/accounts/" + s.accountID }, status: 200, reads: messageOnly},
		{method: "DELETE", path: fixed("/api/reset-accounts"), status: 200, reads: messageOnly},
	}
}

func TestAlexFrontendContract(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_alex_frontend")
	s := &alexSession{}
	for _, call := range alexCalls() {
		if call.before != nil {
			call.before(t, api, s)
		}
		path := call.path(s)
		var body any
		if call.body != nil {
			body = call.body(s)
		}
		resp, raw := api.do(t, call.method, path, tok, body)
		require.Equal(t, call.status, resp.StatusCode, "%s %s: %s", call.method, path, raw)
		require.Equal(t, "application/json", mediaType(resp), "%s %s", call.method, path)
		var answer any
		require.NoError(t, json.Unmarshal(raw, &answer), "%s %s", call.method, path)
		for field, types := range call.reads {
			requireJSONType(t, answer, field, types, call.method+" "+path)
		}
		if call.learn != nil {
			call.learn(t, s, answer)
		}
	}
}

// finishJob runs the job's stages in order through the real stage code, as
// the worker does (claim, run, complete), without a queue.
func finishJob(t *testing.T, api *testAPI, jobID string) {
	t.Helper()
	ctx := t.Context()
	stages := (&tasks.Analysis{Store: api.store}).Stages()
	for _, st := range alex.Stages {
		attempt, err := api.store.ClaimStage(ctx, jobID, st.Name, time.Minute)
		require.NoError(t, err, st.Name)
		job, err := api.store.JobResults(ctx, jobID)
		require.NoError(t, err)
		result, err := stages[st.Name](ctx, job)
		require.NoError(t, err, st.Name)
		_, err = api.store.CompleteStage(ctx, jobID, st.Name, attempt, result)
		require.NoError(t, err, st.Name)
	}
}

// requireJSONType requires every value at path in v to be of one of types.
func requireJSONType(t *testing.T, v any, path, types, call string) {
	t.Helper()
	values := valuesAt(t, v, path, call)
	for _, got := range values {
		require.Contains(t, strings.Split(types, "|"), jsonType(got), "%s: %s is %s, want %s", call, path, jsonType(got), types)
	}
}

// valuesAt are the values at path in v; a "[]" step requires a non-empty
// array, so that a check is never vacuous.
func valuesAt(t *testing.T, v any, path, call string) []any {
	t.Helper()
	if path == "" {
		return []any{v}
	}
	step, rest, _ := strings.Cut(path, ".")
	key, each := strings.CutSuffix(step, "[]")
	if key != "" {
		m, ok := v.(map[string]any)
		require.True(t, ok, "%s: %s is not in an object", call, key)
		v, ok = m[key]
		require.True(t, ok, "%s: no field %s", call, key)
	}
	if !each {
		return valuesAt(t, v, rest, call)
	}
	items, ok := v.([]any)
	require.True(t, ok, "%s: %s is not an array", call, step)
	require.NotEmpty(t, items, "%s: %s is empty", call, step)
	var out []any
	for _, item := range items {
		out = append(out, valuesAt(t, item, rest, call)...)
	}
	return out
}
