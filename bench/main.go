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
	cpus := runtime.NumCPU()
	r := &results{Settings: s, Machine: machine{CPUs: cpus, GoVersion: runtime.Version(),
		BusyCPUsBefore: busyCPUsNow(2*time.Second, cpus)}}
	r.StartedAt = time.Now()
	cpuAtStart := readCPUTimes()
	if err := b.prepare(ctx); err != nil {
		return err
	}
	if r.References, err = b.measureReferences(ctx); err != nil {
		return err
	}
	if r.Service, err = b.measureService(ctx); err != nil {
		return err
	}
	r.Machine.StealPercent = readCPUTimes().since(cpuAtStart).stealPercent()
	r.Machine.Note = noiseNote(r.Machine.BusyCPUsBefore, cpus, r.Machine.StealPercent)
	r.Figures = append(r.figures(), r.memoryFigures(processNames())...)
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
