package http_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	alexhttp "github.com/alex-advisor/alex/http"
)

// postForm posts an HTML form as a browser on the page's own origin does,
// with the session cookie when one is given.
func (a *testAPI) postForm(t *testing.T, path, session string, form url.Values, site string) (*http.Response, []byte) {
	t.Helper()
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	if site != "" {
		h.Set("Sec-Fetch-Site", site)
	}
	if session != "" {
		h.Set("Cookie", "alex_session="+session)
	}
	return a.send(t, http.MethodPost, path, h, form.Encode())
}

// getPage gets a page with the session cookie.
func (a *testAPI) getPage(t *testing.T, path, session string) (*http.Response, []byte) {
	t.Helper()
	h := http.Header{}
	if session != "" {
		h.Set("Cookie", "alex_session="+session)
	}
	return a.send(t, http.MethodGet, path, h, nil)
}

func sessionCookieOf(t *testing.T, resp *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == "alex_session" {
			return c
		}
	}
	t.Fatalf("no alex_session cookie in %v", resp.Header.Values("Set-Cookie"))
	return nil
}

// signUp signs up through the home page's form and returns the session.
func (a *testAPI) signUp(t *testing.T, email string) string {
	t.Helper()
	resp, raw := a.postForm(t, "/signup", "", url.Values{"email": {email}, "password": {"choose-a-password"}}, "same-origin")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "%s", raw)
	return sessionCookieOf(t, resp).Value
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfOf reads the CSRF token the home page's forms carry.
func (a *testAPI) csrfOf(t *testing.T, session string) string {
	t.Helper()
	resp, raw := a.getPage(t, "/", session)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	m := csrfField.FindSubmatch(raw)
	require.NotNil(t, m, "the home page has forms with a CSRF token")
	return string(m[1])
}

func requirePageHeaders(t *testing.T, resp *http.Response) {
	t.Helper()
	require.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	csp := resp.Header.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'", "form-action 'self'",
		"frame-ancestors 'none'", "base-uri 'none'"} {
		require.Contains(t, csp, d)
	}
	require.NotContains(t, csp, "http")
	require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
	require.Equal(t, "no-referrer", resp.Header.Get("Referrer-Policy"))
}

func TestHomeSignUpSetsTheSessionCookie(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, localMode())
	resp, raw := a.getPage(t, "/", "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	requirePageHeaders(t, resp)
	require.Contains(t, string(raw), `action="/signup"`)

	resp, raw = a.postForm(t, "/signup", "", url.Values{"email": {"home@example.com"}, "password": {"choose-a-password"}}, "same-origin")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "%s", raw)
	require.Equal(t, "/", resp.Header.Get("Location"))
	c := sessionCookieOf(t, resp)
	require.True(t, c.HttpOnly)
	require.False(t, c.Secure, "no PUBLIC_URL: the service may be plain http on a laptop")
	require.Equal(t, http.SameSiteLaxMode, c.SameSite)
	require.Equal(t, "/", c.Path)
	require.WithinDuration(t, time.Now().Add(time.Hour), c.Expires, time.Minute, "expires with the token")

	resp, raw = a.getPage(t, "/", c.Value)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	requirePageHeaders(t, resp)
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	require.Contains(t, string(raw), "Hello, home@example.com")

	// A wrong password is said on the page, with the API's status.
	resp, raw = a.postForm(t, "/login", "", url.Values{"email": {"home@example.com"}, "password": {"wrong-password"}}, "same-origin")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Contains(t, string(raw), "The email or password is wrong.")
	require.Empty(t, resp.Cookies())

	resp, _ = a.postForm(t, "/login", "", url.Values{"email": {"home@example.com"}, "password": {"choose-a-password"}}, "same-origin")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.NotEmpty(t, sessionCookieOf(t, resp).Value)
}

func TestHomeSessionCookieIsSecureBehindHTTPS(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, localMode(), withConfig(func(c *alexhttp.Config) { c.PublicURL = "https://alex.example.com" }))
	resp, raw := a.postForm(t, "/signup", "", url.Values{"email": {"tls@example.com"}, "password": {"choose-a-password"}}, "same-origin")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "%s", raw)
	require.True(t, sessionCookieOf(t, resp).Secure)

	// Without Sec-Fetch-Site, Origin must be PUBLIC_URL's.
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {"https://evil.example"}}
	resp, _ = a.send(t, http.MethodPost, "/login", h, "email=tls%40example.com&password=choose-a-password")
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	h.Set("Origin", "https://alex.example.com")
	resp, _ = a.send(t, http.MethodPost, "/login", h, "email=tls%40example.com&password=choose-a-password")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
}

func TestHomeFormsRequireTheCSRFTokenAndTheSameOrigin(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, localMode())
	session := a.signUp(t, "csrf@example.com")
	csrf := a.csrfOf(t, session)
	account := url.Values{"account_name": {"Savings"}, "currency": {"USD"}, "cash_balance": {"100"}}

	for name, tc := range map[string]struct {
		csrf, site string
	}{
		"no token":          {"", "same-origin"},
		"another token":     {strings.Repeat("A", len(csrf)), "same-origin"},
		"from another site": {csrf, "cross-site"},
	} {
		form := url.Values{"csrf": {tc.csrf}}
		for k, v := range account {
			form[k] = v
		}
		resp, raw := a.postForm(t, "/accounts", session, form, tc.site)
		require.Equal(t, http.StatusForbidden, resp.StatusCode, name)
		requirePageHeaders(t, resp)
		require.Contains(t, string(raw), "This form cannot be accepted", name)
	}
	accounts := a.accounts(t, session)
	require.Empty(t, accounts, "no refused form changed anything")

	account.Set("csrf", csrf)
	resp, raw := a.postForm(t, "/accounts", session, account, "same-origin")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "%s", raw)
	require.Len(t, a.accounts(t, session), 1)

	// The API's rules hold on the page: its refusal is shown, in its words.
	resp, raw = a.postForm(t, "/positions", session, url.Values{"csrf": {csrf},
		"account_id": {a.accounts(t, session)[0].ID}, "symbol": {"VTI"}, "quantity": {"-1"}}, "same-origin")
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, string(raw), "quantity")

	// Logging out clears the cookie.
	resp, _ = a.postForm(t, "/logout", session, url.Values{"csrf": {csrf}}, "same-origin")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	c := sessionCookieOf(t, resp)
	require.Empty(t, c.Value)
	require.True(t, c.Expires.Before(time.Now()))
}

// The session cookie stands in for the bearer token only on the GETs of a
// job's report and events; every other route ignores it, so no other site
// can make a logged-in browser change or read anything.
func TestSessionCookieAuthenticatesOnlyAJobsReportAndEvents(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, localMode())
	session := a.signUp(t, "cookie@example.com")
	job := uuid.NewString()

	for _, path := range []string{"/api/v1/accounts", "/api/v1/user", "/api/v1/jobs", "/api/v1/jobs/" + job,
		"/api/v1/jobs/" + job + "/events/x", "/api/jobs/" + job} {
		resp, _ := a.getPage(t, path, session)
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, path)
	}
	h := http.Header{"Cookie": {"alex_session=" + session}, "Content-Type": {"application/json"}}
	resp, _ := a.send(t, http.MethodPost, "/api/v1/analyze", h, `{"analysis_type":"portfolio"}`)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "no POST accepts the cookie")

	// Authenticated by the cookie: the job is not the user's, so 404, not 401.
	for _, path := range []string{"/api/v1/jobs/" + job + "/events", "/api/jobs/" + job + "/events"} {
		resp, raw := a.getPage(t, path, session)
		require.Equal(t, http.StatusNotFound, resp.StatusCode, "%s: %s", path, raw)
		resp, _ = a.getPage(t, path, "")
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, path)
	}
	resp, _ = a.getPage(t, "/api/v1/jobs/"+job+"/report", "")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "the report needs a login")
}

func TestClerkModeHomePointsToTheFrontend(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	resp, raw := a.getPage(t, "/", "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	requirePageHeaders(t, resp)
	require.Contains(t, string(raw), `href="http://localhost:3000"`)
	require.NotContains(t, string(raw), "<form")

	resp, _ = a.postForm(t, "/signup", "", url.Values{"email": {"c@example.com"}, "password": {"choose-a-password"}}, "same-origin")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Empty(t, resp.Cookies(), "Clerk mode issues no session")
}

func TestDocsServeEmbeddedAssets(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	resp, raw := a.getPage(t, "/docs", "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	requirePageHeaders(t, resp)
	require.NotContains(t, string(raw), "//", "no URL of another host (nor a comment)")
	srcs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(string(raw), -1)
	require.Len(t, srcs, 3, "the stylesheet, Swagger UI and its start-up script")
	for _, m := range srcs {
		require.True(t, strings.HasPrefix(m[1], "/assets/"), m[1])
		resp, body := a.getPage(t, m[1], "")
		require.Equal(t, http.StatusOK, resp.StatusCode, m[1])
		require.Equal(t, "public, max-age=31536000, immutable", resp.Header.Get("Cache-Control"))
		require.NotEmpty(t, body)
	}
	resp, _ = a.getPage(t, "/assets/nothing.js", "")
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}
