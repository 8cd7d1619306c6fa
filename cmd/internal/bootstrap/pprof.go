package bootstrap

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/alex-advisor/alex/config"
)

// ServePprof serves net/http/pprof on PPROF_ADDR (a loopback address, see
// config) when it is set; it is off by default.
func ServePprof(cfg config.Config, log *slog.Logger) {
	if cfg.PprofAddr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: cfg.PprofAddr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	log.Info("pprof listening", "addr", cfg.PprofAddr)
	go func() {
		if err := srv.ListenAndServe(); err != nil {
			log.Error("pprof stopped", "addr", cfg.PprofAddr, "err", err)
		}
	}()
}
