package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hibiken/asynq"
	"golang.org/x/sync/errgroup"

	"github.com/alex-advisor/alex/tasks"
)

// references are what the machine does without the service: the ceilings
// the service's figures are compared with.
type references struct {
	PgbenchSelectTPS   float64    `json:"pgbench_select_tps"`
	PgbenchTPCBTPS     float64    `json:"pgbench_tpcb_tps"`
	RedisGetOps        float64    `json:"redis_get_ops"`
	RedisSetOps        float64    `json:"redis_set_ops"`
	FiberHello         loadResult `json:"fiber_hello"`
	AsynqNoopTasksPerS float64    `json:"asynq_noop_tasks_per_s"`
}

// pgbench initialises a scratch database (scale 1) and runs, one after
// the other, the select-only script (-S) and the default TPC-B-like script,
// both with prepared statements; it returns their tps.
func pgbench(ctx context.Context, adminURL string, clients int, d time.Duration) (selectTPS, tpcbTPS float64, err error) {
	const db = "alex_bench_pgbench"
	if err := recreateDatabase(ctx, adminURL, db); err != nil {
		return 0, 0, err
	}
	defer dropDatabase(adminURL, db)
	dbURL, err := postgresURL(adminURL, db)
	if err != nil {
		return 0, 0, err
	}
	if out, err := exec.CommandContext(ctx, "pgbench", "-i", "-q", "-s", "1", dbURL).CombinedOutput(); err != nil {
		return 0, 0, fmt.Errorf("pgbench -i: %w\n%s", err, out)
	}
	run := func(script ...string) (float64, error) {
		args := append(script, "-M", "prepared", "-c", strconv.Itoa(clients), "-j", "2",
			"-T", strconv.Itoa(max(1, int(d.Seconds()))), dbURL)
		out, err := exec.CommandContext(ctx, "pgbench", args...).CombinedOutput()
		if err != nil {
			return 0, fmt.Errorf("pgbench %s: %w\n%s", strings.Join(script, " "), err, out)
		}
		return parsePgbenchTPS(string(out))
	}
	if selectTPS, err = run("-S"); err != nil {
		return 0, 0, err
	}
	tpcbTPS, err = run()
	return selectTPS, tpcbTPS, err
}

var pgbenchTPS = regexp.MustCompile(`(?m)^tps = ([0-9.]+) \(without initial connection time\)`)

// parsePgbenchTPS reads the tps line of pgbench's report.
func parsePgbenchTPS(out string) (float64, error) {
	m := pgbenchTPS.FindStringSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no tps line in pgbench output:\n%s", out)
	}
	return strconv.ParseFloat(m[1], 64)
}

// redisBenchmark runs redis-benchmark's GET and SET tests on the private
// Redis and returns their requests per second.
func redisBenchmark(ctx context.Context, addr string, requests int) (get, set float64, err error) {
	host, port, _ := strings.Cut(addr, ":")
	out, err := exec.CommandContext(ctx, "redis-benchmark", "-h", host, "-p", port,
		"-q", "-n", strconv.Itoa(requests), "-t", "get,set").CombinedOutput()
	if err != nil {
		return 0, 0, fmt.Errorf("redis-benchmark: %w\n%s", err, out)
	}
	ops := parseRedisBenchmark(string(out))
	if ops["GET"] == 0 || ops["SET"] == 0 {
		return 0, 0, fmt.Errorf("no GET/SET results in redis-benchmark output:\n%s", out)
	}
	return ops["GET"], ops["SET"], nil
}

var redisBenchmarkResult = regexp.MustCompile(`^([A-Z_]+): ([0-9.]+) requests per second`)

// parseRedisBenchmark reads the final "SET: 123.45 requests per second"
// lines of redis-benchmark -q, skipping its progress lines (which it
// overwrites with carriage returns).
func parseRedisBenchmark(out string) map[string]float64 {
	ops := make(map[string]float64)
	for _, line := range strings.FieldsFunc(out, func(r rune) bool { return r == '\r' || r == '\n' }) {
		m := redisBenchmarkResult.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		if v, err := strconv.ParseFloat(m[2], 64); err == nil {
			ops[m[1]] = v
		}
	}
	return ops
}

// serveHello is the bare Fiber reference server: one route, no middleware.
// The bench runs it as a process of its own (bench -hello-addr ...).
func serveHello(addr string) error {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString("Hello, World!") })
	return app.Listen(addr)
}

// asynqNoop enqueues n no-op tasks on the queues the worker uses, then lets
// servers asynq servers of the worker's concurrency process them, and
// returns the tasks completed per second (from the servers' start to the
// last task done).
func asynqNoop(ctx context.Context, redisAddr string, n, servers, concurrency int) (float64, error) {
	conn := asynq.RedisClientOpt{Addr: redisAddr, DB: 1}
	if err := enqueueNoops(ctx, conn, n); err != nil {
		return 0, err
	}
	var done atomic.Int64
	allDone := make(chan struct{})
	var once sync.Once
	handler := asynq.HandlerFunc(func(context.Context, *asynq.Task) error {
		if done.Add(1) == int64(n) {
			once.Do(func() { close(allDone) })
		}
		return nil
	})
	start := time.Now()
	for range servers {
		srv := asynq.NewServer(conn, asynq.Config{
			Concurrency: concurrency, Queues: tasks.Queues,
			TaskCheckInterval: 10 * time.Millisecond, LogLevel: asynq.WarnLevel,
		})
		if err := srv.Start(handler); err != nil {
			return 0, fmt.Errorf("asynq server: %w", err)
		}
		defer srv.Shutdown()
	}
	select {
	case <-allDone:
	case <-time.After(5 * time.Minute):
		return 0, fmt.Errorf("asynq no-op: %d of %d tasks done in 5 minutes", done.Load(), n)
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// enqueueNoops enqueues n no-op tasks from 8 clients at once.
func enqueueNoops(ctx context.Context, conn asynq.RedisClientOpt, n int) error {
	client := asynq.NewClient(conn)
	defer client.Close()
	const senders = 8
	g, ctx := errgroup.WithContext(ctx)
	for s := range senders {
		g.Go(func() error {
			for i := s; i < n; i += senders {
				if _, err := client.EnqueueContext(ctx, asynq.NewTask("noop", nil), asynq.Queue(tasks.QueueDefault)); err != nil {
					return fmt.Errorf("enqueue no-op task: %w", err)
				}
			}
			return nil
		})
	}
	return g.Wait()
}

func (b *bench) measureReferences(ctx context.Context) (references, error) {
	var ref references
	var err error
	step("reference: pgbench -S and TPC-B -M prepared, %d clients, %s each", b.PgbenchClients, b.PgbenchDuration)
	if ref.PgbenchSelectTPS, ref.PgbenchTPCBTPS, err = pgbench(ctx, b.PostgresURL, b.PgbenchClients, b.PgbenchDuration); err != nil {
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
	step("reference: %d asynq no-op tasks on %d servers × %d", b.AsynqTasks, b.LatencyWorkers, b.WorkerConcurrency)
	ref.AsynqNoopTasksPerS, err = asynqNoop(ctx, b.redisAddr, b.AsynqTasks, b.LatencyWorkers, b.WorkerConcurrency)
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
