package http_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var (
	defaultAssetClassTargets = map[string]float64{"equity": 70, "fixed_income": 30}
	defaultRegionTargets     = map[string]float64{"north_america": 50, "international": 50}
)

func TestGetUserCreatesWithDefaultsOnFirstCall(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	before := time.Now().Add(-time.Second)

	resp, raw := api.do(t, http.MethodGet, "/api/v1/user", tok, nil)

	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)
	m := object(t, raw)
	requireKeys(t, m, "user", "created")
	requireKeys(t, m["user"].(map[string]any), "clerk_user_id", "display_name", "years_until_retirement",
		"target_retirement_income", "base_currency", "asset_class_targets", "region_targets", "created_at", "updated_at")
	first := decodeStrict[getUserJSON](t, raw)
	require.True(t, first.Created)
	u := first.User
	require.Equal(t, "user_ada", u.UserID)
	require.Equal(t, "Name of user_ada", u.DisplayName)
	require.Equal(t, 20, u.YearsUntilRetirement)
	require.Equal(t, 60000.0, u.TargetRetirementIncome)
	require.Equal(t, defaultAssetClassTargets, u.AssetClassTargets)
	require.Equal(t, defaultRegionTargets, u.RegionTargets)
	require.True(t, u.CreatedAt.After(before), "created_at %s", u.CreatedAt)
	require.False(t, u.UpdatedAt.Before(u.CreatedAt))

	second := mustDo[getUserJSON](t, api, http.MethodGet, "/api/v1/user", tok, nil, http.StatusOK)
	require.False(t, second.Created)
	require.Equal(t, u.UserID, second.User.UserID)
	require.True(t, u.CreatedAt.Equal(second.User.CreatedAt), "the second call reads the same user")
	require.Equal(t, u.DisplayName, second.User.DisplayName)
}

func TestGetUserDisplayNameFromToken(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	cases := []struct {
		sub   string
		edit  func(c map[string]any)
		wants string
	}{
		{"user_named", func(map[string]any) {}, "Name of user_named"},
		{"user_email_only", func(c map[string]any) { delete(c, "name") }, "user_email_only@example.com"},
		{"user_anonymous", func(c map[string]any) { delete(c, "name"); delete(c, "email") }, "New User"},
	}
	for _, tc := range cases {
		got := mustDo[getUserJSON](t, api, http.MethodGet, "/api/v1/user", api.tokenWith(t, tc.sub, tc.edit), nil, http.StatusOK)
		require.True(t, got.Created, tc.sub)
		require.Equal(t, tc.wants, got.User.DisplayName, tc.sub)
	}
}

func TestGetUserConcurrentFirstCallsCreateOnce(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_racer")
	results := api.concurrently(t, 10, tok, func(int) (string, string, any) {
		return http.MethodGet, "/api/v1/user", nil
	})
	count := 0
	for _, r := range results {
		require.Equal(t, http.StatusOK, r.resp.StatusCode, "%s", r.raw)
		if decodeStrict[getUserJSON](t, r.raw).Created {
			count++
		}
	}
	require.Equal(t, 1, count, "exactly one of the concurrent first calls creates the user")
}

func TestUpdateUserPartial(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	orig := mustDo[getUserJSON](t, api, http.MethodGet, "/api/v1/user", tok, nil, http.StatusOK).User

	u := mustDo[userJSON](t, api, http.MethodPut, "/api/v1/user", tok,
		map[string]any{"years_until_retirement": 15}, http.StatusOK)
	require.Equal(t, 15, u.YearsUntilRetirement)
	require.Equal(t, orig.DisplayName, u.DisplayName, "fields not sent stay")
	require.Equal(t, 60000.0, u.TargetRetirementIncome)
	require.Equal(t, defaultAssetClassTargets, u.AssetClassTargets)
	require.Equal(t, defaultRegionTargets, u.RegionTargets)
	require.True(t, orig.CreatedAt.Equal(u.CreatedAt))
	require.True(t, u.UpdatedAt.After(orig.UpdatedAt), "updated_at moves")

	u = mustDo[userJSON](t, api, http.MethodPut, "/api/v1/user", tok, map[string]any{
		"display_name":             "Ada L.",
		"target_retirement_income": 85000.5,
		"asset_class_targets":      map[string]float64{"equity": 60, "fixed_income": 30, "real_estate": 10},
		"region_targets":           map[string]float64{"north_america": 40, "europe": 30, "asia": 20, "global": 10},
		// What the frontend echoes back is ignored.
		"clerk_user_id": "user_someone_else",
		"created_at":    "2000-01-01T00:00:00Z",
	}, http.StatusOK)
	require.Equal(t, "user_ada", u.UserID)
	require.Equal(t, "Ada L.", u.DisplayName)
	require.Equal(t, 15, u.YearsUntilRetirement, "kept from the first update")
	require.Equal(t, 85000.5, u.TargetRetirementIncome)
	require.Equal(t, map[string]float64{"equity": 60, "fixed_income": 30, "real_estate": 10}, u.AssetClassTargets)
	require.Equal(t, map[string]float64{"north_america": 40, "europe": 30, "asia": 20, "global": 10}, u.RegionTargets)
	require.True(t, orig.CreatedAt.Equal(u.CreatedAt))

	// Persisted: a later GET reads the same.
	got := mustDo[getUserJSON](t, api, http.MethodGet, "/api/v1/user", tok, nil, http.StatusOK)
	require.False(t, got.Created)
	require.Equal(t, u.DisplayName, got.User.DisplayName)
	require.Equal(t, u.AssetClassTargets, got.User.AssetClassTargets)
	require.Equal(t, u.TargetRetirementIncome, got.User.TargetRetirementIncome)

	// Bounds are inclusive.
	u = mustDo[userJSON](t, api, http.MethodPut, "/api/v1/user", tok,
		map[string]any{"years_until_retirement": 0, "target_retirement_income": 0}, http.StatusOK)
	require.Equal(t, 0, u.YearsUntilRetirement)
	require.Equal(t, 0.0, u.TargetRetirementIncome)
	u = mustDo[userJSON](t, api, http.MethodPut, "/api/v1/user", tok,
		map[string]any{"years_until_retirement": 100}, http.StatusOK)
	require.Equal(t, 100, u.YearsUntilRetirement)
}

func TestUpdateUserBeforeGetCreatesTheUser(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_new")
	u := mustDo[userJSON](t, api, http.MethodPut, "/api/v1/user", tok, map[string]any{"years_until_retirement": 7}, http.StatusOK)
	require.Equal(t, 7, u.YearsUntilRetirement)
	require.Equal(t, "Name of user_new", u.DisplayName)
	require.Equal(t, defaultAssetClassTargets, u.AssetClassTargets)
}

func TestUpdateUserRejectsInvalidInput(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	mustDo[getUserJSON](t, api, http.MethodGet, "/api/v1/user", tok, nil, http.StatusOK)

	cases := []struct {
		name     string
		body     any
		location string
	}{
		{"years below 0", map[string]any{"years_until_retirement": -1}, "body.years_until_retirement"},
		{"years above 100", map[string]any{"years_until_retirement": 101}, "body.years_until_retirement"},
		{"years not an integer", map[string]any{"years_until_retirement": 10.5}, "body.years_until_retirement"},
		{"years of the wrong type", `{"years_until_retirement":"ten"}`, "body.years_until_retirement"},
		{"negative income", map[string]any{"target_retirement_income": -5}, "body.target_retirement_income"},
		{"income of the wrong type", `{"target_retirement_income":"lots"}`, "body.target_retirement_income"},
		{"empty display name", map[string]any{"display_name": ""}, "body.display_name"},
		{"display name too long", map[string]any{"display_name": strings.Repeat("x", 256)}, "body.display_name"},
		{"unknown asset class", map[string]any{"asset_class_targets": map[string]float64{"equity": 70, "crypto": 30}}, "body.asset_class_targets.crypto"},
		{"unknown region", map[string]any{"region_targets": map[string]float64{"north_america": 50, "mars": 50}}, "body.region_targets.mars"},
		{"asset classes not adding up to 100", map[string]any{"asset_class_targets": map[string]float64{"equity": 70, "fixed_income": 20}}, "body.asset_class_targets"},
		{"regions not adding up to 100", map[string]any{"region_targets": map[string]float64{"north_america": 60, "europe": 60}}, "body.region_targets"},
		{"empty targets", map[string]any{"asset_class_targets": map[string]float64{}}, "body.asset_class_targets"},
		{"percentage above 100", map[string]any{"asset_class_targets": map[string]float64{"equity": 150, "fixed_income": -50}}, "body.asset_class_targets.equity"},
		{"negative percentage", map[string]any{"region_targets": map[string]float64{"north_america": 110, "europe": -10}}, "body.region_targets.europe"},
		{"target of the wrong type", `{"asset_class_targets":{"equity":"all"}}`, "body.asset_class_targets.equity"},
		{"targets not an object", `{"region_targets":[50,50]}`, "body.region_targets"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, raw := api.do(t, http.MethodPut, "/api/v1/user", tok, tc.body)
			requireProblem(t, resp, raw, http.StatusUnprocessableEntity, tc.location)
		})
	}

	// Nothing of it was stored.
	got := mustDo[getUserJSON](t, api, http.MethodGet, "/api/v1/user", tok, nil, http.StatusOK).User
	require.Equal(t, 20, got.YearsUntilRetirement)
	require.Equal(t, 60000.0, got.TargetRetirementIncome)
	require.Equal(t, defaultAssetClassTargets, got.AssetClassTargets)
	require.Equal(t, defaultRegionTargets, got.RegionTargets)
	require.Equal(t, "Name of user_ada", got.DisplayName)
}

// The contract: a 422 lists every failing field, not only those of the first
// check that fails.
func TestUpdateUserListsEveryInvalidField(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	resp, raw := api.do(t, http.MethodPut, "/api/v1/user", tok, map[string]any{
		"years_until_retirement": 101,
		"asset_class_targets":    map[string]float64{"equity": 50},
	})
	requireProblem(t, resp, raw, http.StatusUnprocessableEntity,
		"body.years_until_retirement", "body.asset_class_targets")
}

func TestUpdateUserBadBodies(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	json := http.Header{"Authorization": {"Bearer " + tok}, "Content-Type": {"application/json"}}

	t.Run("malformed JSON is 400", func(t *testing.T) {
		for _, body := range []string{`{"years_until_retirement":`, `not json`, `{"a":1}}`} {
			resp, raw := api.send(t, http.MethodPut, "/api/v1/user", json, body)
			p := requireProblem(t, resp, raw, http.StatusBadRequest)
			require.Equal(t, "The request body is not valid JSON.", p.Detail)
			require.NotContains(t, string(raw), body, "the body is not echoed")
		}
	})
	t.Run("a JSON value that is not an object is 422", func(t *testing.T) {
		resp, raw := api.send(t, http.MethodPut, "/api/v1/user", json, `[1,2]`)
		requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "body")
	})
	t.Run("wrong content type is 415", func(t *testing.T) {
		h := http.Header{"Authorization": {"Bearer " + tok}, "Content-Type": {"text/plain"}}
		resp, raw := api.send(t, http.MethodPut, "/api/v1/user", h, `{"years_until_retirement":10}`)
		p := requireProblem(t, resp, raw, http.StatusUnsupportedMediaType)
		require.Contains(t, p.Detail, "application/json")
	})
	t.Run("a body over 1 MiB is 413", func(t *testing.T) {
		body := `{"display_name":"` + strings.Repeat("x", 3<<19) + `"}` // 1.5 MiB
		resp, raw := api.send(t, http.MethodPut, "/api/v1/user", json, body)
		p := requireProblem(t, resp, raw, http.StatusRequestEntityTooLarge)
		require.Equal(t, "The request body is too large for this route.", p.Detail)
	})

	// None of it changed the user.
	got := mustDo[getUserJSON](t, api, http.MethodGet, "/api/v1/user", tok, nil, http.StatusOK).User
	require.Equal(t, 20, got.YearsUntilRetirement)
	require.Equal(t, "Name of user_ada", got.DisplayName)
}
