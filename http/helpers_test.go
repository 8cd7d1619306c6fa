package http_test

// The end-to-end tests of the HTTP API drive the real router
// (alexhttp.New(cfg).App().Test) with real RS256 tokens, verified the way
// production verifies Clerk tokens (a JWKS served over HTTP, cached by
// auth.NewJWKSCache, checked by auth.NewVerifier), against the real
// PostgreSQL: every test gets a migrated schema of its own.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/alex-advisor/alex/auth"
	"github.com/alex-advisor/alex/auth/authtest"
	alexhttp "github.com/alex-advisor/alex/http"
	"github.com/alex-advisor/alex/market"
	"github.com/alex-advisor/alex/store"
	"github.com/alex-advisor/alex/store/storetest"
)

// testIssuer is the iss of test tokens: a Clerk-hosted issuer, so it passes
// RequireClerkIssuer as a real Clerk token would.
const testIssuer = "https://clerk.test.example"

// localIssuer is the iss of local-mode tokens (bootstrap's default).
const localIssuer = "alex-local"

func TestMain(m *testing.M) {
	// Registration and login hash passwords; the cheapest cost keeps them fast.
	// Set before any test runs: the variable is global.
	auth.BcryptCost = bcrypt.MinCost
	os.Exit(m.Run())
}

// testAPI is the real server on a fresh schema.
type testAPI struct {
	app   *fiber.App
	store *store.Store
	keys  *authtest.KeyPair // signs Clerk-mode tokens; its JWKS is served by jwks
	jwks  *httptest.Server
	// jwksFetches counts the requests the JWKS server answered.
	jwksFetches atomic.Int64
	issuer      *auth.Issuer // local mode only
	// verifier checks the bearer tokens of the server.
	verifier *auth.Verifier
}

type apiOptions struct {
	verifier auth.VerifierOptions
	ready    func(context.Context) error
	store    *store.Store
	local    bool
	funds    *market.FundCache
	// configure edits the server's config last.
	configure []func(*alexhttp.Config)
}

type apiOption func(*apiOptions)

// withVerifier replaces the default verifier options {RequireClerkIssuer: true}.
func withVerifier(o auth.VerifierOptions) apiOption {
	return func(a *apiOptions) { a.verifier = o }
}

// withReady replaces the readiness check (the store's ping by default).
func withReady(f func(context.Context) error) apiOption {
	return func(a *apiOptions) { a.ready = f }
}

// withStore serves an already opened store instead of a fresh one.
func withStore(s *store.Store) apiOption {
	return func(a *apiOptions) { a.store = s }
}

// withFunds serves the fund data routes from c.
func withFunds(c *market.FundCache) apiOption {
	return func(a *apiOptions) { a.funds = c }
}

// withConfig edits the server's config after the defaults are set.
func withConfig(edit func(*alexhttp.Config)) apiOption {
	return func(a *apiOptions) { a.configure = append(a.configure, edit) }
}

// localMode builds the server as AUTH_MODE=local does: the service is its own
// issuer and verifies its tokens through the same Verifier.
func localMode() apiOption {
	return func(a *apiOptions) { a.local = true }
}

// newTestAPI builds the server the way cmd/api does in Clerk mode with
// CLERK_JWKS_URL: a test key pair, its JWKS served by httptest, a JWKS cache
// and a verifier that requires a Clerk issuer.
func newTestAPI(t testing.TB, opts ...apiOption) *testAPI {
	t.Helper()
	o := apiOptions{verifier: auth.VerifierOptions{RequireClerkIssuer: true}}
	for _, opt := range opts {
		opt(&o)
	}
	a := &testAPI{store: o.store}
	if a.store == nil {
		a.store = storetest.MustOpenDB(t)
	}
	var logOut io.Writer = io.Discard
	if os.Getenv("ALEX_TEST_LOG") != "" {
		logOut = os.Stderr // ALEX_TEST_LOG=1 shows the server's log
	}
	cfg := alexhttp.Config{
		Store:       a.store,
		Log:         slog.New(slog.NewTextHandler(logOut, nil)),
		CORSOrigins: []string{"http://localhost:3000"},
		Ready:       a.store.Ping,
		Funds:       o.funds,
	}
	if o.ready != nil {
		cfg.Ready = o.ready
	}
	if o.local {
		keyPEM, err := auth.GenerateKeyPEM()
		require.NoError(t, err)
		a.issuer, err = auth.NewIssuer(context.Background(), keyPEM, localIssuer, time.Hour)
		require.NoError(t, err)
		cfg.Issuer = a.issuer
		a.verifier = auth.NewVerifier(a.issuer.KeySource(), auth.VerifierOptions{Issuer: localIssuer})
	} else {
		a.keys = authtest.NewKeyPair(t)
		set := authtest.JWKS(t, a.keys)
		a.jwks = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			a.jwksFetches.Add(1)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(set)
		}))
		t.Cleanup(a.jwks.Close)
		a.verifier = auth.NewVerifier(auth.NewJWKSCache(a.jwks.URL, nil, time.Minute), o.verifier)
	}
	cfg.Verifier = a.verifier
	for _, edit := range o.configure {
		edit(&cfg)
	}
	a.app = alexhttp.New(cfg).App()
	// The first request builds Fiber's route tree; make it before tests fire
	// concurrent requests.
	resp, _ := a.do(t, http.MethodGet, "/health", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return a
}

// claims are valid Clerk session claims for sub, with a name and an email.
func claims(sub string) map[string]any {
	c := authtest.Claims(testIssuer, sub, time.Now())
	c["name"] = "Name of " + sub
	c["email"] = sub + "@example.com"
	return c
}

// token mints a valid RS256 token for userID: iss, sub, iat, nbf, exp (+1 h),
// name and email.
func (a *testAPI) token(t testing.TB, userID string) string {
	t.Helper()
	return a.keys.Token(t, claims(userID))
}

// tokenWith mints a token of claims(sub) changed by edit.
func (a *testAPI) tokenWith(t testing.TB, sub string, edit func(c map[string]any)) string {
	t.Helper()
	c := claims(sub)
	edit(c)
	return a.keys.Token(t, c)
}

// do sends one request through the router. body is nil (no body), a string or
// []byte (sent as is) or anything else (sent as JSON). A body is sent as
// application/json; token, when set, as a bearer token.
func (a *testAPI) do(t testing.TB, method, path, token string, body any) (*http.Response, []byte) {
	t.Helper()
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		h.Set("Content-Type", "application/json")
	}
	return a.send(t, method, path, h, body)
}

// send is do with the headers given verbatim.
func (a *testAPI) send(t testing.TB, method, path string, h http.Header, body any) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(t, err)
		r = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, r)
	for k, vs := range h {
		req.Header[k] = vs
	}
	resp, err := a.app.Test(req, -1)
	require.NoError(t, err, "%s %s", method, path)
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return resp, raw
}

// result is one answer, collected by goroutines and checked afterwards on
// the test's goroutine.
type result struct {
	resp *http.Response
	raw  []byte
}

// concurrently sends n requests at once; req(i) gives the i-th request's
// method, path and body.
func (a *testAPI) concurrently(t testing.TB, n int, token string, req func(i int) (string, string, any)) []result {
	t.Helper()
	out := make([]result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		method, path, body := req(i)
		var r *http.Request
		if body == nil {
			r = httptest.NewRequest(method, path, nil)
		} else {
			raw, err := json.Marshal(body)
			require.NoError(t, err)
			r = httptest.NewRequest(method, path, bytes.NewReader(raw))
			r.Header.Set("Content-Type", "application/json")
		}
		r.Header.Set("Authorization", "Bearer "+token)
		wg.Go(func() {
			resp, err := a.app.Test(r, -1)
			if err != nil {
				errs[i] = err
				return
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			out[i], errs[i] = result{resp, b}, err
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	return out
}

// mustDo is do that requires the status and decodes the JSON answer into T,
// refusing fields T does not know (the shapes are exact).
func mustDo[T any](t testing.TB, a *testAPI, method, path, token string, body any, status int) T {
	t.Helper()
	resp, raw := a.do(t, method, path, token, body)
	require.Equal(t, status, resp.StatusCode, "%s %s: %s", method, path, raw)
	require.Equal(t, "application/json", mediaType(resp), "%s %s", method, path)
	return decodeStrict[T](t, raw)
}

func mediaType(resp *http.Response) string {
	ct, _, _ := strings.Cut(resp.Header.Get("Content-Type"), ";")
	return strings.TrimSpace(ct)
}

// decodeStrict decodes raw into T and fails on fields T does not have.
func decodeStrict[T any](t testing.TB, raw []byte) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&v), "decode %T from %s", v, raw)
	return v
}

// object decodes a JSON object.
func object(t testing.TB, raw []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m), "decode object from %s", raw)
	return m
}

// requireKeys requires m to have exactly keys.
func requireKeys(t testing.TB, m map[string]any, keys ...string) {
	t.Helper()
	got := make([]string, 0, len(m))
	for k := range m {
		got = append(got, k)
	}
	slices.Sort(got)
	want := slices.Clone(keys)
	slices.Sort(want)
	require.Equal(t, want, got)
}

// problem is the RFC 9457 body of an error.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
	} `json:"errors"`
}

// names tells whether an error names the field at loc: by its location, or,
// for a missing required property, huma's way: location "body" and a message
// naming the property.
func (p problem) names(loc string) bool {
	parent, field, _ := cutLast(loc, ".")
	for _, e := range p.Errors {
		if e.Location == loc || (e.Location == parent && strings.Contains(e.Message, "required property "+field+" ")) {
			return true
		}
	}
	return false
}

func cutLast(s, sep string) (string, string, bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return "", s, false
	}
	return s[:i], s[i+len(sep):], true
}

// requireProblem requires an application/problem+json answer of status whose
// detail is a sentence and whose errors name every one of locations.
func requireProblem(t testing.TB, resp *http.Response, raw []byte, status int, locations ...string) problem {
	t.Helper()
	require.Equal(t, status, resp.StatusCode, "body: %s", raw)
	require.Equal(t, "application/problem+json", mediaType(resp), "body: %s", raw)
	require.NotEmpty(t, resp.Header.Get("X-Request-ID"), "every response carries a request id")
	p := decodeStrict[problem](t, raw)
	require.Equal(t, status, p.Status)
	require.Equal(t, http.StatusText(status), p.Title)
	requireSentence(t, p.Detail)
	for _, loc := range locations {
		require.True(t, p.names(loc), "problem names %s: %s", loc, raw)
	}
	for _, e := range p.Errors {
		require.NotEmpty(t, e.Message, "problem %s", raw)
	}
	return p
}

// requireSentence requires something a person can read: capitalised, ends
// with a period, no Go error plumbing.
func requireSentence(t testing.TB, s string) {
	t.Helper()
	require.NotEmpty(t, s)
	require.True(t, unicode.IsUpper([]rune(s)[0]), "detail %q starts with a capital", s)
	require.True(t, strings.HasSuffix(s, "."), "detail %q ends with a period", s)
	for _, leak := range []string{"alex error", "code=", "pq:", "SQLSTATE", "gorm", "sql:", "%!"} {
		require.NotContains(t, s, leak)
	}
}

// Resources as a client sees them. Decoded strictly, so an extra or renamed
// field fails the test.

type userJSON struct {
	UserID                 string             `json:"clerk_user_id"`
	DisplayName            string             `json:"display_name"`
	YearsUntilRetirement   int                `json:"years_until_retirement"`
	TargetRetirementIncome float64            `json:"target_retirement_income"`
	BaseCurrency           string             `json:"base_currency"`
	AssetClassTargets      map[string]float64 `json:"asset_class_targets"`
	RegionTargets          map[string]float64 `json:"region_targets"`
	CreatedAt              time.Time          `json:"created_at"`
	UpdatedAt              time.Time          `json:"updated_at"`
}

type getUserJSON struct {
	User    userJSON `json:"user"`
	Created bool     `json:"created"`
}

type accountJSON struct {
	ID             string    `json:"id"`
	UserID         string    `json:"clerk_user_id"`
	AccountName    string    `json:"account_name"`
	AccountPurpose string    `json:"account_purpose"`
	Currency       string    `json:"currency"`
	CashBalance    float64   `json:"cash_balance"`
	CashInterest   float64   `json:"cash_interest"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

type instrumentJSON struct {
	Symbol               string             `json:"symbol"`
	Name                 string             `json:"name"`
	InstrumentType       string             `json:"instrument_type"`
	Currency             string             `json:"currency"`
	CurrentPrice         *float64           `json:"current_price"`
	PriceAsOf            *string            `json:"price_as_of"`
	PriceSource          *string            `json:"price_source"`
	AllocationRegions    map[string]float64 `json:"allocation_regions"`
	AllocationSectors    map[string]float64 `json:"allocation_sectors"`
	AllocationAssetClass map[string]float64 `json:"allocation_asset_class"`
	AssetClassAllocation map[string]float64 `json:"asset_class_allocation"`
	RegionAllocation     map[string]float64 `json:"region_allocation"`
	SectorAllocation     map[string]float64 `json:"sector_allocation"`
}

type positionJSON struct {
	ID             string         `json:"id"`
	AccountID      string         `json:"account_id"`
	Symbol         string         `json:"symbol"`
	Quantity       float64        `json:"quantity"`
	AsOfDate       string         `json:"as_of_date"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
	InstrumentName string         `json:"instrument_name"`
	InstrumentType string         `json:"instrument_type"`
	CurrentPrice   *float64       `json:"current_price"`
	Instrument     instrumentJSON `json:"instrument"`
}

type positionsJSON struct {
	Positions []positionJSON `json:"positions"`
}

type transactionJSON struct {
	ID            string    `json:"id"`
	AccountID     string    `json:"account_id"`
	Side          string    `json:"side"`
	Symbol        string    `json:"symbol"`
	Quantity      float64   `json:"quantity"`
	Price         float64   `json:"price"`
	PriceCurrency string    `json:"price_currency"`
	FXRate        float64   `json:"fx_rate"`
	FXAsOf        *string   `json:"fx_as_of"`
	Amount        float64   `json:"amount"`
	Currency      string    `json:"currency"`
	CreatedAt     time.Time `json:"created_at"`
}

type transactionsJSON struct {
	Transactions []transactionJSON `json:"transactions"`
	NextCursor   *string           `json:"next_cursor"`
}

type messageJSON struct {
	Message string `json:"message"`
}

// Shortcuts for setting up state through the API.

func (a *testAPI) createAccount(t testing.TB, token string, body map[string]any) accountJSON {
	t.Helper()
	return mustDo[accountJSON](t, a, http.MethodPost, "/api/v1/accounts", token, body, http.StatusCreated)
}

func (a *testAPI) accounts(t testing.TB, token string) []accountJSON {
	t.Helper()
	return mustDo[[]accountJSON](t, a, http.MethodGet, "/api/v1/accounts", token, nil, http.StatusOK)
}

// account finds one account in the user's list.
func (a *testAPI) account(t testing.TB, token, id string) accountJSON {
	t.Helper()
	for _, acc := range a.accounts(t, token) {
		if acc.ID == id {
			return acc
		}
	}
	t.Fatalf("account %s is not in the list", id)
	return accountJSON{}
}

func (a *testAPI) positions(t testing.TB, token, accountID string) []positionJSON {
	t.Helper()
	return mustDo[positionsJSON](t, a, http.MethodGet, "/api/v1/accounts/"+accountID+"/positions", token, nil, http.StatusOK).Positions
}

func (a *testAPI) upsertPosition(t testing.TB, token, accountID, symbol string, qty float64) positionJSON {
	t.Helper()
	return mustDo[positionJSON](t, a, http.MethodPost, "/api/v1/positions", token,
		map[string]any{"account_id": accountID, "symbol": symbol, "quantity": qty}, http.StatusCreated)
}

func (a *testAPI) trade(t testing.TB, token, accountID string, body map[string]any) transactionJSON {
	t.Helper()
	return mustDo[transactionJSON](t, a, http.MethodPost, "/api/v1/accounts/"+accountID+"/transactions", token, body, http.StatusCreated)
}

func (a *testAPI) transactions(t testing.TB, token, accountID, query string) transactionsJSON {
	t.Helper()
	return mustDo[transactionsJSON](t, a, http.MethodGet, "/api/v1/accounts/"+accountID+"/transactions"+query, token, nil, http.StatusOK)
}

// positionOf returns the account's position in symbol, or false.
func positionOf(ps []positionJSON, symbol string) (positionJSON, bool) {
	for _, p := range ps {
		if p.Symbol == symbol {
			return p, true
		}
	}
	return positionJSON{}, false
}

func symbols(ps []positionJSON) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Symbol
	}
	return out
}

func quantities(ps []positionJSON) map[string]float64 {
	out := make(map[string]float64, len(ps))
	for _, p := range ps {
		out[p.Symbol] = p.Quantity
	}
	return out
}

// cents compares money exactly: dollars as a whole number of cents.
func cents(dollars float64) int64 {
	return int64(dollars*100 + 0.5*sign(dollars))
}

func sign(f float64) float64 {
	if f < 0 {
		return -1
	}
	return 1
}

// unknownUUID is a well-formed id that names nothing.
const unknownUUID = "7a2b5c1e-0d4f-4c3a-9b8e-1f2a3b4c5d6e"

// today is the as_of_date of positions written now (UTC).
func today() string { return time.Now().UTC().Format(time.DateOnly) }

func jsonString(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

type jobStageJSON struct {
	Name        string     `json:"name"`
	Status      string     `json:"status"`
	Attempts    int        `json:"attempts"`
	StartedAt   *time.Time `json:"started_at"`
	CompletedAt *time.Time `json:"completed_at"`
	Error       *string    `json:"error"`
}

type jobJSON struct {
	ID                string          `json:"id"`
	UserID            string          `json:"clerk_user_id"`
	JobType           string          `json:"job_type"`
	Status            string          `json:"status"`
	Progress          int             `json:"progress"`
	Stages            []jobStageJSON  `json:"stages"`
	RequestPayload    json.RawMessage `json:"request_payload"`
	ReportPayload     json.RawMessage `json:"report_payload"`
	ChartsPayload     json.RawMessage `json:"charts_payload"`
	RetirementPayload json.RawMessage `json:"retirement_payload"`
	SummaryPayload    json.RawMessage `json:"summary_payload"`
	Warnings          []struct {
		Code    string `json:"code"`
		Symbol  string `json:"symbol"`
		Message string `json:"message"`
	} `json:"warnings"`
	ErrorMessage *string    `json:"error_message"`
	Error        *string    `json:"error"`
	CreatedAt    time.Time  `json:"created_at"`
	StartedAt    *time.Time `json:"started_at"`
	CompletedAt  *time.Time `json:"completed_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

type jobsJSON struct {
	Jobs       []jobJSON `json:"jobs"`
	NextCursor *string   `json:"next_cursor"`
}

// submitJob starts an analysis as the Alex frontend does and returns its id.
func (a *testAPI) submitJob(t testing.TB, token string) string {
	t.Helper()
	return mustDo[struct {
		JobID   string `json:"job_id"`
		Message string `json:"message"`
	}](t, a, http.MethodPost, "/api/analyze", token, map[string]any{"analysis_type": "portfolio", "options": map[string]any{}}, http.StatusAccepted).JobID
}
