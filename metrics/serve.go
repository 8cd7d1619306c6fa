package metrics

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/alex-advisor/alex/internal/serve"
)

// Serve serves h at /metrics on addr (":9090") until stop is called. It
// returns once listening, so a port already taken fails the start rather
// than leaving the process without metrics unnoticed.
func Serve(addr string, h http.Handler, log *slog.Logger) (stop func(), err error) {
	mux := http.NewServeMux()
	mux.Handle("/metrics", h)
	return serve.Start("metrics", addr, &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 90 * time.Second}, log)
}
