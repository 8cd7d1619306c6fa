package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex/queue/redistest"
	"github.com/alex-advisor/alex/store/storetest"
)

// SIGTERM under load: the API fails /ready while it still serves; clients
// that, like a load balancer, stop sending once /ready fails see every
// request they sent answered, none dropped and none a 5xx, and the process
// exits cleanly.
func TestSIGTERMUnderLoadDropsNoRequest(t *testing.T) {
	_, schema := storetest.MustOpenSchema(t)
	redis := redistest.Start(t)
	api := startAPI(t, t.TempDir(), "DATABASE_URL="+storetest.URL()+"&search_path="+schema,
		"REDIS_URL="+redis.URL(), "AUTO_MIGRATE=false", "SHUTDOWN_DRAIN=2s")
	base := api.base
	var registered struct{ Token string }
	call(t, "POST", base+"/api/v1/auth/register", "", `{"email":"me@example.com","password":"choose-a-password"}`, http.StatusCreated, &registered)

	var inRotation atomic.Bool // what a load balancer would believe
	inRotation.Store(true)
	var sent, answered atomic.Int64
	failures := make(chan string, 100)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	var load sync.WaitGroup
	for range 16 {
		load.Go(func() {
			for inRotation.Load() {
				sent.Add(1)
				if problem := getAccounts(client, base, registered.Token); problem != "" {
					failures <- problem
					return
				}
				answered.Add(1)
			}
		})
	}
	require.Eventually(t, func() bool { return answered.Load() >= 200 }, time.Minute, time.Millisecond,
		"under load before the signal")
	require.NoError(t, api.cmd.Process.Signal(syscall.SIGTERM))
	for {
		res, err := client.Get(base + "/ready")
		require.NoError(t, err, "the API stopped serving before it failed /ready")
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode == http.StatusServiceUnavailable {
			break
		}
	}
	inRotation.Store(false)
	load.Wait()
	close(failures)
	for f := range failures {
		t.Error(f)
	}
	require.Equal(t, sent.Load(), answered.Load())
	require.NoError(t, <-api.exited, "a SIGTERM is a clean stop")
	t.Logf("%d requests answered under load across the SIGTERM", answered.Load())
}

func getAccounts(client *http.Client, base, token string) string {
	req, err := http.NewRequest("GET", base+"/api/v1/accounts", nil)
	if err != nil {
		return err.Error()
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := client.Do(req)
	if err != nil {
		return "request dropped: " + err.Error()
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		return "answer cut: " + err.Error()
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Sprintf("answered %d", res.StatusCode)
	}
	return ""
}

// Shutdown closes every listener the process opened, not only the API's:
// the metrics port and pprof too (Asynqmon, on the API's port, is on here
// and closes its Redis connections with the server).
func TestShutdownClosesEveryListener(t *testing.T) {
	_, schema := storetest.MustOpenSchema(t)
	redis := redistest.Start(t)
	port := freePort(t)
	listeners := map[string]string{
		"api":     fmt.Sprintf("127.0.0.1:%d", port),
		"metrics": fmt.Sprintf("127.0.0.1:%d", freePort(t)),
		"pprof":   fmt.Sprintf("127.0.0.1:%d", freePort(t)),
	}
	for _, name := range []string{"ALEX_ENV", "AUTH_MODE", "CLERK_SECRET_KEY", "CLERK_JWT_KEY", "CLERK_JWKS_URL"} {
		t.Setenv(name, "") // restored after the test
		require.NoError(t, os.Unsetenv(name))
	}
	for name, value := range map[string]string{
		"DATABASE_URL": storetest.URL() + "&search_path=" + schema, "REDIS_URL": redis.URL(), "AUTO_MIGRATE": "false",
		"PORT": fmt.Sprint(port), "METRICS_ADDR": listeners["metrics"], "PPROF_ADDR": listeners["pprof"],
		"MONITORING_USER": "ops", "MONITORING_PASSWORD": "a-long-enough-password", "LOG_LEVEL": "error",
	} {
		t.Setenv(name, value)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	exited := make(chan error, 1)
	go func() { exited <- run(ctx, nil) }()
	waitHealthy(t, "http://"+listeners["api"], exited)
	for name, addr := range listeners {
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err, "%s is not listening", name)
		conn.Close()
	}

	cancel()
	require.NoError(t, <-exited)
	for name, addr := range listeners {
		if conn, err := net.Dial("tcp", addr); err == nil {
			conn.Close()
			t.Errorf("%s still listens on %s after shutdown", name, addr)
		}
	}
}
