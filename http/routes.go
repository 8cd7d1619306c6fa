package http

import (
	"context"
	"time"

	"github.com/alex-advisor/alex"
)

func (s *Server) registerRoutes() {
	s.registerHealthRoutes()
	s.registerAuthRoutes()
	s.registerUserRoutes()
	s.registerAccountRoutes()
	s.registerPositionRoutes()
	s.registerInstrumentRoutes()
	s.registerTransactionRoutes()
	s.registerFundRoutes()
	s.registerV1Routes()
	s.registerFXRoutes()
	s.registerJobRoutes()
	s.registerReportRoutes()
	s.registerMonitoring()
	s.registerPages()
	s.addRequestExamples()
}

type statusOutput struct {
	Body struct {
		Status string `json:"status" example:"ok"`
	}
}

func (s *Server) registerHealthRoutes() {
	register(s, opGet("health", "/health", "Liveness: the process serves requests", "health"), s.health)
	register(s, opGet("ready", "/ready", "Readiness: PostgreSQL and Redis answer", "health"), s.ready)
}

type healthOutput struct {
	Body struct {
		Status    string    `json:"status" example:"ok"`
		Timestamp time.Time `json:"timestamp" doc:"The server's time, UTC"`
	}
}

func (s *Server) health(context.Context, *struct{}) (*healthOutput, error) {
	out := &healthOutput{}
	out.Body.Status = "ok"
	out.Body.Timestamp = time.Now().UTC()
	return out, nil
}

func (s *Server) ready(ctx context.Context, _ *struct{}) (*statusOutput, error) {
	if s.draining.Load() {
		return nil, alex.Errorf(alex.EUNAVAILABLE, "Not ready: the server is shutting down.")
	}
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(ctx); err != nil {
			s.log.WarnContext(ctx, "not ready", "err", err)
			return nil, alex.Errorf(alex.EUNAVAILABLE, "Not ready: a dependency does not answer.")
		}
	}
	out := &statusOutput{}
	out.Body.Status = "ready"
	return out, nil
}
