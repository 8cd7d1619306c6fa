package bootstrap

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/alex-advisor/alex/config"
	"github.com/alex-advisor/alex/internal/serve"
)

// ServePprof serves net/http/pprof on PPROF_ADDR (a loopback address, see
// config) when it is set; it is off by default. stop closes the listener.
func ServePprof(cfg config.Config, log *slog.Logger) (stop func(), err error) {
	if cfg.PprofAddr == "" {
		return func() {}, nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// No write timeout: a CPU profile takes as long as it is asked to.
	return serve.Start("pprof", cfg.PprofAddr, &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, log)
}
