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
//
// It may import any package of this module; nothing imports it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
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
	WorkerCounts      []int         `json:"worker_counts"`
	LatencyWorkers    int           `json:"latency_workers"`
	Load              string        `json:"load"` // auto, wrk or bench
	IdleWindow        time.Duration `json:"idle_window"`
	MonteCarloCount   int           `json:"monte_carlo_count"`
	TaskCheckInterval string        `json:"worker_task_check_interval,omitempty"`
	OutDir            string        `json:"-"`
	Profile           bool          `json:"profile"`
}

func main() {
	var s settings
	helloAddr := flag.String("hello-addr", "", "serve the bare Fiber reference on this address (the bench starts itself so)")
	flag.StringVar(&s.PostgresURL, "postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL admin URL (database postgres)")
	flag.IntVar(&s.Conns, "conns", 64, "HTTP connections of the loads")
	flag.DurationVar(&s.Duration, "duration", 10*time.Second, "duration of each HTTP load (whole seconds with wrk)")
	flag.IntVar(&s.Jobs, "jobs", 200, "jobs submitted at once for throughput")
	flag.IntVar(&s.LatencyJobs, "latency-jobs", 50, "jobs submitted one at a time for idle latency")
	flag.IntVar(&s.PgbenchClients, "pgbench-clients", 8, "pgbench clients")
	flag.DurationVar(&s.PgbenchDuration, "pgbench-duration", 12*time.Second, "pgbench duration")
	flag.IntVar(&s.AsynqTasks, "asynq-tasks", 10000, "no-op tasks of the asynq reference")
	flag.IntVar(&s.WorkerConcurrency, "worker-concurrency", 10, "WORKER_CONCURRENCY of each worker process (and of the asynq reference servers)")
	workerCounts := flag.String("workers", "1,2,4", "worker process counts of the throughput runs, ascending")
	flag.IntVar(&s.LatencyWorkers, "latency-workers", 2, "worker processes running while idle latency is measured (one of -workers)")
	flag.StringVar(&s.Load, "load", "auto", "HTTP load generator: wrk, bench (its own), or auto (wrk when installed)")
	flag.DurationVar(&s.IdleWindow, "idle-window", 60*time.Second, "how long the idle embedded server's CPU time is measured (during the references)")
	flag.IntVar(&s.MonteCarloCount, "monte-carlo-count", 5, "runs of the Monte Carlo benchmark (the median is reported)")
	taskCheck := flag.Duration("worker-task-check-interval", 0, "WORKER_TASK_CHECK_INTERVAL of the service's processes; 0: the service's default")
	flag.StringVar(&s.OutDir, "out", "bench", "directory of results.json and results.md")
	flag.BoolVar(&s.Profile, "profile", false, "take CPU profiles of the api (job reads) and a worker (throughput) with PPROF_ADDR")
	flag.Parse()
	var err error
	if s.WorkerCounts, err = parseCounts(*workerCounts); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if *taskCheck > 0 {
		s.TaskCheckInterval = taskCheck.String()
	}

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

// parseCounts reads "1,2,4".
func parseCounts(list string) ([]int, error) {
	var counts []int
	for f := range strings.SplitSeq(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || (len(counts) > 0 && n <= counts[len(counts)-1]) {
			return nil, fmt.Errorf("-workers: want ascending counts ≥ 1 such as 1,2,4, got %q", list)
		}
		counts = append(counts, n)
	}
	return counts, nil
}

// bench is one run: its directory, binaries and the processes to stop.
type bench struct {
	settings
	wrk       string // wrk's path when the loads use it
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
	switch s.Load {
	case "auto":
		b.wrk = wrkPath()
	case "wrk":
		if b.wrk = wrkPath(); b.wrk == "" {
			return fmt.Errorf("-load wrk: wrk is not installed")
		}
	case "bench":
	default:
		return fmt.Errorf("-load: want auto, wrk or bench, got %q", s.Load)
	}
	defer func() {
		b.stopAll()
		b.removeBinaries()
		fmt.Fprintf(os.Stderr, "bench: logs of the processes are in %s\n", dir)
	}()
	cpus := runtime.NumCPU()
	r := &results{Settings: s, Machine: machine{CPUs: cpus, GoVersion: runtime.Version(),
		BusyCPUsBefore: busyCPUsNow(2*time.Second, cpus)}}
	r.StartedAt = time.Now()
	r.Settings.Load = "bench"
	if b.wrk != "" {
		r.Settings.Load = "wrk"
	}
	cpuAtStart := readCPUTimes()
	if err := b.prepare(ctx); err != nil {
		return err
	}
	// The idle server is measured while the references run: it is idle,
	// and its CPU time is its own whatever else the machine does.
	step("embedded server: CPU time over %s while idle, in the background", s.IdleWindow)
	idle := make(chan error, 1)
	go func() {
		var err error
		r.Service.EmbeddedIdle, err = b.measureEmbeddedIdle(ctx, s.IdleWindow)
		idle <- err
	}()
	step("Monte Carlo: go test -bench BenchmarkSimulate -cpu 1, %d runs", s.MonteCarloCount)
	if r.MonteCarlo, err = measureMonteCarlo(ctx, s.MonteCarloCount); err != nil {
		return err
	}
	if r.References, err = b.measureReferences(ctx); err != nil {
		return err
	}
	if err := <-idle; err != nil {
		return fmt.Errorf("embedded server: %w", err)
	}
	embeddedIdle := r.Service.EmbeddedIdle
	if r.Service, err = b.measureService(ctx); err != nil {
		return err
	}
	r.Service.EmbeddedIdle = embeddedIdle
	r.Machine.StealPercent = readCPUTimes().since(cpuAtStart).stealPercent()
	r.Machine.Note = noiseNote(r.Machine.BusyCPUsBefore, cpus, r.Machine.StealPercent)
	r.Lines = r.lines()
	r.Figures = append(r.figures(), r.memoryFigures()...)
	return write(s.OutDir, r, os.Stdout)
}

// step prints what the bench does next.
func step(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// prepare builds the binaries and starts the private Redis.
func (b *bench) prepare(ctx context.Context) error {
	if _, err := os.Stat("cmd/api"); err != nil {
		return fmt.Errorf("run the bench from the repository root: %w", err)
	}
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
