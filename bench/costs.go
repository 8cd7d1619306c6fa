package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// benchPollMarker names the bench's own queries in pg_stat_statements, so
// that they are not counted as the service's.
const benchPollMarker = "alex-bench"

// jobCosts are what one analysis cost the service, from counters read
// before and after a throughput run.
type jobCosts struct {
	Statements    float64 `json:"sql_statements_per_job"` // pg_stat_statements calls
	RedisCommands float64 `json:"redis_commands_per_job"` // INFO commandstats calls
	CPUms         float64 `json:"cpu_ms_per_job"`         // api + workers utime+stime
}

// counters is one reading of what jobCosts is the difference of.
type counters struct {
	statements    int64
	redisCommands int64
	cpu           time.Duration
}

// enableStatementStats creates pg_stat_statements in the bench database
// (the server preloads the library; the extension is per database).
func enableStatementStats(ctx context.Context, dbURL string) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("connect %s: %w", dbURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
		return fmt.Errorf("pg_stat_statements: %w", err)
	}
	return nil
}

// resetStatementStats forgets the statements of the bench database only:
// other databases of the server keep theirs.
func resetStatementStats(ctx context.Context, db *pgx.Conn) error {
	_, err := db.Exec(ctx, `SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0) -- `+benchPollMarker)
	if err != nil {
		return fmt.Errorf("reset pg_stat_statements: %w", err)
	}
	return nil
}

// statementCalls sums the calls of the bench database's statements, the
// bench's own left out.
func statementCalls(ctx context.Context, db *pgx.Conn) (int64, error) {
	var n int64
	err := db.QueryRow(ctx, `SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements
		WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND query NOT LIKE '%`+benchPollMarker+`%' -- `+benchPollMarker).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("read pg_stat_statements: %w", err)
	}
	return n, nil
}

var commandCalls = regexp.MustCompile(`(?m)^cmdstat_([a-z|_-]+):calls=(\d+)`)

// redisCommands sums the calls of INFO commandstats, the INFO calls (the
// bench's own) left out.
func redisCommands(ctx context.Context, addr string) (int64, error) {
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	info, err := c.Info(ctx, "commandstats").Result()
	if err != nil {
		return 0, fmt.Errorf("redis INFO commandstats: %w", err)
	}
	return sumCommandCalls(info), nil
}

func sumCommandCalls(info string) int64 {
	var n int64
	for _, m := range commandCalls.FindAllStringSubmatch(info, -1) {
		if m[1] == "info" {
			continue
		}
		calls, _ := strconv.ParseInt(m[2], 10, 64)
		n += calls
	}
	return n
}

// cpuTime is the CPU time (user + system) a process has used, from the
// utime and stime fields of /proc/<pid>/stat.
func cpuTime(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("cpu time of %d: %w", pid, err)
	}
	return parseProcStatCPU(string(raw))
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's times: 100 on
// every Linux the bench runs on (getconf CLK_TCK).
const clockTicks = 100

// parseProcStatCPU reads utime and stime (fields 14 and 15) of a
// /proc/<pid>/stat line; the command name in parentheses may hold spaces.
func parseProcStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("not a /proc/<pid>/stat line: %q", stat)
	}
	fields := strings.Fields(stat[i+1:]) // from field 3, the state
	if len(fields) < 13 {
		return 0, fmt.Errorf("short /proc/<pid>/stat line: %q", stat)
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/<pid>/stat times: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// readCounters reads the counters of the running service.
func (b *bench) readCounters(ctx context.Context, db *pgx.Conn, procs map[string]*process) (counters, error) {
	var c counters
	var err error
	if c.statements, err = statementCalls(ctx, db); err != nil {
		return c, err
	}
	if c.redisCommands, err = redisCommands(ctx, b.redisAddr); err != nil {
		return c, err
	}
	for _, p := range procs {
		t, err := cpuTime(p.pid())
		if err != nil {
			return c, err
		}
		c.cpu += t
	}
	return c, nil
}

// perJob divides the counters' growth from before to after by jobs.
func perJob(before, after counters, jobs int) jobCosts {
	if jobs == 0 {
		return jobCosts{}
	}
	n := float64(jobs)
	return jobCosts{
		Statements:    float64(after.statements-before.statements) / n,
		RedisCommands: float64(after.redisCommands-before.redisCommands) / n,
		CPUms:         float64((after.cpu - before.cpu).Microseconds()) / 1000 / n,
	}
}

// idleCPU is the CPU an embedded server (cmd/api with neither DATABASE_URL
// nor REDIS_URL: SQLite, Redis and the worker in the process) used while
// nobody called it.
type idleCPU struct {
	Seconds        float64 `json:"seconds"`
	CPUms          float64 `json:"cpu_ms"`
	PercentOfACore float64 `json:"percent_of_a_core"`
}

// measureEmbeddedIdle starts the embedded server, waits until it is ready
// and a few seconds more (start-up work), and measures its CPU time over
// window.
func (b *bench) measureEmbeddedIdle(ctx context.Context, window time.Duration) (idleCPU, error) {
	port, err := freePort()
	if err != nil {
		return idleCPU{}, err
	}
	dataDir := filepath.Join(b.dir, "embedded")
	env := []string{"DATABASE_URL=", "REDIS_URL=", "ALEX_DATA_DIR=" + dataDir,
		"PORT=" + strconv.Itoa(port), "LOG_LEVEL=warn", "AUTH_MODE=local"}
	p, err := startProcess(b.dir, "embedded", env, b.bins["./cmd/api"])
	if err != nil {
		return idleCPU{}, err
	}
	defer p.stop()
	if err := waitHTTP(ctx, p, fmt.Sprintf("http://127.0.0.1:%d/ready", port)); err != nil {
		return idleCPU{}, err
	}
	select {
	case <-ctx.Done():
		return idleCPU{}, ctx.Err()
	case <-time.After(3 * time.Second):
	}
	before, err := cpuTime(p.pid())
	if err != nil {
		return idleCPU{}, err
	}
	start := time.Now()
	select {
	case <-ctx.Done():
		return idleCPU{}, ctx.Err()
	case <-time.After(window):
	}
	after, err := cpuTime(p.pid())
	if err != nil {
		return idleCPU{}, err
	}
	elapsed := time.Since(start)
	used := after - before
	return idleCPU{Seconds: elapsed.Seconds(), CPUms: float64(used.Milliseconds()),
		PercentOfACore: 100 * used.Seconds() / elapsed.Seconds()}, nil
}

// monteCarlo is the analysis package's BenchmarkSimulate (10,000 paths of
// 50 years) on one core.
type monteCarlo struct {
	Command string    `json:"command"`
	Runs    []float64 `json:"runs_ms"`
	Median  float64   `json:"median_ms"`
}

var benchmarkNsPerOp = regexp.MustCompile(`(?m)^BenchmarkSimulate\s+\d+\s+([0-9.]+) ns/op`)

// measureMonteCarlo runs the benchmark with go test, as a person would.
func measureMonteCarlo(ctx context.Context, count int) (monteCarlo, error) {
	args := []string{"test", "-run", "^$", "-bench", "^BenchmarkSimulate$", "-cpu", "1", "-count", strconv.Itoa(count), "./analysis/"}
	mc := monteCarlo{Command: "go " + strings.Join(args, " ")}
	out, err := exec.CommandContext(ctx, "go", args...).CombinedOutput()
	if err != nil {
		return mc, fmt.Errorf("%s: %w\n%s", mc.Command, err, out)
	}
	for _, m := range benchmarkNsPerOp.FindAllStringSubmatch(string(out), -1) {
		ns, _ := strconv.ParseFloat(m[1], 64)
		mc.Runs = append(mc.Runs, ns/1e6)
	}
	if len(mc.Runs) == 0 {
		return mc, fmt.Errorf("%s: no result in\n%s", mc.Command, out)
	}
	sorted := slices.Sorted(slices.Values(mc.Runs))
	mc.Median = sorted[len(sorted)/2]
	return mc, nil
}

// poolWaits are the waits of the api's queries for a free connection of
// its pool during a load, from its alex_db_pool_* metrics.
type poolWaits struct {
	Waits       float64 `json:"waits"`
	WaitSeconds float64 `json:"wait_seconds"`
	// PerRequestMs is the wait time spread over the load's requests.
	PerRequestMs float64 `json:"per_request_ms"`
	MaxOpen      float64 `json:"max_open_connections"`
}

// poolCounters reads the pool's waits, their time and its size from the
// api's metrics page.
func poolCounters(ctx context.Context, metricsURL string) (waits, seconds, maxOpen float64, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metricsURL, nil)
	if err != nil {
		return 0, 0, 0, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("pool metrics: %w", err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("pool metrics: %w", err)
	}
	values := promValues(string(raw))
	return values["alex_db_pool_waits_total"], values["alex_db_pool_wait_seconds_total"], values["alex_db_pool_max_connections"], nil
}

// promValues reads the alex_db_pool_* samples of a Prometheus text page by
// name.
func promValues(page string) map[string]float64 {
	values := map[string]float64{}
	for line := range strings.Lines(page) {
		if !strings.HasPrefix(line, "alex_db_pool_") {
			continue
		}
		fields := strings.Fields(line)
		name, _, _ := strings.Cut(fields[0], "{")
		if v, err := strconv.ParseFloat(fields[len(fields)-1], 64); err == nil {
			values[name] = v
		}
	}
	return values
}

// withPoolWaits runs load and counts the api's pool waits during it.
func withPoolWaits(ctx context.Context, metricsURL string, load func() (loadResult, error)) (loadResult, poolWaits, error) {
	w0, s0, _, err := poolCounters(ctx, metricsURL)
	if err != nil {
		return loadResult{}, poolWaits{}, err
	}
	r, err := load()
	if err != nil {
		return r, poolWaits{}, err
	}
	w1, s1, maxOpen, err := poolCounters(ctx, metricsURL)
	if err != nil {
		return r, poolWaits{}, err
	}
	p := poolWaits{Waits: w1 - w0, WaitSeconds: s1 - s0, MaxOpen: maxOpen}
	if r.Requests > 0 {
		p.PerRequestMs = p.WaitSeconds * 1000 / float64(r.Requests)
	}
	return r, p, nil
}
