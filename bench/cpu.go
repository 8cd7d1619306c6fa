package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// cpuTimes are the machine's CPU times since boot, in ticks, from the first
// line of /proc/stat.
type cpuTimes struct {
	busy, idle, steal uint64
}

// readCPUTimes reads /proc/stat; on a system without one it reads zeros,
// and the figures derived from them say nothing.
func readCPUTimes() cpuTimes {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTimes{}
	}
	t, _ := parseCPUTimes(string(raw))
	return t
}

// parseCPUTimes reads "cpu user nice system idle iowait irq softirq steal
// ..." (guest time is counted in user already).
func parseCPUTimes(stat string) (cpuTimes, error) {
	line, _, _ := strings.Cut(stat, "\n")
	fields := strings.Fields(line)
	if len(fields) < 9 || fields[0] != "cpu" {
		return cpuTimes{}, fmt.Errorf("not a /proc/stat cpu line: %q", line)
	}
	var v [8]uint64
	for i := range v {
		n, err := strconv.ParseUint(fields[i+1], 10, 64)
		if err != nil {
			return cpuTimes{}, fmt.Errorf("/proc/stat field %d: %w", i+1, err)
		}
		v[i] = n
	}
	user, nice, system, idle, iowait, irq, softirq, steal := v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]
	return cpuTimes{busy: user + nice + system + irq + softirq, idle: idle + iowait, steal: steal}, nil
}

// since is the difference between two readings, t the later.
func (t cpuTimes) since(earlier cpuTimes) cpuTimes {
	return cpuTimes{busy: t.busy - earlier.busy, idle: t.idle - earlier.idle, steal: t.steal - earlier.steal}
}

func (t cpuTimes) total() uint64 { return t.busy + t.idle + t.steal }

// busyCPUs is how many of cpus a difference of readings kept busy.
func (t cpuTimes) busyCPUs(cpus int) float64 {
	if t.total() == 0 {
		return 0
	}
	return float64(t.busy) / float64(t.total()) * float64(cpus)
}

// stealPercent is the share of a difference of readings that the
// hypervisor gave to other machines.
func (t cpuTimes) stealPercent() float64 {
	if t.total() == 0 {
		return 0
	}
	return float64(t.steal) / float64(t.total()) * 100
}

// busyCPUsNow measures how many CPUs other work keeps busy, over window.
func busyCPUsNow(window time.Duration, cpus int) float64 {
	before := readCPUTimes()
	time.Sleep(window)
	return readCPUTimes().since(before).busyCPUs(cpus)
}

// noiseNote says how far other work may have moved the figures: what kept
// the CPUs busy just before the run, and what the hypervisor took during it.
func noiseNote(busyBefore float64, cpus int, stealPercent float64) string {
	if busyBefore < float64(cpus)/10 && stealPercent < 2 {
		return fmt.Sprintf("The machine was quiet: %.2f of %d CPUs busy before the run, %.1f%% of CPU time taken by the hypervisor during it.",
			busyBefore, cpus, stealPercent)
	}
	return fmt.Sprintf("Other work kept %.2f of %d CPUs busy before the run and the hypervisor took %.1f%% of CPU time during it: absolute figures are low and noisy; compare ratios.",
		busyBefore, cpus, stealPercent)
}
