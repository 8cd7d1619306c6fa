package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// results is everything one run measured; bench/results.json holds it.
type results struct {
	StartedAt  time.Time      `json:"started_at"`
	Machine    machine        `json:"machine"`
	Settings   settings       `json:"settings"`
	References references     `json:"references"`
	Service    serviceResults `json:"service"`
	MonteCarlo monteCarlo     `json:"monte_carlo"`
	// Lines are the goals, each measured in this run.
	Lines   []line   `json:"lines"`
	Figures []figure `json:"figures"`
}

// line is one goal of the issue: what was measured, the goal, whether it
// is met, and the numbers behind it.
type line struct {
	What     string `json:"what"`
	Measured string `json:"measured"`
	Goal     string `json:"goal"`
	Met      *bool  `json:"met,omitempty"` // nil: no goal, a count to watch
	// Score is how far the goal is: the worst of its conditions as
	// measured ÷ goal for an at-least goal and goal ÷ measured for an
	// at-most one, so ≥ 1 meets it (the chart's bars).
	Score  float64            `json:"score,omitempty"`
	Values map[string]float64 `json:"values"`
}

func newLine(what, measured, goal string, met bool, values map[string]float64, score float64) line {
	return line{What: what, Measured: measured, Goal: goal, Met: &met, Values: values, Score: score}
}

// atLeast and atMost are the scores of one condition.
func atLeastScore(v, goal float64) float64 { return v / goal }

func atMostScore(v, goal float64) float64 {
	if v <= 0 {
		return 0 // nothing measured
	}
	return goal / v
}

// machine says where the figures come from.
type machine struct {
	CPUs      int    `json:"cpus"`
	GoVersion string `json:"go_version"`
	// BusyCPUsBefore is how many CPUs other work kept busy in the 2 s
	// before the run; StealPercent the share of CPU time during the run that
	// the hypervisor gave to other machines.
	BusyCPUsBefore float64 `json:"busy_cpus_before"`
	StealPercent   float64 `json:"steal_percent"`
	Note           string  `json:"note"`
}

// figure is one detail: a measured value and what it is compared with.
type figure struct {
	Name      string  `json:"name"`
	Value     float64 `json:"value"`
	Unit      string  `json:"unit"`
	Reference string  `json:"reference,omitempty"`
	RefValue  float64 `json:"reference_value,omitempty"`
	Ratio     float64 `json:"ratio,omitempty"` // Value / RefValue
	Detail    string  `json:"detail,omitempty"`
}

// compared is a figure against a reference, without a target.
func compared(name string, value float64, unit, ref string, refValue float64) figure {
	f := figure{Name: name, Value: value, Unit: unit, Reference: ref, RefValue: refValue}
	if refValue > 0 {
		f.Ratio = value / refValue
	}
	return f
}

// lines builds the goals' table from what a run measured.
func (r *results) lines() []line {
	ref, svc := r.References, r.Service
	ls := []line{
		readLine("completed-job read (auth + cache)", svc.JobRead, ref.PgbenchSelectTPS, 0.6, 10),
		readLine("read of a job still pending (no cache hit)", svc.PendingJobRead, ref.PgbenchSelectTPS, 0.5, 20),
	}
	for _, t := range svc.Throughput {
		what := "analyses end to end (submit → completed), " + workersPhrase(t.Workers)
		ratio := ratioOf(t.JobsPerSec, ref.PgbenchTPCBTPS)
		ls = append(ls, newLine(what,
			fmt.Sprintf("%s jobs/s = %.3f× pgbench TPC-B (%s tps); %d jobs in %.1f s, %d failed",
				number(t.JobsPerSec), ratio, number(ref.PgbenchTPCBTPS), t.Jobs, t.Seconds, t.Failed),
			"≥ 0.1× pgbench TPC-B", ratio >= 0.1 && t.Failed == 0,
			map[string]float64{"workers": float64(t.Workers), "jobs_per_s": t.JobsPerSec, "pgbench_tpcb_tps": ref.PgbenchTPCBTPS, "ratio": ratio},
			atLeastScore(ratio, 0.1)))
	}
	for _, t := range svc.Throughput {
		ls = append(ls, line{What: "cost per job, " + workersPhrase(t.Workers),
			Measured: fmt.Sprintf("%.1f SQL statements, %.1f Redis commands, %.1f ms CPU (api + workers)",
				t.Statements, t.RedisCommands, t.CPUms),
			Goal: "fewer (no target)",
			Values: map[string]float64{"workers": float64(t.Workers), "sql_statements": t.Statements,
				"redis_commands": t.RedisCommands, "cpu_ms": t.CPUms}})
	}
	l := svc.IdleLatency
	ls = append(ls,
		newLine(fmt.Sprintf("one idle job, submit → completed (%d workers)", l.Workers),
			fmt.Sprintf("p50 %s ms, p99 %s ms (max %s ms of %d jobs)", number(l.P50ms), number(l.P99ms), number(l.MaxMs), l.Jobs),
			"p50 ≤ 50 ms, p99 ≤ 150 ms", l.Jobs > 0 && l.P50ms <= 50 && l.P99ms <= 150,
			map[string]float64{"p50_ms": l.P50ms, "p99_ms": l.P99ms},
			min(atMostScore(l.P50ms, 50), atMostScore(l.P99ms, 150))),
		newLine("embedded server doing nothing",
			fmt.Sprintf("%.2f%% of a core (%.0f ms CPU in %.0f s)", svc.EmbeddedIdle.PercentOfACore, svc.EmbeddedIdle.CPUms, svc.EmbeddedIdle.Seconds),
			"< 1% of a core", svc.EmbeddedIdle.Seconds > 0 && svc.EmbeddedIdle.PercentOfACore < 1,
			map[string]float64{"percent_of_a_core": svc.EmbeddedIdle.PercentOfACore, "seconds": svc.EmbeddedIdle.Seconds},
			atMostScore(max(svc.EmbeddedIdle.PercentOfACore, 0.01), 1)),
		newLine("Monte Carlo, 10,000 paths, one core",
			fmt.Sprintf("%s ms (median of %d runs: %s)", number(r.MonteCarlo.Median), len(r.MonteCarlo.Runs), msList(r.MonteCarlo.Runs)),
			"≤ 5 ms", len(r.MonteCarlo.Runs) > 0 && r.MonteCarlo.Median <= 5,
			map[string]float64{"ms": r.MonteCarlo.Median},
			atMostScore(r.MonteCarlo.Median, 5)),
	)
	if c := svc.GeneratorCheck; c != nil {
		ls = append(ls, newLine("the bench's own load generator against wrk, completed-job read",
			fmt.Sprintf("%.2f× wrk (%s req/s vs %s, %d alternate rounds of %d s)", c.Ratio, number(c.OwnRPS), number(c.WrkRPS), c.Rounds, c.RoundSecond),
			"within 20% of wrk", c.Ratio >= 0.8 && c.Ratio <= 1.2,
			map[string]float64{"own_rps": c.OwnRPS, "wrk_rps": c.WrkRPS, "ratio": c.Ratio},
			min(atLeastScore(c.Ratio, 0.8), atMostScore(c.Ratio, 1.2))))
	}
	return ls
}

// readLine is an HTTP read's line: its rate against pgbench -S and its p99.
func readLine(what string, l loadResult, pgbenchS, minRatio, maxP99 float64) line {
	ratio := ratioOf(l.RPS, pgbenchS)
	return newLine(what,
		fmt.Sprintf("%.2f× pgbench -S (%s req/s by %s vs %s tps), p50 %s ms, p99 %s ms, %d errors",
			ratio, number(l.RPS), l.Tool, number(pgbenchS), number(l.P50ms), number(l.P99ms), l.Errors),
		fmt.Sprintf("≥ %.1f×, p99 ≤ %g ms", minRatio, maxP99),
		ratio >= minRatio && l.P99ms <= maxP99 && l.Errors == 0,
		map[string]float64{"rps": l.RPS, "pgbench_select_tps": pgbenchS, "ratio": ratio, "p50_ms": l.P50ms, "p99_ms": l.P99ms},
		min(atLeastScore(ratio, minRatio), atMostScore(l.P99ms, maxP99)))
}

func workersPhrase(n int) string {
	if n == 1 {
		return "1 worker process"
	}
	return fmt.Sprintf("%d worker processes", n)
}

func ratioOf(v, ref float64) float64 {
	if ref <= 0 {
		return 0
	}
	return v / ref
}

func msList(runs []float64) string {
	parts := make([]string, len(runs))
	for i, v := range runs {
		parts[i] = number(v)
	}
	return strings.Join(parts, ", ")
}

// figures are the details behind the lines: the references and the
// service's other figures.
func (r *results) figures() []figure {
	ref, svc := r.References, r.Service
	asynqJobs := ref.AsynqNoopTasksPerS / float64(svc.TasksPerJob)
	asynqRef := fmt.Sprintf("asynq no-op tasks/s ÷ %d (%d servers × %d)", svc.TasksPerJob, r.Settings.LatencyWorkers, r.Settings.WorkerConcurrency)
	fs := []figure{
		compared("GET /api/v1/jobs/{id}, job completed, vs bare Fiber", svc.JobRead.RPS, "req/s", "Fiber hello rps", ref.FiberHello.RPS),
		withDetail(compared("GET /api/v1/jobs/{id}, job completed", svc.JobRead.RPS, "req/s", "", 0),
			fmt.Sprintf("%s; p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.1f ms, %d B per answer",
				svc.JobRead.Tool, svc.JobRead.P50ms, svc.JobRead.P90ms, svc.JobRead.P99ms, svc.JobRead.MaxMs, svc.JobRead.BytesPer)),
		withDetail(compared("GET /api/v1/jobs/{id}, job pending", svc.PendingJobRead.RPS, "req/s", "", 0),
			fmt.Sprintf("%s; p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.1f ms, %d B per answer",
				svc.PendingJobRead.Tool, svc.PendingJobRead.P50ms, svc.PendingJobRead.P90ms, svc.PendingJobRead.P99ms, svc.PendingJobRead.MaxMs, svc.PendingJobRead.BytesPer)),
		withDetail(compared("GET /api/v1/jobs/{id}, job pending: waits for a pooled connection", svc.PendingJobReadPool.Waits, "waits", "", 0),
			fmt.Sprintf("%.1f s in all, %.2f ms per request, pool of %.0f", svc.PendingJobReadPool.WaitSeconds, svc.PendingJobReadPool.PerRequestMs, svc.PendingJobReadPool.MaxOpen)),
		withDetail(compared("GET /api/v1/accounts", svc.Accounts.RPS, "req/s", "pgbench -S tps", ref.PgbenchSelectTPS),
			fmt.Sprintf("%s; p50 %.2f ms, p99 %.2f ms, %d B per answer, %d errors", svc.Accounts.Tool, svc.Accounts.P50ms, svc.Accounts.P99ms, svc.Accounts.BytesPer, svc.Accounts.Errors)),
	}
	for _, t := range svc.Throughput {
		if t.Workers == r.Settings.LatencyWorkers {
			fs = append(fs, compared(fmt.Sprintf("POST /analyze end to end, %d workers, vs asynq no-op", t.Workers), t.JobsPerSec, "jobs/s", asynqRef, asynqJobs))
		}
	}
	return append(fs,
		compared("Fiber hello (reference)", ref.FiberHello.RPS, "req/s", "", 0),
		compared("pgbench -S (reference)", ref.PgbenchSelectTPS, "tps", "", 0),
		compared("pgbench TPC-B (reference)", ref.PgbenchTPCBTPS, "tps", "", 0),
		compared("redis GET (reference)", ref.RedisGetOps, "ops/s", "", 0),
		compared("redis SET (reference)", ref.RedisSetOps, "ops/s", "", 0),
		compared("asynq no-op (reference)", ref.AsynqNoopTasksPerS, "tasks/s", "", 0),
	)
}

func withDetail(f figure, detail string) figure {
	f.Detail = detail
	return f
}

// memoryFigures are the processes' resident memory, now and at peak.
func (r *results) memoryFigures() []figure {
	var fs []figure
	for _, name := range slices.Sorted(maps.Keys(r.Service.Memory)) {
		m := r.Service.Memory[name]
		f := compared("RSS "+name, m.RSSMiB, "MiB", "", 0)
		f.Detail = fmt.Sprintf("peak %.1f MiB", m.PeakMiB)
		fs = append(fs, f)
	}
	return fs
}

// markdown renders the lines and the figures as tables.
func markdown(w io.Writer, r *results) {
	fmt.Fprintf(w, "# Benchmark results\n\n")
	fmt.Fprintf(w, "Run %s on %d CPUs, %s. %s\n\n",
		r.StartedAt.UTC().Format(time.RFC3339), r.Machine.CPUs, r.Machine.GoVersion, r.Machine.Note)
	fmt.Fprintf(w, "HTTP loads by %s, %d connections, %s each; pgbench %d clients, %s per script, scale 1; "+
		"%d jobs per throughput run, submitted at once by %d users; %d sequential jobs for idle latency; worker processes × %d; idle CPU over %s. "+
		"Everything below comes from this one run (`go run ./bench`).\n\n",
		r.Settings.Load, r.Settings.Conns, r.Settings.Duration, r.Settings.PgbenchClients, r.Settings.PgbenchDuration,
		r.Settings.Jobs, burstUsers, r.Settings.LatencyJobs, r.Settings.WorkerConcurrency, r.Settings.IdleWindow)
	if len(r.Lines) > 0 {
		fmt.Fprintln(w, "| what | measured | goal | met |")
		fmt.Fprintln(w, "|---|---|---|---|")
		for _, l := range r.Lines {
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", l.What, l.Measured, l.Goal, lineMet(l))
		}
		fmt.Fprintf(w, "\n![goals](results.svg)\n\n")
	}
	fmt.Fprintf(w, "Details:\n\n")
	fmt.Fprintln(w, "| figure | value | reference | ratio |")
	fmt.Fprintln(w, "|---|---:|---|---:|")
	for _, f := range r.Figures {
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", f.Name, value(f), reference(f), ratio(f))
	}
	warnings(w, r.Service.LogWarnings)
}

func lineMet(l line) string {
	switch {
	case l.Met == nil:
		return ""
	case *l.Met:
		return "met"
	default:
		return "**not yet**"
	}
}

// warnings lists what the api and the workers logged as warnings.
func warnings(w io.Writer, counts map[string]int) {
	if len(counts) == 0 {
		return
	}
	fmt.Fprintf(w, "\nWarnings the api and the workers logged during the run:\n\n")
	for _, msg := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(w, "- %d× %s\n", counts[msg], msg)
	}
}

func value(f figure) string {
	s := fmt.Sprintf("%s %s", number(f.Value), f.Unit)
	if f.Detail != "" {
		s += " (" + f.Detail + ")"
	}
	return s
}

func reference(f figure) string {
	if f.Reference == "" {
		return ""
	}
	if f.Reference == "target" {
		return "target"
	}
	return fmt.Sprintf("%s = %s", f.Reference, number(f.RefValue))
}

func ratio(f figure) string {
	if f.Ratio == 0 {
		return ""
	}
	return fmt.Sprintf("%.2f×", f.Ratio)
}

// number prints big numbers whole and small ones with a decimal or two.
func number(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// write saves results.json and results.md into dir and prints the table.
func write(dir string, r *results, stdout io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	raw, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("results.json: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(raw, '\n'), 0o644); err != nil {
		return fmt.Errorf("results.json: %w", err)
	}
	var md strings.Builder
	markdown(&md, r)
	if err := os.WriteFile(filepath.Join(dir, "results.md"), []byte(md.String()), 0o644); err != nil {
		return fmt.Errorf("results.md: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "results.svg"), []byte(chart(r.Lines)), 0o644); err != nil {
		return fmt.Errorf("results.svg: %w", err)
	}
	_, err = io.WriteString(stdout, "\n"+md.String())
	return err
}
