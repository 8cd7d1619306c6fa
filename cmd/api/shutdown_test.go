package main

import (
	"fmt"
	"io"
	"net/http"
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
