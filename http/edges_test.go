package http_test

// The Alex frontend's edge cases: what it sends that a stricter reading of
// the contract would refuse.

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// Setting a position to 0 from the editor keeps the position, at 0; the
// analysis does not see it (it holds nothing). Creating one still needs more
// than 0.
func TestPositionSetToZeroStays(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	acc := api.createAccount(t, tok, map[string]any{"account_name": "Brokerage"})
	spy := api.upsertPosition(t, tok, acc.ID, "SPY", 5)
	api.upsertPosition(t, tok, acc.ID, "QQQ", 2)

	got := mustDo[positionJSON](t, api, http.MethodPut, "/api/positions/"+spy.ID, tok, map[string]any{"quantity": 0}, http.StatusOK)
	require.Equal(t, spy.ID, got.ID)
	require.Equal(t, 0.0, got.Quantity)
	require.Equal(t, map[string]float64{"QQQ": 2, "SPY": 0}, quantities(api.positions(t, tok, acc.ID)), "the position stays, at 0")

	holdings, err := api.store.HoldingsOf(t.Context(), "user_ada")
	require.NoError(t, err)
	require.Len(t, holdings.Positions[acc.ID], 1, "an analysis values only what is held")
	require.Equal(t, "QQQ", holdings.Positions[acc.ID][0].Symbol)

	back := mustDo[positionJSON](t, api, http.MethodPut, "/api/positions/"+spy.ID, tok, map[string]any{"quantity": 3}, http.StatusOK)
	require.Equal(t, 3.0, back.Quantity)

	resp, raw := api.do(t, http.MethodPost, "/api/positions", tok, map[string]any{"account_id": acc.ID, "symbol": "IWM", "quantity": 0})
	requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "body.quantity")
}

// In every PUT a null field means "unchanged", as a missing one does; the
// Alex frontend sends its form's untouched fields as null.
func TestPutNullFieldsAreUnchanged(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	user := mustDo[getUserJSON](t, api, http.MethodGet, "/api/user", tok, nil, http.StatusOK).User
	acc := api.createAccount(t, tok, map[string]any{"account_name": "Savings", "account_purpose": "Rainy days", "cash_balance": 100, "cash_interest": 0.02})
	pos := api.upsertPosition(t, tok, acc.ID, "SPY", 5)

	gotAcc := mustDo[accountJSON](t, api, http.MethodPut, "/api/accounts/"+acc.ID, tok,
		map[string]any{"account_name": "x", "cash_balance": nil}, http.StatusOK)
	require.Equal(t, "x", gotAcc.AccountName)
	require.Equal(t, 100.0, gotAcc.CashBalance)
	gotAcc = mustDo[accountJSON](t, api, http.MethodPut, "/api/accounts/"+acc.ID, tok, map[string]any{
		"account_name": nil, "account_purpose": nil, "currency": nil, "cash_balance": nil, "cash_interest": nil,
	}, http.StatusOK)
	require.Equal(t, accountJSON{ID: acc.ID, UserID: "user_ada", AccountName: "x", AccountPurpose: "Rainy days", Currency: "USD",
		CashBalance: 100, CashInterest: 0.02, CreatedAt: gotAcc.CreatedAt, UpdatedAt: gotAcc.UpdatedAt}, gotAcc)

	gotUser := mustDo[userJSON](t, api, http.MethodPut, "/api/user", tok, map[string]any{
		"display_name": nil, "years_until_retirement": 30, "target_retirement_income": nil, "base_currency": nil,
		"asset_class_targets": nil, "region_targets": nil,
	}, http.StatusOK)
	require.Equal(t, 30, gotUser.YearsUntilRetirement)
	require.Equal(t, user.DisplayName, gotUser.DisplayName)
	require.Equal(t, user.TargetRetirementIncome, gotUser.TargetRetirementIncome)
	require.Equal(t, user.BaseCurrency, gotUser.BaseCurrency)
	require.Equal(t, user.AssetClassTargets, gotUser.AssetClassTargets)
	require.Equal(t, user.RegionTargets, gotUser.RegionTargets)

	for _, body := range []map[string]any{{"quantity": nil}, {}} {
		gotPos := mustDo[positionJSON](t, api, http.MethodPut, "/api/positions/"+pos.ID, tok, body, http.StatusOK)
		require.Equal(t, 5.0, gotPos.Quantity)
	}
}

// A PUT refuses fields its resource does not have, as a POST does, but takes
// back the resource's own read-only fields (ignored).
func TestPutUnknownFieldsAreRefused(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	acc := api.createAccount(t, tok, map[string]any{"account_name": "Savings", "cash_balance": 100})
	pos := api.upsertPosition(t, tok, acc.ID, "SPY", 5)

	for _, path := range []string{"/api/user", "/api/accounts/" + acc.ID, "/api/positions/" + pos.ID} {
		resp, raw := api.do(t, http.MethodPut, path, tok, map[string]any{"bogus": 1})
		requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "body.bogus")
	}

	// The whole account as read, changed and sent back.
	var whole map[string]any
	require.NoError(t, json.Unmarshal([]byte(jsonString(t, acc)), &whole))
	whole["account_name"], whole["id"], whole["created_at"] = "Renamed", unknownUUID, "2000-01-01T00:00:00Z"
	got := mustDo[accountJSON](t, api, http.MethodPut, "/api/accounts/"+acc.ID, tok, whole, http.StatusOK)
	require.Equal(t, acc.ID, got.ID)
	require.Equal(t, "Renamed", got.AccountName)
	require.True(t, acc.CreatedAt.Equal(got.CreatedAt))

	var wholePos map[string]any
	require.NoError(t, json.Unmarshal([]byte(jsonString(t, pos)), &wholePos))
	wholePos["quantity"], wholePos["symbol"] = 7, "QQQ"
	gotPos := mustDo[positionJSON](t, api, http.MethodPut, "/api/positions/"+pos.ID, tok, wholePos, http.StatusOK)
	require.Equal(t, 7.0, gotPos.Quantity)
	require.Equal(t, "SPY", gotPos.Symbol, "a position's symbol is read-only")
}

// The OpenAPI says what the PUTs take: nullable fields, nothing else.
func TestOpenAPIPutBodiesAreNullableAndClosed(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	_, raw := api.do(t, http.MethodGet, "/openapi.json", "", nil)
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				AdditionalProperties *bool                      `json:"additionalProperties"`
				Properties           map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	for path, field := range map[string]string{
		"/api/v1/user": "display_name", "/api/v1/accounts/{id}": "cash_balance", "/api/v1/positions/{id}": "quantity",
	} {
		var op struct {
			RequestBody struct {
				Content map[string]struct {
					Schema struct {
						Ref string `json:"$ref"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		}
		require.NoError(t, json.Unmarshal(doc.Paths[path]["put"], &op), path)
		ref := op.RequestBody.Content["application/json"].Schema.Ref
		schema, ok := doc.Components.Schemas[ref[len("#/components/schemas/"):]]
		require.True(t, ok, "%s: %s", path, ref)
		require.NotNil(t, schema.AdditionalProperties, path)
		require.False(t, *schema.AdditionalProperties, "%s refuses unknown fields", path)
		var prop struct {
			Type []string `json:"type"`
		}
		require.NoError(t, json.Unmarshal(schema.Properties[field], &prop), "%s %s: %s", path, field, schema.Properties[field])
		require.Contains(t, prop.Type, "null", "%s %s is nullable", path, field)
	}
}
