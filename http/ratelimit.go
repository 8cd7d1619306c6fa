package http

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// limitMutations holds each user to RateLimitPerMinute mutating requests
// (POST, PUT, PATCH, DELETE) under /api, auth routes excepted, and POST
// /v1/buy, counted in Redis so the limit holds across API replicas. When
// Redis does not answer the request goes through: an outage of the queue
// must not take CRUD down.
func (s *Server) limitMutations(c *fiber.Ctx) error {
	if s.rateLimiter == nil || !mutating(c.Method()) || strings.HasPrefix(c.Path(), "/api/v1/auth/") {
		return c.Next()
	}
	uid := userID(c.UserContext())
	if uid == "" {
		return c.Next() // not authenticated: authenticate has answered already
	}
	allowed, retryAfter, err := s.rateLimiter.Allow(c.UserContext(), uid)
	if err != nil {
		s.log.Warn("rate limit not checked; request let through", "err", err,
			"request_id", requestID(c.UserContext()), "user_id", uid)
		return c.Next()
	}
	if allowed {
		return c.Next()
	}
	err = writeProblem(c, fiber.StatusTooManyRequests, "Too many changes in a short time; try again in a moment.")
	c.Set(fiber.HeaderRetryAfter, retryAfterHeader(retryAfter))
	return err
}

func mutating(method string) bool {
	switch method {
	case fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch, fiber.MethodDelete:
		return true
	}
	return false
}

// retryAfterHeader is d in whole seconds, rounded up and at least 1: a
// client that waits that long is let through.
func retryAfterHeader(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}

func (s *Server) setUpRateLimit() {
	if s.cfg.Queue != nil && s.cfg.RateLimitPerMinute > 0 {
		s.rateLimiter = s.cfg.Queue.NewRateLimiter(s.cfg.RateLimitPerMinute, time.Minute)
	}
}
