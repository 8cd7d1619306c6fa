package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The one command of the README: the built binary with no DATABASE_URL and
// no REDIS_URL runs everything in one process. A user registers, populates
// the test data, submits an analysis and sees it completed.
func TestEmbeddedModeRunsAnAnalysis(t *testing.T) {
	dir := t.TempDir()
	api := startAPI(t, dir)
	base := api.base
	welcome, err := os.ReadFile(api.stderrPath) // written before the API listens
	require.NoError(t, err)
	require.Contains(t, string(welcome), fmt.Sprintf("http://localhost:%d/docs", api.port), "prints the docs URL")
	require.Contains(t, string(welcome), "/api/v1/auth/register", "prints how to get a token")
	require.FileExists(t, filepath.Join(dir, ".alex", "alex.db"))

	var registered struct{ Token string }
	call(t, "POST", base+"/api/v1/auth/register", "", `{"email":"me@example.com","password":"choose-a-password"}`, http.StatusCreated, &registered)
	tok := registered.Token
	call(t, "POST", base+"/api/v1/populate-test-data", tok, "", http.StatusCreated, nil)
	var submitted struct {
		JobID string `json:"job_id"`
	}
	call(t, "POST", base+"/api/v1/analyze", tok, `{"analysis_type":"portfolio"}`, http.StatusAccepted, &submitted)

	// The event stream ends after the terminal event.
	events := streamEvents(t, base+"/api/v1/jobs/"+submitted.JobID+"/events", tok)
	require.NotEmpty(t, events)
	require.Contains(t, events[len(events)-1], `"status":"completed"`)

	var job map[string]any
	call(t, "GET", base+"/api/v1/jobs/"+submitted.JobID, tok, "", http.StatusOK, &job)
	require.Equal(t, "completed", job["status"])
	for _, payload := range []string{"charts_payload", "report_payload", "retirement_payload", "summary_payload"} {
		require.NotNil(t, job[payload], payload)
	}

	require.NoError(t, api.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, <-api.exited, "a SIGTERM is a clean stop")
}

// The embedded defaults are for laptops: production refuses them.
func TestEmbeddedModeRefusedInProduction(t *testing.T) {
	cmd := exec.Command(buildCommand(t, "api"))
	cmd.Dir = t.TempDir()
	cmd.Env = append(envWithout("DATABASE_URL", "REDIS_URL", "ALEX_ENV"), "ALEX_ENV=production", "LOCAL_JWT_KEY=x")
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), "requires DATABASE_URL and REDIS_URL")
	require.NoFileExists(t, filepath.Join(cmd.Dir, ".alex", "alex.db"))
}

// apiProcess is a built cmd/api running for a test.
type apiProcess struct {
	cmd        *exec.Cmd
	port       int
	base       string // http://127.0.0.1:port
	exited     chan error
	stderrPath string
}

// startAPI runs the built cmd/api in dir with no database, Redis or auth
// settings of the environment, plus env, and waits until it is ready. Its
// output is shown if the test fails.
func startAPI(t *testing.T, dir string, env ...string) *apiProcess {
	t.Helper()
	return startBuiltAPI(t, buildCommand(t, "api"), dir, env...)
}

// startBuiltAPI is startAPI with the binary bin, built once for many runs.
func startBuiltAPI(t *testing.T, bin, dir string, env ...string) *apiProcess {
	t.Helper()
	p := &apiProcess{cmd: exec.Command(bin), port: freePort(t), exited: make(chan error, 1)}
	p.base = fmt.Sprintf("http://127.0.0.1:%d", p.port)
	p.cmd.Dir = dir
	p.cmd.Env = append(envWithout("DATABASE_URL", "REDIS_URL", "ALEX_ENV", "AUTH_MODE", "CLERK_"),
		append(env, fmt.Sprintf("PORT=%d", p.port), "LOG_LEVEL=warn")...)
	logPath := filepath.Join(t.TempDir(), "api.log")
	p.stderrPath = filepath.Join(t.TempDir(), "stderr.txt")
	logFile, err := os.Create(logPath)
	require.NoError(t, err)
	stderrFile, err := os.Create(p.stderrPath)
	require.NoError(t, err)
	p.cmd.Stdout, p.cmd.Stderr = logFile, stderrFile
	require.NoError(t, p.cmd.Start())
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		if t.Failed() {
			stderr, _ := os.ReadFile(p.stderrPath)
			out, _ := os.ReadFile(logPath)
			t.Logf("api stderr:\n%s\napi log:\n%s", stderr, out)
		}
	})
	waitHealthy(t, p.base, p.exited)
	return p
}

// buildCommand builds ./cmd/<name> into the test's temporary directory.
func buildCommand(t *testing.T, name string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), name)
	out, err := exec.Command("go", "build", "-o", bin, "../"+name).CombinedOutput()
	require.NoError(t, err, "go build ./cmd/%s: %s", name, out)
	return bin
}

func envWithout(prefixes ...string) []string {
	var env []string
next:
	for _, kv := range os.Environ() {
		for _, p := range prefixes {
			if strings.HasPrefix(kv, p) {
				continue next
			}
		}
		env = append(env, kv)
	}
	return env
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func waitHealthy(t *testing.T, base string, exited <-chan error) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			t.Fatalf("api exited before it was healthy: %v", err)
		default:
		}
		res, err := http.Get(base + "/ready")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("api did not become ready within 60s")
}

func call(t *testing.T, method, url, token, body string, want int, out any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, want, res.StatusCode, "%s %s: %s", method, url, raw)
	if out != nil {
		require.NoError(t, json.Unmarshal(raw, out))
	}
}

// streamEvents reads the server-sent events of url until the server closes
// the stream, and returns their data lines.
func streamEvents(t *testing.T, url, token string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	var data []string
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			data = append(data, d)
		}
	}
	require.NoError(t, sc.Err())
	return data
}
