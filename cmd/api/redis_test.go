package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex/queue"
	"github.com/alex-advisor/alex/queue/redistest"
	"github.com/alex-advisor/alex/store/storetest"
)

// The built API and worker with REDIS_URL naming a 3-node Redis Cluster,
// then a Sentinel: a user signs in (the sign-in limits count in that
// Redis), submits an analysis, a worker process completes it and the event
// stream reports each change (a pattern subscriber on the cluster hears the
// worker's publishes); Asynqmon reads the queues. A REDIS_URL that cannot
// work stops the API at start with a sentence, password withheld.
func TestRedisURLForms(t *testing.T) {
	apiBin, workerBin := buildCommand(t, "api"), buildCommand(t, "worker")
	t.Run("not valid", func(t *testing.T) {
		cmd := exec.Command(apiBin)
		cmd.Dir = t.TempDir()
		cmd.Env = append(envWithout("DATABASE_URL", "REDIS_URL", "ALEX_ENV"),
			"REDIS_URL=redis-cluster://:hunter2-secret@n1:7000,,n2:7001")
		out, err := cmd.CombinedOutput()
		require.Error(t, err, "the API started: %s", out)
		require.Contains(t, string(out), "REDIS_URL is not valid: it lists an empty address")
		require.NotContains(t, string(out), "hunter2-secret")
	})
	t.Run("cluster", func(t *testing.T) {
		c := redistest.StartCluster(t)
		runAnalysisThrough(t, apiBin, workerBin, c.URL())
	})
	t.Run("sentinel", func(t *testing.T) {
		s := redistest.StartSentinel(t)
		runAnalysisThrough(t, apiBin, workerBin, s.URL())
	})
}

func runAnalysisThrough(t *testing.T, apiBin, workerBin, redisURL string) {
	_, schema := storetest.MustOpenSchema(t)
	const monitoringUser, monitoringPassword = "ops", "a-long-monitoring-password"
	env := []string{"DATABASE_URL=" + storetest.URL() + "&search_path=" + schema, "REDIS_URL=" + redisURL,
		"AUTO_MIGRATE=false", "MONITORING_USER=" + monitoringUser, "MONITORING_PASSWORD=" + monitoringPassword}
	api := startBuiltAPI(t, apiBin, t.TempDir(), env...)
	startWorker(t, workerBin, env...)

	opts, err := queue.ParseRedisURL(redisURL)
	require.NoError(t, err)
	rdb := opts.NewClient()
	t.Cleanup(func() { rdb.Close() })
	published := rdb.PSubscribe(t.Context(), "alex:job:*")
	t.Cleanup(func() { published.Close() })
	_, err = published.Receive(t.Context())
	require.NoError(t, err)

	var registered struct{ Token string }
	call(t, "POST", api.base+"/api/v1/auth/register", "", `{"email":"me@example.com","password":"choose-a-password"}`, http.StatusCreated, &registered)
	tok := registered.Token
	require.NotEmpty(t, keys(t, rdb, "*alex:ratelimit:signin:*"), "the sign-in limits count in this Redis")
	call(t, "POST", api.base+"/api/v1/populate-test-data", tok, "", http.StatusCreated, nil)
	var submitted struct {
		JobID string `json:"job_id"`
	}
	call(t, "POST", api.base+"/api/v1/analyze", tok, `{"analysis_type":"portfolio"}`, http.StatusAccepted, &submitted)

	events := streamEvents(t, api.base+"/api/v1/jobs/"+submitted.JobID+"/events", tok)
	require.NotEmpty(t, events)
	require.Contains(t, events[len(events)-1], `"status":"completed"`, "the worker on this Redis completed the job")
	select {
	case msg := <-published.Channel():
		require.Equal(t, "alex:job:"+submitted.JobID, msg.Channel)
	case <-time.After(10 * time.Second):
		t.Fatal("no job change was published")
	}

	queues := monitoringGet(t, api.base+"/monitoring/api/queues", monitoringUser, monitoringPassword)
	require.Contains(t, queues, `"queue":"default"`, "Asynqmon lists the queue of the stages")
	info := monitoringGet(t, api.base+"/monitoring/api/redis_info", monitoringUser, monitoringPassword)
	_, isCluster := rdb.(*redis.ClusterClient)
	require.Contains(t, info, fmt.Sprintf(`"cluster":%t`, isCluster), "Asynqmon's Redis page")
}

// keys are the keys matching pattern on every master of rdb.
func keys(t *testing.T, rdb redis.UniversalClient, pattern string) []string {
	t.Helper()
	var (
		mu    sync.Mutex // ForEachMaster scans the masters at once
		found []string
	)
	scan := func(ctx context.Context, c *redis.Client) error {
		ks, err := c.Keys(ctx, pattern).Result()
		mu.Lock()
		defer mu.Unlock()
		found = append(found, ks...)
		return err
	}
	var err error
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(t.Context(), func(ctx context.Context, c *redis.Client) error { return scan(ctx, c) })
	} else {
		err = scan(t.Context(), rdb.(*redis.Client))
	}
	require.NoError(t, err)
	return found
}

func monitoringGet(t *testing.T, url, user, password string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	req.SetBasicAuth(user, password)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s: %s", url, body)
	return string(body)
}

// startWorker runs the built cmd/worker with env until the test ends; its
// output is shown if the test fails.
func startWorker(t *testing.T, bin string, env ...string) {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(envWithout("DATABASE_URL", "REDIS_URL", "ALEX_ENV", "AUTH_MODE", "CLERK_"),
		append(env, "LOG_LEVEL=warn")...)
	out, err := os.Create(filepath.Join(t.TempDir(), "worker.log"))
	require.NoError(t, err)
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			log, _ := os.ReadFile(out.Name())
			t.Logf("worker output:\n%s", log)
		}
	})
}
