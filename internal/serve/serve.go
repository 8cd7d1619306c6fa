// Package serve runs the small HTTP listeners beside the API (metrics,
// pprof): bound at start, so that a port already taken fails start-up, and
// closed by the function Start returns, so that shutdown leaves none open.
// It may import the standard library only.
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// stopTimeout bounds how long a stop waits for requests in flight (a scrape,
// a profile) before it closes their connections.
const stopTimeout = 5 * time.Second

// Start listens on addr and serves srv there. The returned stop closes the
// listener, lets requests in flight finish for a few seconds, and returns
// once the server is done.
func Start(name, addr string, srv *http.Server, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s listen %s: %w", name, addr, err)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error(name+" server stopped", "addr", addr, "err", err)
		}
	}()
	log.Info(name+" listening", "addr", addr)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			log.Warn(name+" requests cut short at shutdown", "addr", addr, "err", err)
			if err := srv.Close(); err != nil {
				log.Warn(name+" server not closed", "addr", addr, "err", err)
			}
		}
		<-served
	}, nil
}
