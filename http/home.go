package http

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/display"
)

// The home page: a small server-rendered app for self-hosters in local auth
// mode. Every read and change goes through the API's own router (callAPI)
// with the person's token, so the page keeps no rule of its own.

func (s *Server) registerHome() {
	s.app.Get("/", s.home)
	s.app.Post("/signup", s.signupForm)
	s.app.Post("/login", s.loginForm)
	s.app.Post("/logout", s.form(s.logoutForm))
	s.app.Post("/accounts", s.form(s.accountForm))
	s.app.Post("/positions", s.form(s.positionForm))
	s.app.Post("/buy", s.form(s.buyForm))
	s.app.Post("/populate", s.form(s.populateForm))
	s.app.Post("/analyze", s.form(s.analyzeForm))
	s.app.Get("/jobs/:id", s.jobPage)
}

// session is the person the session cookie names.
type session struct {
	token string
	csrf  string
}

// session reads and verifies the session cookie; false when there is none,
// it is no longer valid, or the service does not issue tokens (Clerk mode).
func (s *Server) session(c *fiber.Ctx) (session, bool) {
	token := c.Cookies(sessionCookie)
	if token == "" || s.cfg.Issuer == nil {
		return session{}, false
	}
	if _, err := s.cfg.Verifier.Verify(c.UserContext(), token); err != nil {
		return session{}, false
	}
	token = strings.Clone(token) // a view into fasthttp's buffer
	return session{token: token, csrf: csrfToken(token)}, true
}

// form guards a logged-in form: posted from this origin, by a session, with
// the session's CSRF token.
func (s *Server) form(h func(*fiber.Ctx, session) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if !s.sameOrigin(c) {
			return forbidden(c)
		}
		sess, ok := s.session(c)
		if !ok {
			return c.Redirect("/", fiber.StatusSeeOther)
		}
		if !validCSRF(sess.token, c.FormValue("csrf")) {
			return forbidden(c)
		}
		return h(c, sess)
	}
}

func forbidden(c *fiber.Ctx) error {
	return writeHomePage(c, fiber.StatusForbidden, "error.html", errorView{
		Title:   "This form cannot be accepted",
		Message: "It did not come from a page of this service, or the page is out of date. Go back to the home page and try again.",
	})
}

// writeHomePage renders a home page; what it shows is the person's own, so
// nothing keeps a copy.
func writeHomePage(c *fiber.Ctx, status int, name string, data any) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return writePage(c, status, homeCSP, name, data)
}

type errorView struct {
	Title, Message string
}

func (s *Server) home(c *fiber.Ctx) error {
	if s.cfg.Issuer == nil {
		return s.clerkHome(c)
	}
	sess, ok := s.session(c)
	if !ok {
		if c.Cookies(sessionCookie) != "" {
			s.clearSession(c) // expired or from another key: forget it
		}
		return writeHomePage(c, fiber.StatusOK, "login.html", loginView{})
	}
	return s.renderDashboard(c, sess, fiber.StatusOK, nil)
}

// clerkHome points to the frontend: with Clerk, people sign in there. The
// frontend is the first CORS origin, the one the API serves.
func (s *Server) clerkHome(c *fiber.Ctx) error {
	var frontend string
	if len(s.cfg.CORSOrigins) > 0 && s.cfg.CORSOrigins[0] != "*" {
		frontend = s.cfg.CORSOrigins[0]
	}
	return writeHomePage(c, fiber.StatusOK, "clerk.html", struct{ FrontendURL string }{frontend})
}

type loginView struct {
	Email string
	Error string
	// Signup says which form the error belongs to.
	Signup bool
}

func (s *Server) signupForm(c *fiber.Ctx) error {
	body := map[string]any{"email": c.FormValue("email"), "password": c.FormValue("password")}
	if name := strings.TrimSpace(c.FormValue("display_name")); name != "" {
		body["display_name"] = name
	}
	return s.startSession(c, "/api/v1/auth/register", body, true)
}

func (s *Server) loginForm(c *fiber.Ctx) error {
	body := map[string]any{"email": c.FormValue("email"), "password": c.FormValue("password")}
	return s.startSession(c, "/api/v1/auth/login", body, false)
}

// startSession registers or logs in through the API and keeps the token it
// issues in the session cookie, for as long as the token is valid.
func (s *Server) startSession(c *fiber.Ctx, path string, body map[string]any, signup bool) error {
	if s.cfg.Issuer == nil {
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	if !s.sameOrigin(c) {
		return forbidden(c)
	}
	var issued tokenBody
	err := s.callAPI(c.UserContext(), fiber.MethodPost, path, "", body, &issued)
	var p *apiProblem
	if errors.As(err, &p) {
		v := loginView{Email: c.FormValue("email"), Error: problemSentence(p), Signup: signup}
		return writeHomePage(c, p.Status, "login.html", v)
	}
	if err != nil {
		return err
	}
	s.setSession(c, issued.Token, issued.ExpiresAt)
	return c.Redirect("/", fiber.StatusSeeOther)
}

func (s *Server) logoutForm(c *fiber.Ctx, _ session) error {
	s.clearSession(c)
	return c.Redirect("/", fiber.StatusSeeOther)
}

func (s *Server) accountForm(c *fiber.Ctx, sess session) error {
	body := map[string]any{
		"account_name": strings.TrimSpace(c.FormValue("account_name")),
		"currency":     strings.ToUpper(strings.TrimSpace(c.FormValue("currency"))),
		"cash_balance": formNumber(c.FormValue("cash_balance"), 0),
	}
	return s.change(c, sess, fiber.MethodPost, "/api/v1/accounts", body)
}

func (s *Server) positionForm(c *fiber.Ctx, sess session) error {
	body := map[string]any{
		"account_id": c.FormValue("account_id"),
		"symbol":     strings.TrimSpace(c.FormValue("symbol")),
		"quantity":   formNumber(c.FormValue("quantity"), nil),
	}
	return s.change(c, sess, fiber.MethodPost, "/api/v1/positions", body)
}

func (s *Server) buyForm(c *fiber.Ctx, sess session) error {
	body := map[string]any{
		"side":     "buy",
		"symbol":   c.FormValue("symbol"),
		"quantity": formNumber(c.FormValue("quantity"), nil),
	}
	path := "/api/v1/accounts/" + url.PathEscape(c.FormValue("account_id")) + "/transactions"
	return s.change(c, sess, fiber.MethodPost, path, body)
}

func (s *Server) populateForm(c *fiber.Ctx, sess session) error {
	return s.change(c, sess, fiber.MethodPost, "/api/v1/populate-test-data", nil)
}

func (s *Server) analyzeForm(c *fiber.Ctx, sess session) error {
	var started struct {
		JobID string `json:"job_id"`
	}
	err := s.callAPI(c.UserContext(), fiber.MethodPost, "/api/v1/analyze", sess.token,
		map[string]any{"analysis_type": "portfolio"}, &started)
	if err != nil {
		return s.changeFailed(c, sess, err)
	}
	return c.Redirect("/jobs/"+url.PathEscape(started.JobID), fiber.StatusSeeOther)
}

// change makes one change through the API and shows the home page again:
// after a redirect when it was made, at once with the API's sentence when
// it was refused.
func (s *Server) change(c *fiber.Ctx, sess session, method, path string, body any) error {
	if err := s.callAPI(c.UserContext(), method, path, sess.token, body, nil); err != nil {
		return s.changeFailed(c, sess, err)
	}
	return c.Redirect("/", fiber.StatusSeeOther)
}

func (s *Server) changeFailed(c *fiber.Ctx, sess session, err error) error {
	var p *apiProblem
	if !errors.As(err, &p) {
		return err
	}
	if p.Status == http.StatusUnauthorized {
		s.clearSession(c)
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	return s.renderDashboard(c, sess, p.Status, p)
}

// formNumber is a form field as a JSON number, so that the API validates
// it as it validates any client's; text that is no number goes as it is,
// for the API to refuse in its own words. Empty is missing.
func formNumber(v string, missing any) any {
	v = strings.TrimSpace(v)
	if v == "" {
		return missing
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return f
	}
	return v
}

// problemSentence is what the person reads of a refusal: the API's detail,
// which names the fields that were wrong.
func problemSentence(p *apiProblem) string {
	return upperFirst(p.Detail)
}

// The dashboard's view of the API's answers: only what the page shows.
type (
	dashboardView struct {
		CSRF     string
		User     User
		Accounts []accountView
		Jobs     []homeJob
		Funds    fundsView
		Error    string
	}
	accountView struct {
		Account
		Positions []positionView
		Cash      string
		// Totals are the account's value, one line per currency: cash and
		// the priced positions. Unpriced positions are named, not counted.
		Totals   []string
		Unpriced []string
	}
	positionView struct {
		Position
		Price string
		Value string // "" when the position has no price
	}
	fundsView struct {
		Configured  bool
		Unavailable string
		Families    []string
		Family      string
		Schemes     []FundScheme
	}
	homeJob struct {
		ID           string     `json:"id"`
		Status       string     `json:"status"`
		Progress     int        `json:"progress"`
		Stages       []JobStage `json:"stages"`
		ErrorMessage *string    `json:"error_message"`
		CreatedAt    time.Time  `json:"created_at"`
	}
)

// maxSchemesShown keeps a large fund family's page short.
const maxSchemesShown = 50

func (s *Server) renderDashboard(c *fiber.Ctx, sess session, status int, refused *apiProblem) error {
	v, err := s.dashboard(c.UserContext(), sess, c.Query("family"))
	if err != nil {
		return s.changeFailed(c, sess, err)
	}
	if refused != nil {
		v.Error = problemSentence(refused)
	}
	return writeHomePage(c, status, "home.html", v)
}

func (s *Server) dashboard(ctx context.Context, sess session, family string) (dashboardView, error) {
	v := dashboardView{CSRF: sess.csrf}
	var user struct {
		User User `json:"user"`
	}
	if err := s.callAPI(ctx, fiber.MethodGet, "/api/v1/user", sess.token, nil, &user); err != nil {
		return v, err
	}
	v.User = user.User
	var accounts []Account
	if err := s.callAPI(ctx, fiber.MethodGet, "/api/v1/accounts", sess.token, nil, &accounts); err != nil {
		return v, err
	}
	for _, a := range accounts {
		av, err := s.accountView(ctx, sess, a)
		if err != nil {
			return v, err
		}
		v.Accounts = append(v.Accounts, av)
	}
	var jobs struct {
		Jobs []homeJob `json:"jobs"`
	}
	if err := s.callAPI(ctx, fiber.MethodGet, "/api/v1/jobs?limit=5", sess.token, nil, &jobs); err != nil {
		return v, err
	}
	v.Jobs = jobs.Jobs
	v.Funds = s.fundsView(ctx, sess, family)
	return v, nil
}

func (s *Server) accountView(ctx context.Context, sess session, a Account) (accountView, error) {
	var positions struct {
		Positions []Position `json:"positions"`
	}
	path := "/api/v1/accounts/" + url.PathEscape(a.ID) + "/positions"
	if err := s.callAPI(ctx, fiber.MethodGet, path, sess.token, nil, &positions); err != nil {
		return accountView{}, err
	}
	cash := decimal.NewFromFloat(a.CashBalance)
	av := accountView{Account: a, Cash: formatMoney(cash, a.Currency)}
	totals := map[string]decimal.Decimal{a.Currency: cash}
	order := []string{a.Currency}
	for _, p := range positions.Positions {
		pv := positionView{Position: p}
		if p.CurrentPrice == nil {
			av.Unpriced = append(av.Unpriced, p.Symbol)
			av.Positions = append(av.Positions, pv)
			continue
		}
		cur := p.Instrument.Currency
		value := decimal.NewFromFloat(p.Quantity).Mul(decimal.NewFromFloat(*p.CurrentPrice))
		pv.Price, pv.Value = formatMoney(decimal.NewFromFloat(*p.CurrentPrice), cur), formatMoney(value, cur)
		if _, seen := totals[cur]; !seen {
			order = append(order, cur)
		}
		totals[cur] = totals[cur].Add(value)
		av.Positions = append(av.Positions, pv)
	}
	for _, cur := range order {
		av.Totals = append(av.Totals, formatMoney(totals[cur], cur))
	}
	return av, nil
}

// fundsView lists fund families and, for the chosen one, its open-ended
// schemes; without fund data or while the provider fails, it says so.
func (s *Server) fundsView(ctx context.Context, sess session, family string) fundsView {
	v := fundsView{Configured: s.cfg.Funds != nil, Family: family}
	if !v.Configured {
		return v
	}
	var families struct {
		Families []string `json:"families"`
	}
	if err := s.callAPI(ctx, fiber.MethodGet, "/api/v1/funds/families", sess.token, nil, &families); err != nil {
		v.Unavailable = unavailableSentence(err)
		return v
	}
	v.Families = families.Families
	if family == "" {
		return v
	}
	var schemes struct {
		Schemes []FundScheme `json:"schemes"`
	}
	path := "/api/v1/funds/schemes?open_ended=true&family=" + url.QueryEscape(family)
	if err := s.callAPI(ctx, fiber.MethodGet, path, sess.token, nil, &schemes); err != nil {
		v.Unavailable = unavailableSentence(err)
		return v
	}
	v.Schemes = schemes.Schemes[:min(len(schemes.Schemes), maxSchemesShown)]
	return v
}

func unavailableSentence(err error) string {
	var p *apiProblem
	if errors.As(err, &p) {
		return problemSentence(p)
	}
	return "Fund data cannot be read right now."
}

type jobPageView struct {
	Job       homeJob
	Terminal  bool
	EventsURL string
	ReportURL string
}

func (s *Server) jobPage(c *fiber.Ctx) error {
	sess, ok := s.session(c)
	if !ok {
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	id := url.PathEscape(c.Params("id"))
	var job homeJob
	err := s.callAPI(c.UserContext(), fiber.MethodGet, "/api/v1/jobs/"+id, sess.token, nil, &job)
	var p *apiProblem
	if errors.As(err, &p) {
		return writeHomePage(c, p.Status, "error.html", errorView{Title: "No such analysis", Message: problemSentence(p)})
	}
	if err != nil {
		return err
	}
	return writeHomePage(c, fiber.StatusOK, "job.html", jobPageView{
		Job:       job,
		Terminal:  alex.Terminal(string(job.Status)),
		EventsURL: "/api/v1/jobs/" + id + "/events",
		ReportURL: "/api/v1/jobs/" + id + "/report",
	})
}

// formatMoney writes an amount with two decimals, thousands grouped, and
// its currency: "12,345.60 USD".
func formatMoney(d decimal.Decimal, currency string) string {
	return display.Grouped(d.StringFixed(2)) + " " + currency
}
