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
	Figures    []figure       `json:"figures"`
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

// figure is one line of the table: a measured value, what it is compared
// with and whether it meets the target.
type figure struct {
	Name      string  `json:"name"`
	Value     float64 `json:"value"`
	Unit      string  `json:"unit"`
	Reference string  `json:"reference,omitempty"`
	RefValue  float64 `json:"reference_value,omitempty"`
	Ratio     float64 `json:"ratio,omitempty"` // Value / RefValue
	Target    string  `json:"target,omitempty"`
	Met       *bool   `json:"met,omitempty"`
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

// atLeastRatio is a figure whose ratio to its reference must be ≥ min.
func atLeastRatio(name string, value float64, unit, ref string, refValue, min float64) figure {
	f := compared(name, value, unit, ref, refValue)
	f.Target = fmt.Sprintf("≥ %.2g× reference", min)
	met := f.Ratio >= min
	f.Met = &met
	return f
}

// atMost is a figure whose value must be ≤ max.
func atMost(name string, value float64, unit string, max float64) figure {
	f := figure{Name: name, Value: value, Unit: unit, Reference: "target", RefValue: max, Ratio: value / max}
	f.Target = fmt.Sprintf("≤ %g %s", max, unit)
	met := value <= max
	f.Met = &met
	return f
}

// figures builds the table from what a run measured.
func (r *results) figures() []figure {
	ref, svc := r.References, r.Service
	perJob := float64(svc.TasksPerJob)
	asynqJobs := ref.AsynqNoopTasksPerS / perJob
	asynqRef := fmt.Sprintf("asynq no-op tasks/s ÷ %d (%d servers × %d)", svc.TasksPerJob, svc.WorkerProcesses, r.Settings.WorkerConcurrency)
	return []figure{
		atLeastRatio("GET /api/v1/jobs/{id}, job completed", svc.JobRead.RPS, "req/s", "pgbench -S tps", ref.PgbenchSelectTPS, 0.6),
		atMost("GET /api/v1/jobs/{id}, job completed, p99", svc.JobRead.P99ms, "ms", 10),
		withDetail(compared("GET /api/v1/jobs/{id}, job completed, p50", svc.JobRead.P50ms, "ms", "", 0),
			fmt.Sprintf("%d B per answer, %d errors", svc.JobRead.BytesPer, svc.JobRead.Errors)),
		compared("GET /api/v1/jobs/{id}, job completed, vs bare Fiber", svc.JobRead.RPS, "req/s", "Fiber hello rps", ref.FiberHello.RPS),
		withDetail(compared("GET /api/v1/jobs/{id}, job pending", svc.PendingJobRead.RPS, "req/s", "pgbench -S tps", ref.PgbenchSelectTPS),
			fmt.Sprintf("p50 %.1f ms, p99 %.1f ms, %d B per answer, %d errors", svc.PendingJobRead.P50ms, svc.PendingJobRead.P99ms, svc.PendingJobRead.BytesPer, svc.PendingJobRead.Errors)),
		compared("GET /api/v1/accounts", svc.Accounts.RPS, "req/s", "pgbench -S tps", ref.PgbenchSelectTPS),
		withDetail(compared("GET /api/v1/accounts p99", svc.Accounts.P99ms, "ms", "", 0),
			fmt.Sprintf("p50 %.1f ms, %d B per answer, %d errors", svc.Accounts.P50ms, svc.Accounts.BytesPer, svc.Accounts.Errors)),
		withDetail(atLeastRatio("POST /analyze end to end", svc.Throughput.JobsPerSec, "jobs/s", asynqRef, asynqJobs, 0.5),
			fmt.Sprintf("%d jobs in %.1f s, %d failed", svc.Throughput.Jobs, svc.Throughput.Seconds, svc.Throughput.Failed)),
		atMost("idle submit→completed p50", svc.IdleLatency.P50ms, "ms", 100),
		withDetail(atMost("idle submit→completed p99", svc.IdleLatency.P99ms, "ms", 300),
			fmt.Sprintf("max %.0f ms of %d jobs", svc.IdleLatency.MaxMs, svc.IdleLatency.Jobs)),
		compared("Fiber hello (reference)", ref.FiberHello.RPS, "req/s", "", 0),
		compared("pgbench -S (reference)", ref.PgbenchSelectTPS, "tps", "", 0),
		compared("redis GET (reference)", ref.RedisGetOps, "ops/s", "", 0),
		compared("redis SET (reference)", ref.RedisSetOps, "ops/s", "", 0),
		compared("asynq no-op (reference)", ref.AsynqNoopTasksPerS, "tasks/s", "", 0),
	}
}

func withDetail(f figure, detail string) figure {
	f.Detail = detail
	return f
}

// memoryFigures are the processes' resident memory, now and at peak.
func (r *results) memoryFigures(names []string) []figure {
	var fs []figure
	for _, name := range names {
		m := r.Service.Memory[name]
		f := compared("RSS "+name, m.RSSMiB, "MiB", "", 0)
		f.Detail = fmt.Sprintf("peak %.1f MiB", m.PeakMiB)
		fs = append(fs, f)
	}
	return fs
}

// markdown renders the figures as a table.
func markdown(w io.Writer, r *results) {
	fmt.Fprintf(w, "# Benchmark results\n\n")
	fmt.Fprintf(w, "Run %s on %d CPUs, %s. %s\n\n",
		r.StartedAt.UTC().Format(time.RFC3339), r.Machine.CPUs, r.Machine.GoVersion, r.Machine.Note)
	fmt.Fprintf(w, "%d HTTP connections, %s per load; %d jobs for throughput; %d sequential jobs for idle latency; 2 worker processes × %d.\n\n",
		r.Settings.Conns, r.Settings.Duration, r.Settings.Jobs, r.Settings.LatencyJobs, r.Settings.WorkerConcurrency)
	fmt.Fprintln(w, "| figure | value | reference | ratio | target | met |")
	fmt.Fprintln(w, "|---|---:|---|---:|---|---|")
	for _, f := range r.Figures {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", f.Name, value(f), reference(f), ratio(f), f.Target, met(f))
	}
	warnings(w, r.Service.LogWarnings)
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

func met(f figure) string {
	switch {
	case f.Met == nil:
		return ""
	case *f.Met:
		return "met"
	default:
		return "**missed**"
	}
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
	_, err = io.WriteString(stdout, "\n"+md.String())
	return err
}
