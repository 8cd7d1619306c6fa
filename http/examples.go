package http

import (
	"iter"

	"github.com/danielgtaylor/huma/v2"
)

// requestExamples are the request bodies the OpenAPI document shows for
// each operation that takes one, by operation id: what /docs fills in for
// "Try it out". A test checks that every body has one and that each
// validates against its operation's schema.
var requestExamples = map[string]any{
	"register":           map[string]any{"email": "me@example.com", "password": "choose-a-password", "display_name": "Robin"},
	"login":              map[string]any{"email": "me@example.com", "password": "choose-a-password"},
	"update-user":        map[string]any{"years_until_retirement": 25, "target_retirement_income": 80000, "asset_class_targets": map[string]any{"equity": 60, "fixed_income": 40}},
	"create-account":     map[string]any{"account_name": "Roth IRA", "account_purpose": "Retirement savings", "currency": "USD", "cash_balance": 2500, "cash_interest": 0.02},
	"update-account":     map[string]any{"cash_balance": 3000},
	"upsert-position":    map[string]any{"account_id": "0b7f6f55-3f5e-4d43-9a52-3c3ad1f1f0a1", "symbol": "VTI", "quantity": 80},
	"update-position":    map[string]any{"quantity": 100},
	"create-transaction": map[string]any{"side": "buy", "symbol": "MF119551", "quantity": 10},
	"share-job":          map[string]any{"expires_in": 604800},
	"analyze":            map[string]any{"analysis_type": "portfolio", "options": map[string]any{"paths": 10000, "seed": 42, "annual_contribution": 12000}},

	"v1-register":           map[string]any{"email": "me@example.com", "password": "choose-a-password"},
	"v1-login":              map[string]any{"email": "me@example.com", "password": "choose-a-password"},
	"v1-open-ended-schemes": map[string]any{"fund_family": "SBI Mutual Fund"},
	"v1-buy": map[string]any{"Scheme_Code": 119598, "Scheme_Name": "SBI BLUECHIP FUND - DIRECT PLAN - GROWTH",
		"Date": "22-Nov-2026", "Scheme_Category": "Equity Scheme - Large Cap Fund", "Mutual_Fund_Family": "SBI Mutual Fund",
		"units": 3, "nav": 98.7612, "ISIN_Div_Payout_ISIN_Growth": "INF200K01QX4", "ISIN_Div_Reinvestment": ""},
}

// addRequestExamples writes requestExamples into the OpenAPI document.
func (s *Server) addRequestExamples() {
	for op, media := range requestBodies(s.api.OpenAPI()) {
		if example, ok := requestExamples[op.OperationID]; ok {
			media.Example = example
		}
	}
}

// requestBodies yields the media types of every operation's request body,
// with the operation.
func requestBodies(oapi *huma.OpenAPI) iter.Seq2[*huma.Operation, *huma.MediaType] {
	return func(yield func(*huma.Operation, *huma.MediaType) bool) {
		for _, item := range oapi.Paths {
			for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Patch, item.Delete} {
				if op == nil || op.RequestBody == nil {
					continue
				}
				for _, media := range op.RequestBody.Content {
					if !yield(op, media) {
						return
					}
				}
			}
		}
	}
}
