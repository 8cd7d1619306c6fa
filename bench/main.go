// Command bench measures the service on this machine next to references
// of the same machine, in one run:
//
//	go run ./bench
//
// It builds cmd/api and cmd/worker, starts them against a fresh PostgreSQL
// database (alex_bench) and a private redis-server, measures pgbench -S,
// redis-benchmark, a bare Fiber server and raw asynq as references, then
// the service's job reads, account reads, end-to-end job throughput, idle
// job latency and memory; it prints a table and writes bench/results.json
// and bench/results.md. Every process it starts is stopped when it ends,
// fails or is interrupted.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/alex-advisor/alex/store"
)

// settings are the knobs of a run (flags).
type settings struct {
	PostgresURL       string        `json:"-"`
	Conns             int           `json:"conns"`
	Duration          time.Duration `json:"duration"`
	Jobs              int           `json:"jobs"`
	LatencyJobs       int           `json:"latency_jobs"`
	PgbenchClients    int           `json:"pgbench_clients"`
	PgbenchDuration   time.Duration `json:"pgbench_duration"`
	AsynqTasks        int           `json:"asynq_tasks"`
	WorkerConcurrency int           `json:"worker_concurrency"`
	OutDir            string        `json:"-"`
	Profile           bool          `json:"profile"`
}

const workerProcesses = 2

func main() {
	var s settings
	helloAddr := flag.String("hello-addr", "", "serve the bare Fiber reference on this address (the bench starts itself so)")
	flag.StringVar(&s.PostgresURL, "postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL admin URL (database postgres)")
	flag.IntVar(&s.Conns, "conns", 64, "HTTP connections of the loads")
	flag.DurationVar(&s.Duration, "duration", 10*time.Second, "duration of each HTTP load")
	flag.IntVar(&s.Jobs, "jobs", 200, "jobs submitted at once for throughput")
	flag.IntVar(&s.LatencyJobs, "latency-jobs", 50, "jobs submitted one at a time for idle latency")
	flag.IntVar(&s.PgbenchClients, "pgbench-clients", 8, "pgbench clients")
	flag.DurationVar(&s.PgbenchDuration, "pgbench-duration", 12*time.Second, "pgbench duration")
	flag.IntVar(&s.AsynqTasks, "asynq-tasks", 10000, "no-op tasks of the asynq reference")
	flag.IntVar(&s.WorkerConcurrency, "worker-concurrency", 10, "WORKER_CONCURRENCY of each worker process (and of the asynq reference servers)")
	flag.StringVar(&s.OutDir, "out", "bench", "directory of results.json and results.md")
	flag.BoolVar(&s.Profile, "profile", false, "take CPU profiles of the api (job reads) and a worker (throughput) with PPROF_ADDR")
	flag.Parse()

	if *helloAddr != "" {
		if err := serveHello(*helloAddr); err != nil {
			fmt.Fprintln(os.Stderr, "bench hello:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, s); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// bench is one run: its directory, binaries and the processes to stop.
type bench struct {
	settings
	dir       string
	bins      map[string]string
	redisAddr string
	running   []*process
	pprofPort map[string]int // by process name, with -profile
}

func run(ctx context.Context, s settings) (err error) {
	dir, err := os.MkdirTemp("", "alex-bench-")
	if err != nil {
		return fmt.Errorf("work directory: %w", err)
	}
	b := &bench{settings: s, dir: dir, pprofPort: map[string]int{}}
	defer func() {
		b.stopAll()
		b.removeBinaries()
		fmt.Fprintf(os.Stderr, "bench: logs of the processes are in %s\n", dir)
	}()
	r := &results{StartedAt: time.Now(), Settings: s, Machine: machine{
		CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), LoadAverageStart: loadAverage(),
		Note: "Other work on the machine (test suites of other engineers) runs at the same time: figures are noisy; compare ratios, not absolutes.",
	}}
	if err := b.prepare(ctx); err != nil {
		return err
	}
	if r.References, err = b.measureReferences(ctx); err != nil {
		return err
	}
	if r.Service, err = b.measureService(ctx); err != nil {
		return err
	}
	r.Machine.LoadAverageEnd = loadAverage()
	r.Figures = append(r.figures(), r.memoryFigures(processNames())...)
	return write(s.OutDir, r, os.Stdout)
}

// step prints what the bench does next.
func step(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// prepare builds the binaries and starts the private Redis.
func (b *bench) prepare(ctx context.Context) error {
	step("building cmd/api and cmd/worker into %s", b.dir)
	bins, err := buildBinaries(ctx, b.dir, "./cmd/api", "./cmd/worker")
	if err != nil {
		return err
	}
	b.bins = bins
	step("starting a private redis-server")
	p, addr, err := startRedis(ctx, b.dir)
	if err != nil {
		return err
	}
	b.running = append(b.running, p)
	b.redisAddr = addr
	return nil
}

// start runs a process that stopAll stops.
func (b *bench) start(name string, env []string, bin string, args ...string) (*process, error) {
	p, err := startProcess(b.dir, name, env, bin, args...)
	if err != nil {
		return nil, err
	}
	b.running = append(b.running, p)
	return p, nil
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

// removeBinaries deletes the built programs (tens of MB), not the logs.
func (b *bench) removeBinaries() {
	for _, bin := range b.bins {
		os.Remove(bin)
	}
}

// stopAll stops the processes, the last started first.
func (b *bench) stopAll() {
	for i := len(b.running) - 1; i >= 0; i-- {
		b.running[i].stop()
	}
	b.running = nil
}

func (b *bench) measureReferences(ctx context.Context) (references, error) {
	var ref references
	var err error
	step("reference: pgbench -S -M prepared, %d clients, %s", b.PgbenchClients, b.PgbenchDuration)
	if ref.PgbenchSelectTPS, err = pgbenchSelect(ctx, b.PostgresURL, b.PgbenchClients, b.PgbenchDuration); err != nil {
		return ref, err
	}
	step("reference: redis-benchmark GET/SET")
	if ref.RedisGetOps, ref.RedisSetOps, err = redisBenchmark(ctx, b.redisAddr, 100_000); err != nil {
		return ref, err
	}
	step("reference: bare Fiber hello, %d connections, %s", b.Conns, b.Duration)
	if ref.FiberHello, err = b.measureHello(ctx); err != nil {
		return ref, err
	}
	step("reference: %d asynq no-op tasks on %d servers × %d", b.AsynqTasks, workerProcesses, b.WorkerConcurrency)
	ref.AsynqNoopTasksPerS, err = asynqNoop(ctx, b.redisAddr, b.AsynqTasks, workerProcesses, b.WorkerConcurrency)
	return ref, err
}

// measureHello starts this program as the Fiber hello server and loads it.
func (b *bench) measureHello(ctx context.Context) (loadResult, error) {
	self, err := os.Executable()
	if err != nil {
		return loadResult{}, fmt.Errorf("hello server: %w", err)
	}
	port, err := freePort()
	if err != nil {
		return loadResult{}, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	p, err := b.start("fiber-hello", nil, self, "-hello-addr", addr)
	if err != nil {
		return loadResult{}, err
	}
	defer p.stop()
	if err := waitHTTP(ctx, p, "http://"+addr+"/"); err != nil {
		return loadResult{}, err
	}
	return runLoad(ctx, loadSpec{url: "http://" + addr + "/", conns: b.Conns, duration: b.Duration})
}

// processNames are the service's processes, for their memory.
func processNames() []string {
	names := []string{"api"}
	for i := range workerProcesses {
		names = append(names, fmt.Sprintf("worker-%d", i+1))
	}
	return names
}

// startService creates the database and starts the api and the workers.
func (b *bench) startService(ctx context.Context) (apiURL, dbURL string, procs map[string]*process, err error) {
	const db = "alex_bench"
	step("creating database %s", db)
	if err := recreateDatabase(ctx, b.PostgresURL, db); err != nil {
		return "", "", nil, err
	}
	dbURL, err = postgresURL(b.PostgresURL, db)
	if err != nil {
		return "", "", nil, err
	}
	port, err := freePort()
	if err != nil {
		return "", "", nil, err
	}
	env := []string{
		"DATABASE_URL=" + dbURL,
		"REDIS_URL=redis://" + b.redisAddr + "/0",
		"PORT=" + strconv.Itoa(port),
		"LOG_LEVEL=warn",
		"AUTH_MODE=local",
		"MAX_ACTIVE_JOBS_PER_USER=100000",
		"WORKER_CONCURRENCY=" + strconv.Itoa(b.WorkerConcurrency),
	}
	procs = make(map[string]*process)
	for _, name := range processNames() {
		bin, extra := b.bins["./cmd/worker"], b.pprofEnv(name)
		if name == "api" {
			bin = b.bins["./cmd/api"]
		}
		step("starting %s", name)
		p, err := b.start(name, append(env, extra...), bin)
		if err != nil {
			return "", "", nil, err
		}
		procs[name] = p
		if name == "api" { // it migrates the database: the workers start after
			apiURL = fmt.Sprintf("http://127.0.0.1:%d", port)
			if err := waitHTTP(ctx, p, apiURL+"/ready"); err != nil {
				return "", "", nil, err
			}
		}
	}
	return apiURL, dbURL, procs, nil
}

func (b *bench) measureService(ctx context.Context) (serviceResults, error) {
	svc := serviceResults{TasksPerJob: len(store.Stages), WorkerProcesses: workerProcesses, Memory: map[string]memory{}}
	apiURL, dbURL, procs, err := b.startService(ctx)
	if err != nil {
		return svc, err
	}
	api := &apiClient{base: apiURL, client: newClient(b.Conns)}
	step("registering a user, populating its accounts, running one job")
	jobID, err := api.prepareUser(ctx)
	if err != nil {
		return svc, err
	}
	step("service: GET /api/v1/jobs/{id}, %d connections, %s", b.Conns, b.Duration)
	stopProfile := b.profile(ctx, "api", "api-job-read", b.Duration)
	svc.JobRead, err = runLoad(ctx, loadSpec{url: apiURL + "/api/v1/jobs/" + jobID, token: api.token, conns: b.Conns, duration: b.Duration})
	stopProfile()
	if err != nil {
		return svc, err
	}
	step("service: GET /api/v1/accounts, %d connections, %s", b.Conns, b.Duration)
	if svc.Accounts, err = runLoad(ctx, loadSpec{url: apiURL + "/api/v1/accounts", token: api.token, conns: b.Conns, duration: b.Duration}); err != nil {
		return svc, err
	}
	step("service: %d jobs submitted at once", b.Jobs)
	stopAPIProfile := b.profile(ctx, "api", "api-throughput", 8*time.Second)
	stopWorkerProfile := b.profile(ctx, "worker-1", "worker-1-throughput", 8*time.Second)
	svc.Throughput, err = api.measureThroughput(ctx, dbURL, b.Jobs)
	stopAPIProfile()
	stopWorkerProfile()
	if err != nil {
		return svc, err
	}
	step("service: %d jobs one at a time", b.LatencyJobs)
	if svc.IdleLatency, err = api.measureIdleLatency(ctx, b.LatencyJobs); err != nil {
		return svc, err
	}
	for name, p := range procs {
		if svc.Memory[name], err = p.memory(); err != nil {
			return svc, err
		}
	}
	svc.LogWarnings, err = b.logWarnings(processNames())
	return svc, err
}
