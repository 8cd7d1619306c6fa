package http

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/alex-advisor/alex/auth"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota
	claimsKey
	clientIPKey
	alexAliasKey
)

// requestContext gives the handlers a context with the request id and the
// request's deadline, which every database and Redis call inherits. (An
// event stream outlives it on purpose: its writer runs without it.)
func (s *Server) requestContext(c *fiber.Ctx) error {
	id, _ := c.Locals("request_id").(string)
	ctx := context.WithValue(c.UserContext(), requestIDKey, id)
	ctx, cancel := context.WithTimeout(context.WithValue(ctx, clientIPKey, clientIP(c)), s.cfg.RequestTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	return c.Next()
}

// clientIP is the address of the person's client: the peer's (or, behind
// TRUSTED_PROXIES, the one they forward), and for a page's call through the
// in-memory connection (callAPI) the one of the page's own request, which
// callAPI forwards; nothing outside the process can reach that connection.
func clientIP(c *fiber.Ctx) string {
	if c.Context().RemoteAddr().Network() == "pipe" {
		if ip := c.Get(fiber.HeaderXForwardedFor); ip != "" {
			return ip
		}
	}
	return c.IP()
}

func clientIPOf(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey).(string)
	return ip
}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// claims returns the verified token claims of the request.
func claims(ctx context.Context) auth.Claims {
	c, _ := ctx.Value(claimsKey).(auth.Claims)
	return c
}

func userID(ctx context.Context) string { return claims(ctx).UserID }

// hsts keeps browsers on https for two years once they have seen it.
const hsts = "max-age=63072000; includeSubDomains"

// securityHeaders sets what every answer carries: no MIME sniffing, no
// Referer leaving (share links carry their token in the URL), HSTS when the
// service is reached over https, and no copy of a user's data in any cache.
// Handlers may set their own first.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	if strings.HasPrefix(s.cfg.PublicURL, "https://") {
		c.Set(fiber.HeaderStrictTransportSecurity, hsts)
	}
	err := c.Next()
	if userID(c.UserContext()) != "" && c.GetRespHeader(fiber.HeaderCacheControl) == "" {
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	return err
}

// logRequests writes one JSON log line per request.
func (s *Server) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	path := c.Path()
	err := c.Next()
	if err != nil {
		// Let the error handler set the status before it is logged.
		if herr := c.App().ErrorHandler(c, err); herr != nil {
			s.log.Error("error handler failed", "err", herr, "cause", err, "request_id", requestID(c.UserContext()))
			_ = c.SendStatus(fiber.StatusInternalServerError) // writes to the response buffer: cannot fail
		}
	}
	s.log.Info("request",
		"method", c.Method(), "path", path, "status", c.Response().StatusCode(),
		"duration_ms", float64(time.Since(start).Microseconds())/1000,
		"request_id", requestID(c.UserContext()), "user_id", userID(c.UserContext()))
	return nil
}

// authenticate verifies the bearer token of every /api route but the auth
// routes. Clerk and local tokens go through the same Verifier. The home
// page's session cookie stands in for the header on a job's report and
// events only (cookieAuthenticates).
func (s *Server) authenticate(c *fiber.Ctx) error {
	if s.public(c.Path()) || c.Method() == fiber.MethodOptions {
		return c.Next()
	}
	token, ok := bearerToken(c.Get(fiber.HeaderAuthorization))
	if !ok && cookieAuthenticates(c.Method(), c.Path()) {
		token = c.Cookies(sessionCookie)
		ok = token != ""
	}
	if !ok {
		return writeProblem(c, fiber.StatusUnauthorized, "A bearer token is required in the Authorization header")
	}
	cl, err := s.cfg.Verifier.Verify(c.UserContext(), token)
	if err != nil {
		if !errors.Is(err, auth.ErrInvalidToken) {
			s.log.Warn("token verification failed", "err", err, "request_id", requestID(c.UserContext()))
			return writeProblem(c, fiber.StatusServiceUnavailable, "Tokens cannot be verified right now")
		}
		if errors.Is(err, auth.ErrTokenExpired) {
			// The Mutual Fund Broker's frontend knows this sentence.
			return writeProblem(c, fiber.StatusUnauthorized, "Token has expired.")
		}
		return writeProblem(c, fiber.StatusUnauthorized, "The bearer token is not valid: "+reason(err))
	}
	c.SetUserContext(context.WithValue(c.UserContext(), claimsKey, cl))
	return c.Next()
}

// public tells whether a path is served without a token: the register and
// login routes, and in Clerk mode, where they answer 404, all of /v1/auth.
func (s *Server) public(path string) bool {
	return tokenless(path) || (s.cfg.Issuer == nil && strings.HasPrefix(path, "/v1/auth/"))
}

// tokenless tells whether a route is for people without a token yet.
func tokenless(path string) bool {
	return strings.HasPrefix(path, "/api/v1/auth/") || path == "/v1/auth/register" || path == "/v1/auth/login"
}

func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// reason is the safe part of a verification error.
func reason(err error) string {
	return strings.TrimPrefix(err.Error(), "invalid token: ")
}
