package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"github.com/alex-advisor/alex"
)

// serviceResults are the service's own figures.
type serviceResults struct {
	JobRead loadResult `json:"job_read"`
	// GeneratorCheck compares the bench's own generator with wrk on the
	// completed-job read (when wrk is installed).
	GeneratorCheck *generatorCheck `json:"generator_check,omitempty"`
	// PendingJobRead reads a job no worker took yet: the read of a job in
	// progress, which the API cannot answer from memory.
	PendingJobRead loadResult `json:"pending_job_read"`
	// PendingJobReadPool is how the api's queries waited for a pooled
	// connection during PendingJobRead.
	PendingJobReadPool poolWaits  `json:"pending_job_read_pool"`
	Accounts           loadResult `json:"accounts"`
	// Throughput is a burst of jobs end to end, once per worker count.
	Throughput  []throughput      `json:"throughput"`
	IdleLatency latency           `json:"idle_latency"`
	Memory      map[string]memory `json:"memory"` // by process name
	// LogWarnings counts the warnings the api and workers logged during
	// the run, by message.
	LogWarnings map[string]int `json:"log_warnings"`
	TasksPerJob int            `json:"tasks_per_job"`
	// EmbeddedIdle is cmd/api in embedded mode, doing nothing.
	EmbeddedIdle idleCPU `json:"embedded_idle"`
}

// throughput is how fast a burst of jobs completed end to end, and what
// each cost.
type throughput struct {
	Workers    int     `json:"worker_processes"`
	Jobs       int     `json:"jobs"`
	Failed     int     `json:"failed"`
	Seconds    float64 `json:"seconds"`
	JobsPerSec float64 `json:"jobs_per_s"`
	jobCosts
}

// latency is the submit→completed time of jobs sent one at a time.
type latency struct {
	Workers int     `json:"worker_processes"`
	Jobs    int     `json:"jobs"`
	P50ms   float64 `json:"p50_ms"`
	P99ms   float64 `json:"p99_ms"`
	MaxMs   float64 `json:"max_ms"`
}

// newClient is an HTTP client that keeps conns connections open to one host.
func newClient(conns int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns,
			IdleConnTimeout: time.Minute, DisableCompression: true,
		},
	}
}

// apiClient calls the API as the frontend does.
type apiClient struct {
	base   string
	token  string
	client *http.Client
}

// call sends a JSON request and decodes a JSON answer into out (if not nil);
// an answer other than want is an error.
func (a *apiClient) call(ctx context.Context, method, path string, body any, want int, out any) error {
	var reader io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, reader)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	res, err := a.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if res.StatusCode != want {
		return fmt.Errorf("%s %s: %s: %s", method, path, res.Status, raw)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	return nil
}

// registerUser registers a local user and keeps its token.
func (a *apiClient) registerUser(ctx context.Context, email string) error {
	var out struct {
		Token string `json:"token"`
	}
	err := a.call(ctx, http.MethodPost, "/api/v1/auth/register",
		map[string]string{"email": email, "password": "bench-password-123"}, http.StatusCreated, &out)
	a.token = out.Token
	return err
}

// submit starts a portfolio analysis and returns its job id.
func (a *apiClient) submit(ctx context.Context) (string, error) {
	var out struct {
		JobID string `json:"job_id"`
	}
	err := a.call(ctx, http.MethodPost, "/api/v1/analyze",
		map[string]string{"analysis_type": "portfolio"}, http.StatusAccepted, &out)
	return out.JobID, err
}

// jobStatus reads a job's status.
func (a *apiClient) jobStatus(ctx context.Context, id string) (status, errMsg string, err error) {
	var out struct {
		Status       string `json:"status"`
		ErrorMessage string `json:"error_message"`
	}
	err = a.call(ctx, http.MethodGet, "/api/v1/jobs/"+id, nil, http.StatusOK, &out)
	return out.Status, out.ErrorMessage, err
}

// waitCompleted polls the job every 5 ms until it is terminal; a job that
// did not complete is an error.
func (a *apiClient) waitCompleted(ctx context.Context, id string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		status, msg, err := a.jobStatus(ctx, id)
		switch {
		case err != nil:
			return err
		case status == "completed":
			return nil
		case status == "failed" || status == "cancelled":
			return fmt.Errorf("job %s %s: %s", id, status, msg)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("job %s still %s: %w", id, status, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// prepareUser registers a user with the three sample accounts and submits
// one job, whose id it returns.
func (a *apiClient) prepareUser(ctx context.Context) (string, error) {
	if err := a.setUpUser(ctx); err != nil {
		return "", err
	}
	return a.submit(ctx)
}

// setUpUser registers a user with the three sample accounts.
func (a *apiClient) setUpUser(ctx context.Context) error {
	if err := a.registerUser(ctx, fmt.Sprintf("bench-%d@example.com", time.Now().UnixNano())); err != nil {
		return err
	}
	return a.call(ctx, http.MethodPost, "/api/v1/populate-test-data", nil, http.StatusCreated, nil)
}

// burstUsers is how many people submit the throughput bursts at once.
const burstUsers = 8

// prepareUsers is first and n more users, each registered with the sample
// accounts.
func prepareUsers(ctx context.Context, first *apiClient, apiURL string, n int) ([]*apiClient, error) {
	users := []*apiClient{first}
	for range n {
		u := &apiClient{base: apiURL, client: first.client}
		if err := u.setUpUser(ctx); err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, nil
}

// measureIdleLatency submits n jobs one after the other, each once the last
// completed, and measures submit→completed as a polling client sees it.
func (a *apiClient) measureIdleLatency(ctx context.Context, n int) (latency, error) {
	durations := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		id, err := a.submit(ctx)
		if err != nil {
			return latency{}, err
		}
		if err := a.waitCompleted(ctx, id); err != nil {
			return latency{}, err
		}
		durations = append(durations, time.Since(start))
	}
	slices.Sort(durations)
	return latency{Jobs: n, P50ms: ms(percentile(durations, 50)),
		P99ms: ms(percentile(durations, 99)), MaxMs: ms(percentile(durations, 100))}, nil
}

// measureThroughput submits n jobs at once, from each of users in turn,
// and times until all of them are terminal, reading their status from
// PostgreSQL every 20 ms (so the polling does not load the API).
func measureThroughput(ctx context.Context, users []*apiClient, db *pgx.Conn, n int) (throughput, error) {
	start := time.Now()
	ids, err := submitMany(ctx, users, n)
	if err != nil {
		return throughput{}, err
	}
	for {
		var completed, failed int
		err := db.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'completed'),
			count(*) FILTER (WHERE status IN ('failed', 'cancelled')) FROM jobs WHERE id = ANY($1::uuid[]) -- `+benchPollMarker,
			ids).Scan(&completed, &failed)
		if err != nil {
			return throughput{}, fmt.Errorf("count finished jobs: %w", err)
		}
		if completed+failed == n {
			elapsed := time.Since(start)
			return throughput{Jobs: n, Failed: failed, Seconds: elapsed.Seconds(),
				JobsPerSec: float64(completed) / elapsed.Seconds()}, nil
		}
		if time.Since(start) > 5*time.Minute {
			return throughput{}, fmt.Errorf("throughput: %d of %d jobs finished in 5 minutes", completed+failed, n)
		}
		select {
		case <-ctx.Done():
			return throughput{}, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// submitMany submits n jobs, one sender per user, and returns their ids.
// A burst from one user would measure that user's submits, which take
// turns on their user row (it guards the active-job limit and the
// idempotency keys): the service's throughput is across people.
func submitMany(ctx context.Context, users []*apiClient, n int) ([]string, error) {
	ids := make([]string, n)
	g, ctx := errgroup.WithContext(ctx)
	for s, user := range users {
		g.Go(func() error {
			for i := s; i < n; i += len(users) {
				id, err := user.submit(ctx)
				if err != nil {
					return err
				}
				ids[i] = id
			}
			return nil
		})
	}
	return ids, g.Wait()
}

// workerName is the name of the i-th worker process (from 1).
func workerName(i int) string { return fmt.Sprintf("worker-%d", i) }

// runningService is the api and the workers, started on a fresh database.
type runningService struct {
	apiURL     string
	metricsURL string // the api's, on a port of its own
	dbURL      string
	env        []string            // of every process
	apiEnv     []string            // of the api only
	procs      map[string]*process // by process name
}

// startAPI creates the database, starts the api and waits until it has
// migrated and answers.
func (b *bench) startAPI(ctx context.Context) (runningService, error) {
	const db = "alex_bench"
	step("creating database %s", db)
	if err := recreateDatabase(ctx, b.PostgresURL, db); err != nil {
		return runningService{}, err
	}
	dbURL, err := postgresURL(b.PostgresURL, db)
	if err != nil {
		return runningService{}, err
	}
	port, err := freePort()
	if err != nil {
		return runningService{}, err
	}
	metricsPort, err := freePort()
	if err != nil {
		return runningService{}, err
	}
	env := []string{
		"DATABASE_URL=" + dbURL,
		"REDIS_URL=redis://" + b.redisAddr + "/0",
		"PORT=" + strconv.Itoa(port),
		"LOG_LEVEL=warn",
		"AUTH_MODE=local",
		"MAX_ACTIVE_JOBS_PER_USER=100000",
		"RATE_LIMIT_PER_MINUTE=0", // the bench's users send thousands of requests each
		"WORKER_CONCURRENCY=" + strconv.Itoa(b.WorkerConcurrency),
	}
	if b.TaskCheckInterval != "" {
		env = append(env, "WORKER_TASK_CHECK_INTERVAL="+b.TaskCheckInterval)
	}
	svc := runningService{apiURL: fmt.Sprintf("http://127.0.0.1:%d", port), dbURL: dbURL, env: env, procs: map[string]*process{},
		metricsURL: fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort)}
	// Only the api gets METRICS_ADDR: the workers would all want its port.
	svc.apiEnv = []string{fmt.Sprintf("METRICS_ADDR=127.0.0.1:%d", metricsPort)}
	p, err := b.startProcess(svc, "api")
	if err != nil {
		return runningService{}, err
	}
	return svc, waitHTTP(ctx, p, svc.apiURL+"/ready")
}

// startWorkers starts worker processes until n run.
func (b *bench) startWorkers(svc runningService, n int) error {
	for i := 1; i <= n; i++ {
		if _, ok := svc.procs[workerName(i)]; ok {
			continue
		}
		if _, err := b.startProcess(svc, workerName(i)); err != nil {
			return err
		}
	}
	return nil
}

func (b *bench) startProcess(svc runningService, name string) (*process, error) {
	step("starting %s", name)
	env := slices.Concat(svc.env, b.pprofEnv(name))
	if name == "api" {
		env = append(env, svc.apiEnv...)
	}
	p, err := b.start(name, env, b.binaryOf(name))
	if err == nil {
		svc.procs[name] = p
	}
	return p, err
}

// binaryOf is the program of a service process: api, worker-1, ...
func (b *bench) binaryOf(name string) string {
	if name == "api" {
		return b.bins["./cmd/api"]
	}
	return b.bins["./cmd/worker"]
}

// load runs spec with wrk when the run uses it, else with the bench's
// own generator.
func (b *bench) load(ctx context.Context, spec loadSpec) (loadResult, error) {
	if b.wrk != "" {
		return runWrk(ctx, b.wrk, b.dir, spec)
	}
	return runLoad(ctx, spec)
}

func (b *bench) measureService(ctx context.Context) (svc serviceResults, err error) {
	svc = serviceResults{TasksPerJob: len(alex.Stages), Memory: map[string]memory{}}
	running, err := b.startAPI(ctx)
	if err != nil {
		return svc, err
	}
	if err := enableStatementStats(ctx, running.dbURL); err != nil {
		return svc, err
	}
	db, err := pgx.Connect(ctx, running.dbURL)
	if err != nil {
		return svc, fmt.Errorf("connect %s: %w", running.dbURL, err)
	}
	defer db.Close(context.Background())
	apiURL := running.apiURL
	api := &apiClient{base: apiURL, client: newClient(8)}
	step("registering a user, populating its accounts, submitting a job")
	jobID, err := api.prepareUser(ctx)
	if err != nil {
		return svc, err
	}
	jobURL := apiURL + "/api/v1/jobs/" + jobID
	// No worker runs yet: the job stays pending while its reads are measured.
	step("service: GET /api/v1/jobs/{id} of a pending job, %d connections, %s", b.Conns, b.Duration)
	stopProfile := b.profile(ctx, "api", "api-pending-job-read", b.Duration)
	svc.PendingJobRead, svc.PendingJobReadPool, err = withPoolWaits(ctx, running.metricsURL, func() (loadResult, error) {
		return b.load(ctx, loadSpec{url: jobURL, token: api.token, conns: b.Conns, duration: b.Duration})
	})
	stopProfile()
	if err != nil {
		return svc, err
	}
	if err := b.startWorkers(running, 1); err != nil {
		return svc, err
	}
	if err := api.waitCompleted(ctx, jobID); err != nil {
		return svc, err
	}
	step("service: GET /api/v1/jobs/{id} of a completed job, %d connections, %s", b.Conns, b.Duration)
	stopProfile = b.profile(ctx, "api", "api-job-read", b.Duration)
	read := loadSpec{url: jobURL, token: api.token, conns: b.Conns, duration: b.Duration}
	svc.JobRead, err = b.load(ctx, read)
	stopProfile()
	if err != nil {
		return svc, err
	}
	if b.wrk != "" {
		step("service: the same read by wrk and by the bench's own generator in turn, 3 rounds of 2 s each")
		check, err := checkGenerator(ctx, b.wrk, b.dir, read, 3, 2*time.Second)
		if err != nil {
			return svc, err
		}
		svc.GeneratorCheck = &check
	}
	step("service: GET /api/v1/accounts, %d connections, %s", b.Conns, b.Duration)
	if svc.Accounts, err = b.load(ctx, loadSpec{url: apiURL + "/api/v1/accounts", token: api.token, conns: b.Conns, duration: b.Duration}); err != nil {
		return svc, err
	}
	step("registering %d more users with the sample accounts, to submit the bursts", burstUsers-1)
	users, err := prepareUsers(ctx, api, apiURL, burstUsers-1)
	if err != nil {
		return svc, err
	}
	for _, workers := range b.WorkerCounts {
		t, err := b.measureThroughput(ctx, users, db, running, workers)
		if err != nil {
			return svc, err
		}
		svc.Throughput = append(svc.Throughput, t)
		if workers == b.LatencyWorkers {
			step("service: %d jobs one at a time, %d worker processes", b.LatencyJobs, workers)
			if svc.IdleLatency, err = api.measureIdleLatency(ctx, b.LatencyJobs); err != nil {
				return svc, err
			}
			svc.IdleLatency.Workers = workers
		}
	}
	for name, p := range running.procs {
		if svc.Memory[name], err = p.memory(); err != nil {
			return svc, err
		}
	}
	svc.LogWarnings, err = b.logWarnings(slices.Sorted(maps.Keys(running.procs)))
	return svc, err
}

// measureThroughput runs a burst of jobs on workers worker processes and
// counts what they cost.
func (b *bench) measureThroughput(ctx context.Context, users []*apiClient, db *pgx.Conn, running runningService, workers int) (throughput, error) {
	if err := b.startWorkers(running, workers); err != nil {
		return throughput{}, err
	}
	step("service: %d jobs submitted at once, %d worker processes", b.Jobs, workers)
	if err := resetStatementStats(ctx, db); err != nil {
		return throughput{}, err
	}
	before, err := b.readCounters(ctx, db, running.procs)
	if err != nil {
		return throughput{}, err
	}
	label := fmt.Sprintf("throughput-%dw", workers)
	stopAPIProfile := b.profile(ctx, "api", "api-"+label, 8*time.Second)
	stopWorkerProfile := b.profile(ctx, workerName(1), workerName(1)+"-"+label, 8*time.Second)
	t, err := measureThroughput(ctx, users, db, b.Jobs)
	stopAPIProfile()
	stopWorkerProfile()
	if err != nil {
		return t, err
	}
	after, err := b.readCounters(ctx, db, running.procs)
	if err != nil {
		return t, err
	}
	t.Workers = workers
	t.jobCosts = perJob(before, after, t.Jobs)
	return t, nil
}

// logWarnings sums the warnings of the processes' logs.
func (b *bench) logWarnings(names []string) (map[string]int, error) {
	total := make(map[string]int)
	for _, name := range names {
		counts, err := logWarnings(filepath.Join(b.dir, name+".log"))
		if err != nil {
			return nil, err
		}
		for msg, n := range counts {
			total[msg] += n
		}
	}
	return total, nil
}
