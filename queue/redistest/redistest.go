// Package redistest starts real Redis servers for tests: each test gets its
// own redis-server process on a free port, so tests run in parallel and a
// test can stop and restart its Redis to cut it off.
package redistest

import (
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// Server is a redis-server process owned by a test.
type Server struct {
	tb   testing.TB
	port int
	dir  string
	args []string // beyond the defaults
	cmd  *exec.Cmd
}

// Start runs a redis-server that stops when the test ends. A machine without
// redis-server fails the test: nothing is skipped.
func Start(tb testing.TB) *Server {
	tb.Helper()
	return start(tb)
}

// start runs a redis-server with args added to the defaults.
func start(tb testing.TB, args ...string) *Server {
	tb.Helper()
	s := &Server{tb: tb, port: freePort(tb), dir: tb.TempDir(), args: args}
	s.start()
	tb.Cleanup(s.Stop)
	return s
}

// URL is the server's redis:// address.
func (s *Server) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", s.port) }

// Addr is host:port.
func (s *Server) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.port) }

// Stop kills the server: everything it held is lost, as in a Redis crash
// without persistence.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Restart starts the server again, empty, on the same port.
func (s *Server) Restart() {
	s.tb.Helper()
	s.Stop()
	s.start()
}

func (s *Server) start() {
	s.tb.Helper()
	args := append([]string{"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--maxmemory-policy", "noeviction"}, s.args...)
	s.cmd = exec.Command("redis-server", args...)
	require.NoError(s.tb, s.cmd.Start(), "start redis-server (apt-get install redis-server)")
	waitPing(s.tb, &redis.Options{Addr: s.Addr(), Password: s.password()})
}

// password is the server's requirepass, if it has one.
func (s *Server) password() string {
	for i, a := range s.args {
		if a == "--requirepass" && i+1 < len(s.args) {
			return s.args[i+1]
		}
	}
	return ""
}

func waitPing(tb testing.TB, o *redis.Options) {
	tb.Helper()
	c := redis.NewClient(o)
	defer c.Close()
	require.Eventually(tb, func() bool { return c.Ping(tb.Context()).Err() == nil },
		10*time.Second, 10*time.Millisecond, "redis-server at %s did not answer", o.Addr)
}

func freePort(tb testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
