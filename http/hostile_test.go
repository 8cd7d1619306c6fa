package http_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	alexhttp "github.com/alex-advisor/alex/http"
)

// The hostile-input suite sends every write route (every operation of the
// OpenAPI document with a request body) what an attacker or a broken client
// sends: bodies over the caps, deep JSON, wrong types, NaN and infinities,
// huge and negative numbers, control and bidi characters, SQL and path
// metacharacters. Each must be refused with a 4xx problem that names the
// field (or says in a sentence what is wrong with the whole body), store
// nothing, and leave the server answering.

// hostileRoute is a write route as the OpenAPI document describes it, with a
// body the route accepts.
type hostileRoute struct {
	method, template, path string
	schema                 map[string]any // the resolved request body schema
	components             map[string]map[string]any
	valid                  func() map[string]any
}

// hostileCase is one hostile request; loc is the field the problem must
// name, "" when the whole body is at fault.
type hostileCase struct {
	name   string
	body   []byte
	loc    string
	status int // 0: any 4xx
}

// hostileFixture is a local-mode server with fund data, a user with an
// account, a position and a job, and what the routes need to be valid.
type hostileFixture struct {
	api   *testAPI
	token string
	email string
	acc   accountJSON
	pos   positionJSON
	jobID string
	// ips and emails make every sign-in attempt a new client, so the
	// sign-in limits do not answer before the decoder does.
	ips, emails atomic.Int64
}

func newHostileFixture(t testing.TB) *hostileFixture {
	f := newFundFixture(t, localMode(), withConfig(func(c *alexhttp.Config) {
		c.TrustedProxies = []string{"0.0.0.0"} // the peer of app.Test
	}))
	h := &hostileFixture{api: f.api, email: "hostile@example.com"}
	resp, raw := h.send(t, http.MethodPost, "/api/v1/auth/register", "",
		jsonString(t, map[string]any{"email": h.email, "password": "correct horse"}))
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", raw)
	h.token = decodeStrict[registerJSON](t, raw).Token
	h.acc = h.api.createAccount(t, h.token, map[string]any{"account_name": "Hostile", "cash_balance": 100000})
	h.pos = h.api.upsertPosition(t, h.token, h.acc.ID, "SPY", 1)
	h.jobID = h.api.submitJob(t, h.token)
	return h
}

// send sends a body as JSON with the user's token, from a client address of
// its own.
func (h *hostileFixture) send(t testing.TB, method, path, token, body string) (*http.Response, []byte) {
	t.Helper()
	hdr := http.Header{
		"Content-Type":    {"application/json"},
		"X-Forwarded-For": {fmt.Sprintf("10.9.%d.%d", h.ips.Load()/250%250, h.ips.Add(1)%250+1)},
	}
	if token != "" {
		hdr.Set("Authorization", "Bearer "+token)
	}
	return h.api.send(t, method, path, hdr, body)
}

// freshEmail is an address no sign-in has used yet.
func (h *hostileFixture) freshEmail() string {
	return fmt.Sprintf("new-%d@example.com", h.emails.Add(1))
}

// validBodies are bodies each write route accepts, by "METHOD template".
// A write route missing here fails the suite: a new route is not forgotten.
func (h *hostileFixture) validBodies() map[string]func() map[string]any {
	fixed := func(m map[string]any) func() map[string]any {
		return func() map[string]any { return clone(m) }
	}
	return map[string]func() map[string]any{
		"POST /api/v1/accounts":                   fixed(map[string]any{"account_name": "Roth", "cash_balance": 10}),
		"PUT /api/v1/accounts/{id}":               fixed(map[string]any{"account_name": "Renamed"}),
		"PUT /api/v1/user":                        fixed(map[string]any{"display_name": "Renamed"}),
		"POST /api/v1/positions":                  fixed(map[string]any{"account_id": h.acc.ID, "symbol": "QQQ", "quantity": 2}),
		"PUT /api/v1/positions/{id}":              fixed(map[string]any{"quantity": 3}),
		"POST /api/v1/accounts/{id}/transactions": fixed(map[string]any{"side": "buy", "symbol": "SPY", "quantity": 1}),
		"POST /api/v1/analyze":                    fixed(map[string]any{"analysis_type": "portfolio", "options": map[string]any{"paths": 1000}}),
		"POST /api/v1/jobs/{id}/share":            fixed(map[string]any{"expires_in": 60}),
		"POST /api/v1/auth/register": func() map[string]any {
			return map[string]any{"email": h.freshEmail(), "password": "correct horse", "display_name": "New"}
		},
		"POST /v1/auth/register": func() map[string]any {
			return map[string]any{"email": h.freshEmail(), "password": "correct horse"}
		},
		// Each hostile login is of an email of its own: past ten attempts
		// an email is limited. normal logs the user in.
		"POST /api/v1/auth/login":                 h.unknownLogin,
		"POST /v1/auth/login":                     h.unknownLogin,
		"POST /v1/fund_schemes/latest/open_ended": fixed(map[string]any{"fund_family": "SBI Mutual Fund"}),
		"POST /v1/buy":                            fixed(sbiBluechip(1, 98.7612)),
	}
}

func (h *hostileFixture) unknownLogin() map[string]any {
	return map[string]any{"email": h.freshEmail(), "password": "correct horse"}
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if inner, ok := v.(map[string]any); ok {
			v = clone(inner)
		}
		out[k] = v
	}
	return out
}

// writeRoutes are the operations of GET /openapi.json that take a body.
func (h *hostileFixture) writeRoutes(t testing.TB) []hostileRoute {
	resp, raw := h.api.do(t, http.MethodGet, "/openapi.json", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	valid := h.validBodies()
	var routes []hostileRoute
	for template, ops := range doc.Paths {
		for method, rawOp := range ops {
			var op struct {
				RequestBody *struct {
					Content map[string]struct {
						Schema map[string]any `json:"schema"`
					} `json:"content"`
				} `json:"requestBody"`
			}
			if json.Unmarshal(rawOp, &op) != nil || op.RequestBody == nil {
				continue // path-level keys (parameters) and body-less operations
			}
			key := strings.ToUpper(method) + " " + template
			body, ok := valid[key]
			require.True(t, ok, "write route %s has no valid body in the hostile suite: add one", key)
			schema := resolve(doc.Components.Schemas, op.RequestBody.Content["application/json"].Schema)
			routes = append(routes, hostileRoute{method: strings.ToUpper(method), template: template,
				path: h.concrete(template), schema: schema, components: doc.Components.Schemas, valid: body})
		}
	}
	slices.SortFunc(routes, func(a, b hostileRoute) int { return strings.Compare(a.template+a.method, b.template+b.method) })
	require.Len(t, routes, len(valid), "every valid body belongs to a write route")
	return routes
}

// resolve follows a $ref into the components.
func resolve(components map[string]map[string]any, s map[string]any) map[string]any {
	if ref, ok := s["$ref"].(string); ok {
		return components[strings.TrimPrefix(ref, "#/components/schemas/")]
	}
	if s == nil {
		return map[string]any{}
	}
	return s
}

// concrete fills a template's {id} with the fixture's resource of its kind.
func (h *hostileFixture) concrete(template string) string {
	switch {
	case strings.HasPrefix(template, "/api/v1/accounts/"):
		return strings.Replace(template, "{id}", h.acc.ID, 1)
	case strings.HasPrefix(template, "/api/v1/positions/"):
		return strings.Replace(template, "{id}", h.pos.ID, 1)
	case strings.HasPrefix(template, "/api/v1/jobs/"):
		return strings.Replace(template, "{id}", h.jobID, 1)
	}
	require.NotContains(nil, template, "{", "a path parameter the suite cannot fill")
	return template
}

// normal is a body r accepts and answers 2xx: a login of the user.
func (h *hostileFixture) normal(r hostileRoute) map[string]any {
	body := r.valid()
	if strings.HasSuffix(r.template, "/auth/login") {
		body["email"] = h.email
	}
	return body
}

// tokenFor is the token a route is called with.
func (h *hostileFixture) tokenFor(r hostileRoute) string {
	if strings.Contains(r.template, "/auth/") {
		return ""
	}
	return h.token
}

// stored counts the rows of every table a request could write.
func (h *hostileFixture) stored(t testing.TB) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range []string{"users", "user_credentials", "instruments", "accounts", "positions",
		"transactions", "jobs", "job_stages", "idempotency_keys", "outbox", "share_links"} {
		var n int64
		require.NoError(t, h.api.store.DB().Table(table).Count(&n).Error, table)
		out[table] = n
	}
	return out
}

func TestHostileInputs(t *testing.T) {
	t.Parallel()
	h := newHostileFixture(t)
	for _, r := range h.writeRoutes(t) {
		t.Run(r.method+" "+r.template, func(t *testing.T) {
			for _, c := range hostileCases(r) {
				t.Run(c.name, func(t *testing.T) {
					before := h.stored(t)
					resp, raw := h.send(t, r.method, r.path, h.tokenFor(r), string(c.body))
					requireHostileRefused(t, c, resp, raw)
					require.Equal(t, before, h.stored(t), "nothing is stored")
				})
			}
			resp, _ := h.send(t, http.MethodGet, "/health", "", "")
			require.Equal(t, http.StatusOK, resp.StatusCode, "the server is healthy after")
			resp, raw := h.send(t, r.method, r.path, h.tokenFor(r), jsonString(t, h.normal(r)))
			require.Less(t, resp.StatusCode, 300, "a normal request still works: %s", raw)
		})
	}
}

// requireHostileRefused requires a 4xx problem whose detail is a sentence
// and whose errors name c.loc.
func requireHostileRefused(t testing.TB, c hostileCase, resp *http.Response, raw []byte) {
	t.Helper()
	require.GreaterOrEqual(t, resp.StatusCode, 400, "%s is refused: %s", c.name, raw)
	require.Less(t, resp.StatusCode, 500, "%s is the client's fault: %s", c.name, raw)
	if c.status != 0 {
		require.Equal(t, c.status, resp.StatusCode, "%s: %s", c.name, raw)
	}
	require.Equal(t, "application/problem+json", mediaType(resp), "%s: %s", c.name, raw)
	// /v1 carries the detail as message too.
	p := decodeStrict[struct {
		problem
		Message *string `json:"message"`
	}](t, raw)
	require.Equal(t, resp.StatusCode, p.Status, c.name)
	requireSentence(t, p.Detail)
	if p.Message != nil {
		require.Equal(t, p.Detail, *p.Message, c.name)
	}
	for _, e := range p.Errors {
		require.NotContains(t, e.Message, "json:", "%s: the decoder's text is not for a person", c.name)
	}
	if c.loc != "" {
		require.True(t, p.names(c.loc), "%s: the problem names %s: %s", c.name, c.loc, raw)
	}
	require.LessOrEqual(t, len(raw), 4096, "%s: the problem does not echo the body", c.name)
}

// hostileCases are the requests route r must refuse.
func hostileCases(r hostileRoute) []hostileCase {
	cases := wholeBodyCases(r)
	for _, f := range fieldsOf(r, r.schema, "body") {
		cases = append(cases, fieldCases(r, f)...)
	}
	return cases
}

// oversized is a JSON body of n bytes or more.
func oversized(n int) []byte {
	return []byte(`{"padding":"` + strings.Repeat("a", n) + `"}`)
}

// nested is n levels of arrays.
func nested(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

func wholeBodyCases(r hostileRoute) []hostileCase {
	cases := []hostileCase{
		{name: "a body over 1 MiB", body: oversized(1 << 20), status: http.StatusRequestEntityTooLarge},
		{name: "truncated JSON", body: []byte(`{"a":`), status: http.StatusBadRequest},
		{name: "not UTF-8", body: []byte("\xff\xfe{}")},
		{name: "an array", body: []byte(`[]`)},
		{name: "a string", body: []byte(`"x"`)},
		{name: "100,000 levels of nesting", body: []byte(nested(100_000))},
		{name: "10,000 levels of nesting", body: []byte(`{"deep":` + nested(10_000) + `}`)},
		{name: "10,000 levels of objects", body: []byte(strings.Repeat(`{"a":`, 10_000) + "1" + strings.Repeat("}", 10_000))},
		{name: "an unknown field", body: withField(r.valid(), "is_admin", true), loc: "body.is_admin", status: http.StatusUnprocessableEntity},
	}
	if r.template == "/api/v1/analyze" {
		cases = append(cases, hostileCase{name: "a body over 16 KiB", body: oversized(16 << 10), status: http.StatusRequestEntityTooLarge})
	}
	if r.template == "/v1/buy" {
		// /v1/buy accepts and ignores the fields its frontend sends besides.
		cases = slices.DeleteFunc(cases, func(c hostileCase) bool { return c.name == "an unknown field" })
	}
	return cases
}

// field is one property of a body schema, at loc (body.options.paths).
type field struct {
	loc, name string
	schema    map[string]any
	path      []string // the keys from the body's root
}

func fieldsOf(r hostileRoute, schema map[string]any, loc string) []field {
	props, _ := schema["properties"].(map[string]any)
	var out []field
	for name, p := range props {
		s, _ := p.(map[string]any)
		s = resolve(r.components, s)
		if s["readOnly"] == true {
			continue // accepted and ignored
		}
		out = append(out, field{loc: loc + "." + name, name: name, schema: s, path: []string{name}})
	}
	slices.SortFunc(out, func(a, b field) int { return strings.Compare(a.loc, b.loc) })
	return out
}

// withRaw is body with the value at path replaced by raw JSON.
func withRaw(body map[string]any, path []string, raw string) []byte {
	// A placeholder string stands in for the raw value, which may not be
	// JSON Go can marshal (NaN, 1e400).
	const marker = "\x00hostile-value\x00"
	set(body, path, marker)
	b, _ := json.Marshal(body)
	quoted, _ := json.Marshal(marker)
	return []byte(strings.Replace(string(b), string(quoted), raw, 1))
}

func withField(body map[string]any, name string, v any) []byte {
	raw, _ := json.Marshal(v)
	return withRaw(body, []string{name}, string(raw))
}

func set(m map[string]any, path []string, v any) {
	for _, k := range path[:len(path)-1] {
		inner, ok := m[k].(map[string]any)
		if !ok {
			inner = map[string]any{}
			m[k] = inner
		}
		m = inner
	}
	m[path[len(path)-1]] = v
}

// hostileText are strings no free-text field may take: control characters
// and the bidi overrides and isolates that make text read other than it is.
var hostileText = map[string]string{
	"NUL":          "Roth\u0000IRA",
	"BEL":          "Roth\u0007",
	"ESC":          "\u001b[31mRoth",
	"DEL":          "Roth\u007f",
	"newline":      "Roth\nIRA",
	"RLO (U+202E)": "Roth \u202Eexe.txt",
	"LRE (U+202A)": "\u202ARoth",
	"LRI (U+2066)": "\u2066Roth\u2069",
	"RLI (U+2067)": "\u2067Roth",
	"FSI (U+2068)": "\u2068Roth",
	"PDI (U+2069)": "Roth\u2069",
}

func fieldCases(r hostileRoute, f field) []hostileCase {
	var cases []hostileCase
	add := func(name, raw string) {
		cases = append(cases, hostileCase{name: f.loc + " " + name, body: withRaw(r.valid(), f.path, raw), loc: f.loc})
	}
	addWhole := func(name, raw string) {
		cases = append(cases, hostileCase{name: f.loc + " " + name, body: withRaw(r.valid(), f.path, raw), status: http.StatusBadRequest})
	}
	switch typ := typeOf(f.schema); typ {
	case "string":
		for _, wrong := range []string{`12345`, `true`, `{}`, `["x"]`} {
			add("as "+wrong, wrong)
		}
		for name, s := range hostileText {
			add("with "+name, jsonQuote(s))
		}
		add("of 10,000 characters", jsonQuote(strings.Repeat("x", 10_000)))
	case "number", "integer":
		for _, wrong := range []string{`"12"`, `true`, `{}`, `[1]`, `"NaN"`, `"Infinity"`, `"-Infinity"`} {
			add("as "+wrong, wrong)
		}
		for _, token := range []string{`NaN`, `Infinity`, `-Infinity`, `+1`, `0x10`} {
			addWhole("as the bare token "+token, token)
		}
		for _, beyond := range []string{`1e400`, `-1e400`} {
			// Beyond any float64: the decoder fails before a field is known.
			addWhole("as "+beyond, beyond)
		}
		for _, huge := range []string{`1e308`, `-1e308`, `-1`} {
			if huge == `-1` && f.schema["minimum"] == -1.0 {
				continue // within the range
			}
			add("as "+huge, huge)
		}
		if typ == "integer" {
			add("as 1.5", `1.5`)
		}
	case "object":
		for _, wrong := range []string{`"x"`, `1`, `[]`} {
			add("as "+wrong, wrong)
		}
		add("nested 5,000 levels deep", nested(5_000))
		for _, inner := range fieldsOf(r, f.schema, f.loc) {
			inner.path = append(slices.Clone(f.path), inner.path...)
			cases = append(cases, fieldCases(r, inner)...)
		}
	}
	return cases
}

// typeOf is a schema's type; a nullable one's is ["string", "null"].
func typeOf(s map[string]any) string {
	switch t := s["type"].(type) {
	case string:
		return t
	case []any:
		for _, one := range t {
			if one != "null" {
				return one.(string)
			}
		}
	}
	return ""
}

func jsonQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// A body over twice the 1 MiB cap is refused by the server before it is
// read: 413 problem over a real connection (app.Test cannot send it).
func TestHostileBodyOverServerLimit(t *testing.T) {
	t.Parallel()
	h := newHostileFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = h.api.app.Listener(ln) }()
	t.Cleanup(func() { _ = h.api.app.Shutdown() })
	for _, r := range h.writeRoutes(t) {
		// The headers announce 3 MiB; the server answers before the body
		// comes, so no write races its closing the connection.
		conn, err := net.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		before := h.stored(t)
		_, err = fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: alex\r\nContent-Type: application/json\r\n"+
			"Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n{", r.method, r.path, h.token, 3<<20)
		require.NoError(t, err)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err, "%s %s", r.method, r.path)
		raw, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.NoError(t, conn.Close())
		requireHostileRefused(t, hostileCase{name: r.method + " " + r.template + " with 3 MiB", status: http.StatusRequestEntityTooLarge}, resp, raw)
		require.Equal(t, before, h.stored(t), "nothing is stored")
	}
	resp, _ := h.send(t, http.MethodGet, "/health", "", "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

// Right-to-left letters are text: an Arabic or Hebrew name is stored as
// sent; SQL and path metacharacters in free text are stored verbatim, do
// nothing to the database, and are refused where a field has a shape of
// its own (symbols, ids).
func TestHostileTextStoredVerbatim(t *testing.T) {
	t.Parallel()
	h := newHostileFixture(t)
	for _, name := range []string{"حساب التقاعد", "חשבון פנסיה", "\u200fحساب\u200f", "'; DROP TABLE accounts; --", "../../etc/passwd", "%2e%2e/"} {
		acc := h.api.createAccount(t, h.token, map[string]any{"account_name": name, "account_purpose": name})
		require.Equal(t, name, acc.AccountName)
		require.Equal(t, name, h.api.account(t, h.token, acc.ID).AccountPurpose)
		u := mustDo[userJSON](t, h.api, http.MethodPut, "/api/v1/user", h.token, map[string]any{"display_name": name}, http.StatusOK)
		require.Equal(t, name, u.DisplayName)
	}
	for _, symbol := range []string{"'; DROP TABLE accounts; --", "%2e%2e/", "SPY\u202e"} {
		resp, raw := h.api.do(t, http.MethodPost, "/api/v1/positions", h.token,
			map[string]any{"account_id": h.acc.ID, "symbol": symbol, "quantity": 1})
		requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "body.symbol")
	}
	for _, id := range []string{"..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f", url.PathEscape("'; DROP TABLE accounts; --")} {
		before := h.stored(t)
		resp, raw := h.send(t, http.MethodPut, "/api/v1/accounts/"+id, h.token, `{"account_name":"x"}`)
		requireHostileRefused(t, hostileCase{name: "account id " + id, loc: "path.id", status: http.StatusUnprocessableEntity}, resp, raw)
		resp, raw = h.send(t, http.MethodDelete, "/api/v1/positions/"+id, h.token, "")
		requireHostileRefused(t, hostileCase{name: "position id " + id, loc: "path.id", status: http.StatusUnprocessableEntity}, resp, raw)
		require.Equal(t, before, h.stored(t), "nothing is stored")
	}
	require.Len(t, h.api.accounts(t, h.token), 7, "the accounts table is whole")
}
