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

// registerMonitoring mounts Asynqmon for admins: users in ADMIN_USER_IDS
// (bearer token) or MONITORING_USER/MONITORING_PASSWORD (basic auth).
// Without either, or without a queue, it stays off.
func (s *Server) registerMonitoring() {
	if s.cfg.Queue == nil || (len(s.cfg.AdminUserIDs) == 0 && s.cfg.MonitoringUser == "") {
		return
	}
	mon := asynqmon.New(asynqmon.Options{RootPath: monitoringPath, RedisConnOpt: s.cfg.Queue.ConnOpt()})
	handler := adaptor.HTTPHandler(mon)
	s.app.Use(monitoringPath, s.requireAdmin, handler)
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
