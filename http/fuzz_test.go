package http_test

import (
	"encoding/json"
	"testing"
)

// FuzzRequestBodies sends arbitrary bodies to every route that decodes one,
// through the real router against the real PostgreSQL: whatever the bytes,
// the answer is a 2xx or a 4xx problem, never a 5xx or a panic.
//
//	go test -run x -fuzz FuzzRequestBodies -fuzztime 30s ./http/
func FuzzRequestBodies(f *testing.F) {
	// The hostile suite's fixture: a user with an account, a position and
	// a job, fund data, and every write route of the OpenAPI document.
	h := newHostileFixture(f)
	tok, acc := h.token, h.acc
	routes := h.writeRoutes(f)
	for i, body := range []string{
		`{"account_name":"Roth","cash_balance":12.5,"cash_interest":0.01}`,
		`{"account_name":""}`,
		`{"years_until_retirement":30,"asset_class_targets":{"equity":60,"fixed_income":40}}`,
		`{"account_id":"` + acc.ID + `","symbol":"qqq","quantity":2}`,
		`{"quantity":1e308}`,
		`{"side":"buy","symbol":"SPY","amount":0.01}`,
		`{"analysis_type":"portfolio","options":{"seed":7,"paths":1e9}}`,
		`{"email":"a@b.c","password":"correct horse battery"}`,
		`{"email":"a@b.c","password":""}`,
		`{"Scheme_Code":119598,"units":3,"nav":98.7612,"Scheme_Name":"x","Date":"22-Nov-2026"}`,
		`{"email":"v1@b.c","password":"correct horse battery"}`,
		`{"email":"v1@b.c","password":"wrong password"}`,
		``, `null`, `[]`, `{"a":`, "\xff\xfe", `{"quantity":"1"}`, `{"cash_balance":-0}`,
	} {
		f.Add(uint8(i), []byte(body))
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		r := routes[int(route)%len(routes)]
		resp, raw := h.send(t, r.method, r.path, tok, string(body))
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s with %q: %d %s", r.method, r.path, body, resp.StatusCode, raw)
		}
		if resp.StatusCode >= 400 && !json.Valid(raw) {
			t.Fatalf("%s %s with %q: %d answer is not JSON: %s", r.method, r.path, body, resp.StatusCode, raw)
		}
	})
}
