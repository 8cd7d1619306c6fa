package http

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"

	"github.com/alex-advisor/alex/queue"
)

// Sign-in attempts (login and register, on /api/v1 and /v1) allowed per
// client IP and per email. The email limit stops password guessing against
// one account from many addresses; the IP limit, one address trying many
// accounts.
const (
	attemptsPerIP       = 30
	attemptsPerIPPeriod = time.Minute
	attemptsPerEmail    = 10
	attemptsPerEmailFor = 15 * time.Minute
	// localAttemptKeys bounds the in-process fallback's memory.
	localAttemptKeys = 10_000
)

// attemptLimit is one sign-in limit, n attempts per period and key,
// counted in Redis so that it holds across replicas, and in process when
// there is no Redis or it does not answer: a login flood is refused either
// way.
type attemptLimit struct {
	n      int
	period time.Duration
	shared *queue.RateLimiter // nil without a Queue
	local  *lru.Cache[string, *rate.Limiter]
}

func newAttemptLimit(q *queue.Queue, n int, period time.Duration) *attemptLimit {
	local, _ := lru.New[string, *rate.Limiter](localAttemptKeys) // the size is positive: no error
	l := &attemptLimit{n: n, period: period, local: local}
	if q != nil {
		l.shared = q.NewRateLimiter(n, period)
	}
	return l
}

// allow takes one attempt of key's allowance; when it is spent, retryAfter
// says when the next is let through.
func (l *attemptLimit) allow(ctx context.Context, key string) (ok bool, retryAfter time.Duration) {
	if l.shared != nil {
		ok, retryAfter, err := l.shared.Allow(ctx, "signin:"+key)
		if err == nil {
			return ok, retryAfter
		}
	}
	lim, found := l.local.Get(key)
	if !found {
		// Of two first attempts at once, both count on the limiter added first.
		fresh := rate.NewLimiter(rate.Every(l.period/time.Duration(l.n)), l.n)
		if lim, found, _ = l.local.PeekOrAdd(key, fresh); !found {
			lim = fresh
		}
	}
	r := lim.Reserve()
	if d := r.Delay(); d > 0 {
		r.Cancel()
		return false, d
	}
	return true, 0
}

// signInAttempt is a login or register request.
func signInAttempt(c *fiber.Ctx) bool {
	p := c.Path()
	return c.Method() == fiber.MethodPost &&
		(strings.HasSuffix(p, "/auth/login") || strings.HasSuffix(p, "/auth/register"))
}

// limitSignIns answers 429 with Retry-After to a client IP or an email past
// its sign-in allowance, before any password is hashed.
func (s *Server) limitSignIns(c *fiber.Ctx) error {
	if !signInAttempt(c) {
		return c.Next()
	}
	ok, retryAfter := s.signInsPerIP.allow(c.UserContext(), "ip:"+clientIP(c))
	if ok {
		if email := attemptEmail(c.Body()); email != "" {
			ok, retryAfter = s.signInsPerEmail.allow(c.UserContext(), "email:"+email)
		}
	}
	if ok {
		return c.Next()
	}
	err := writeProblem(c, fiber.StatusTooManyRequests, fmt.Sprintf(
		"Too many sign-in attempts; try again in %s.", retryAfter.Round(time.Second)))
	c.Set(fiber.HeaderRetryAfter, retryAfterHeader(retryAfter))
	return err
}

// attemptEmail is the normalized email of a sign-in body; "" when there is
// none (the handler then answers the malformed body).
func attemptEmail(body []byte) string {
	var b struct {
		Email string `json:"email"`
	}
	if json.Unmarshal(body, &b) != nil {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(b.Email))
}
