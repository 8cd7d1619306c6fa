package http

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"github.com/alex-advisor/alex/metrics"
)

const metricsPath = "/metrics"

// unmatchedRoute labels requests no route took, so that scanners probing
// random paths add one series, not one per path.
const unmatchedRoute = "unmatched"

func (s *Server) setUpMetrics() {
	s.metrics = s.cfg.Metrics
	if s.metrics == nil {
		s.metrics = metrics.NewRegistry()
	}
	s.httpMetrics = metrics.NewHTTP(s.metrics)
}

// noRouteLocal marks a request that reached noRoute, so that the metrics
// do not label it with the path of the last middleware it passed.
const noRouteLocal = "alex_no_route"

// registerMetricsRoute serves GET /metrics on the API's port when metrics
// credentials are set: the series are not for everyone on the internet.
func (s *Server) registerMetricsRoute() {
	if s.cfg.MetricsUser != "" {
		s.app.Get(metricsPath, adaptor.HTTPHandler(s.metricsHandler()))
	}
}

// metricsHandler serves the server's registry behind basic auth with the
// configured metrics credentials.
func (s *Server) metricsHandler() http.Handler {
	return metrics.Handler(s.metrics, s.cfg.MetricsUser, s.cfg.MetricsPassword)
}

// countRequests records each request's route template, status and latency.
func (s *Server) countRequests(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	s.httpMetrics.Observe(c.Method(), routeLabel(c), c.Response().StatusCode(), time.Since(start))
	return err
}

// routeLabel is the template of the route that answered (/api/v1/jobs/:id).
// A request answered by a middleware carries the middleware's mount path
// (/api for a rejected token), and one no route matched is "unmatched".
func routeLabel(c *fiber.Ctx) string {
	if c.Locals(noRouteLocal) != nil {
		return unmatchedRoute
	}
	return c.Route().Path
}
