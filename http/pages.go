package http

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"html/template"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// The pages the service serves to a browser (the home page and the API
// reference) load nothing from another host, under a CSP that says so.
const (
	// homeCSP allows this origin's scripts and styles only.
	homeCSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
		"img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	// docsCSP adds inline styles, which Swagger UI sets on its elements.
	docsCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; " +
		"img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

var pageTemplates = template.Must(template.New("pages").
	Funcs(template.FuncMap{"asset": assetURL}).
	ParseFS(web, "web/templates/*.html"))

// registerPages serves the pages: the API reference and the home page.
func (s *Server) registerPages() {
	s.app.Get("/assets/:name", s.serveAsset)
	s.app.Get("/docs", s.docs)
	s.registerHome()
}

// writePage renders a template with the headers every page carries.
func writePage(c *fiber.Ctx, status int, csp, name string, data any) error {
	var b bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&b, name, data); err != nil {
		return err // the error handler answers 500 and logs it
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderContentSecurityPolicy, csp)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	return c.Status(status).Send(b.Bytes())
}

func (s *Server) docs(c *fiber.Ctx) error {
	return writePage(c, fiber.StatusOK, docsCSP, "docs.html", nil)
}

// sessionCookie holds the local-auth token of a person logged in on the home
// page. It authenticates the home page, and at the API only the two GETs a
// browser cannot send a header with (see cookieAuthenticates).
const sessionCookie = "alex_session"

func (s *Server) setSession(c *fiber.Ctx, token string, expires time.Time) {
	c.Cookie(&fiber.Cookie{
		Name: sessionCookie, Value: token, Path: "/", Expires: expires,
		HTTPOnly: true, Secure: s.secureCookies(), SameSite: fiber.CookieSameSiteLaxMode,
	})
}

func (s *Server) clearSession(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{
		Name: sessionCookie, Value: "", Path: "/", Expires: time.Unix(0, 0), MaxAge: -1,
		HTTPOnly: true, Secure: s.secureCookies(), SameSite: fiber.CookieSameSiteLaxMode,
	})
}

// secureCookies: a cookie sent over https only, when the service is public
// over https.
func (s *Server) secureCookies() bool {
	return strings.HasPrefix(s.cfg.PublicURL, "https://")
}

// cookieAuthenticates says whether the session cookie may stand in for the
// bearer token: only for the safe GETs of a job's report and events, which
// a browser opens by navigation or EventSource, neither of which can send
// an Authorization header. Any other route would be open to cross-site
// request forgery.
func cookieAuthenticates(method, path string) bool {
	if method != fiber.MethodGet {
		return false
	}
	parts := strings.Split(path, "/") // "", "api", "v1", "jobs", id, what
	return len(parts) == 6 && parts[1] == "api" && parts[2] == "v1" && parts[3] == "jobs" &&
		parts[4] != "" && (parts[5] == "report" || parts[5] == "events")
}

// csrfToken is the token the session's forms carry: derived from the
// session token, which another site can neither read (HttpOnly) nor
// guess, so only pages of this origin know it. It needs no server state and
// holds across replicas.
func csrfToken(session string) string {
	sum := sha256.Sum256([]byte("alex-csrf\x00" + session))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func validCSRF(session, token string) bool {
	return session != "" && subtle.ConstantTimeCompare([]byte(csrfToken(session)), []byte(token)) == 1
}

// sameOrigin rejects a form posted from another site. Browsers say where a
// request comes from in Sec-Fetch-Site; those that do not, in Origin, which
// must then be this service's (PUBLIC_URL's, else the request's own). The
// pages' Referrer-Policy no-referrer makes Origin "null" on their own POSTs,
// so Origin alone is read only when Sec-Fetch-Site is missing. A request
// with neither comes from no browser, which no other site can drive.
func (s *Server) sameOrigin(c *fiber.Ctx) bool {
	if site := c.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin" || site == "none"
	}
	if origin := c.Get(fiber.HeaderOrigin); origin != "" {
		return origin == s.ownOrigin(c)
	}
	return true
}

func (s *Server) ownOrigin(c *fiber.Ctx) string {
	if u, err := url.Parse(s.cfg.PublicURL); err == nil && u.Scheme != "" && u.Host != "" {
		return u.Scheme + "://" + u.Host
	}
	return c.Protocol() + "://" + string(c.Request().Host())
}
