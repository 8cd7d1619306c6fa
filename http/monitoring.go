package http

import (
	"crypto/subtle"
	"encoding/base64"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/hibiken/asynqmon"
)

const monitoringPath = "/monitoring"

// MinMonitoringPasswordLen is the shortest MONITORING_PASSWORD that turns
// basic auth on: /monitoring can delete and retry every task.
const MinMonitoringPasswordLen = 16

// registerMonitoring mounts Asynqmon for admins: users in ADMIN_USER_IDS
// (bearer token) or MONITORING_USER/MONITORING_PASSWORD (basic auth).
// Without either, or without a queue, it stays off.
func (s *Server) registerMonitoring() {
	if s.cfg.MonitoringUser != "" && len(s.cfg.MonitoringPassword) < MinMonitoringPasswordLen {
		s.log.Warn("monitoring basic auth is off: MONITORING_PASSWORD must have at least 16 characters")
		s.cfg.MonitoringUser = ""
	}
	if s.cfg.Queue == nil || (len(s.cfg.AdminUserIDs) == 0 && s.cfg.MonitoringUser == "") {
		return
	}
	s.monitor = asynqmon.New(asynqmon.Options{RootPath: monitoringPath, RedisConnOpt: s.cfg.Queue.ConnOpt()})
	handler := adaptor.HTTPHandler(s.monitor)
	s.app.Use(monitoringPath, s.guardMonitoring, s.requireAdmin, handler)
}

// guardMonitoring keeps the dashboard out of other sites' frames and
// refuses changes a page of another origin sends with the admin's
// credentials (basic auth is sent by the browser on its own).
func (s *Server) guardMonitoring(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentSecurityPolicy, "frame-ancestors 'none'")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	if !mutating(c.Method()) {
		return c.Next()
	}
	origin := c.Get(fiber.HeaderOrigin)
	if origin != "" && origin != c.BaseURL() {
		return writeProblem(c, fiber.StatusForbidden, "Monitoring changes are accepted only from its own pages.")
	}
	return c.Next()
}

func (s *Server) requireAdmin(c *fiber.Ctx) error {
	scheme, credentials, _ := strings.Cut(c.Get(fiber.HeaderAuthorization), " ")
	switch {
	case strings.EqualFold(scheme, "Basic") && s.basicAuthOK(credentials):
		return c.Next()
	case strings.EqualFold(scheme, "Bearer") && len(s.cfg.AdminUserIDs) > 0:
		cl, err := s.cfg.Verifier.Verify(c.UserContext(), strings.TrimSpace(credentials))
		if err != nil {
			return writeProblem(c, fiber.StatusUnauthorized, "The bearer token is not valid")
		}
		if !slices.Contains(s.cfg.AdminUserIDs, cl.UserID) {
			return writeProblem(c, fiber.StatusForbidden, "Monitoring is for admins only")
		}
		return c.Next()
	}
	c.Set(fiber.HeaderWWWAuthenticate, `Basic realm="monitoring"`)
	return writeProblem(c, fiber.StatusUnauthorized, "Monitoring needs admin credentials")
}

func (s *Server) basicAuthOK(credentials string) bool {
	if s.cfg.MonitoringUser == "" {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(credentials))
	if err != nil {
		return false
	}
	user, pass, _ := strings.Cut(string(raw), ":")
	userOK := subtle.ConstantTimeCompare([]byte(user), []byte(s.cfg.MonitoringUser))
	passOK := subtle.ConstantTimeCompare([]byte(pass), []byte(s.cfg.MonitoringPassword))
	return userOK&passOK == 1
}
