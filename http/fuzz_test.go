package http_test

import (
	"encoding/json"
	"net/http"
	"testing"
)

// FuzzRequestBodies sends arbitrary bodies to every route that decodes one,
// through the real router against the real PostgreSQL: whatever the bytes,
// the answer is a 2xx or a 4xx problem, never a 5xx or a panic.
//
//	go test -run x -fuzz FuzzRequestBodies -fuzztime 30s ./http/
func FuzzRequestBodies(f *testing.F) {
	api := newTestAPI(f, localMode())
	resp, raw := api.do(f, http.MethodPost, "/api/v1/auth/register", "",
		map[string]any{"email": "fuzz@example.com", "password": "correct horse"})
	if resp.StatusCode != http.StatusCreated {
		f.Fatalf("register: %d %s", resp.StatusCode, raw)
	}
	tok := decodeStrict[registerJSON](f, raw).Token
	acc := api.createAccount(f, tok, map[string]any{"account_name": "Fuzzed", "cash_balance": 1000})
	pos := api.upsertPosition(f, tok, acc.ID, "SPY", 1)
	routes := []struct{ method, path string }{
		{http.MethodPost, "/api/v1/accounts"},
		{http.MethodPut, "/api/v1/accounts/" + acc.ID},
		{http.MethodPut, "/api/v1/user"},
		{http.MethodPost, "/api/v1/positions"},
		{http.MethodPut, "/api/v1/positions/" + pos.ID},
		{http.MethodPost, "/api/v1/accounts/" + acc.ID + "/transactions"},
		{http.MethodPost, "/api/v1/analyze"},
		{http.MethodPost, "/api/v1/auth/register"},
		{http.MethodPost, "/api/v1/auth/login"},
		{http.MethodPost, "/v1/buy"},
		{http.MethodPost, "/v1/auth/register"},
		{http.MethodPost, "/v1/auth/login"},
	}
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
		resp, raw := api.send(t, r.method, r.path, http.Header{
			"Authorization": {"Bearer " + tok}, "Content-Type": {"application/json"},
		}, body)
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s with %q: %d %s", r.method, r.path, body, resp.StatusCode, raw)
		}
		if resp.StatusCode >= 400 && !json.Valid(raw) {
			t.Fatalf("%s %s with %q: %d answer is not JSON: %s", r.method, r.path, body, resp.StatusCode, raw)
		}
	})
}
