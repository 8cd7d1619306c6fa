package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// process is a program the bench started; its output goes to a log file of
// the run's directory.
type process struct {
	name   string
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // of Wait, once exited is closed
}

// startProcess runs bin in a process group of its own (a Ctrl-C reaches the
// bench, which then stops it) that the kernel ends if the bench dies.
func startProcess(dir, name string, env []string, bin string, args ...string) (*process, error) {
	logFile, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.exited)
	}()
	return p, nil
}

// pid is the process id.
func (p *process) pid() int { return p.cmd.Process.Pid }

// stop asks the process to shut down and kills it if it has not after 10 s.
func (p *process) stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = syscall.Kill(-p.pid(), syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
		<-p.exited
	}
}

// failedEarly tells, without waiting, whether the process has already ended.
func (p *process) failedEarly() error {
	select {
	case <-p.exited:
		return fmt.Errorf("%s exited: %v (see %s.log)", p.name, p.err, p.name)
	default:
		return nil
	}
}

// memory is what /proc/<pid>/status says of a process's resident memory.
type memory struct {
	RSSMiB  float64 `json:"rss_mib"`  // VmRSS
	PeakMiB float64 `json:"peak_mib"` // VmHWM
}

func (p *process) memory() (memory, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.pid()))
	if err != nil {
		return memory{}, fmt.Errorf("memory of %s: %w", p.name, err)
	}
	return parseProcStatus(string(raw)), nil
}

// parseProcStatus reads VmRSS and VmHWM (in kB) of a /proc/<pid>/status.
func parseProcStatus(status string) memory {
	var m memory
	for line := range strings.Lines(status) {
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 64)
		if err != nil {
			continue
		}
		switch key {
		case "VmRSS":
			m.RSSMiB = kb / 1024
		case "VmHWM":
			m.PeakMiB = kb / 1024
		}
	}
	return m
}

// buildBinaries builds each package into dir and returns the paths by
// package.
func buildBinaries(ctx context.Context, dir string, pkgs ...string) (map[string]string, error) {
	bins := make(map[string]string, len(pkgs))
	args := []string{"build", "-o", dir + "/"}
	for _, pkg := range pkgs {
		args = append(args, pkg)
		bins[pkg] = filepath.Join(dir, filepath.Base(pkg))
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build %s: %w\n%s", strings.Join(pkgs, " "), err, out)
	}
	return bins, nil
}

// freePort is a TCP port of 127.0.0.1 that nothing listened on a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startRedis runs a private redis-server without persistence on a free
// port, so the bench shares nothing with other Redis users of the machine.
func startRedis(ctx context.Context, dir string) (*process, string, error) {
	port, err := freePort()
	if err != nil {
		return nil, "", err
	}
	p, err := startProcess(dir, "redis-server", nil, "redis-server",
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
	if err != nil {
		return nil, "", err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	err = waitFor(ctx, p, 10*time.Second, func(ctx context.Context) error {
		c := redis.NewClient(&redis.Options{Addr: addr})
		defer c.Close()
		return c.Ping(ctx).Err()
	})
	if err != nil {
		p.stop()
		return nil, "", err
	}
	return p, addr, nil
}

// waitFor polls ready until it succeeds, the process exits or within passes.
func waitFor(ctx context.Context, p *process, within time.Duration, ready func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	for {
		err := ready(ctx)
		if err == nil {
			return nil
		}
		if exitErr := p.failedEarly(); exitErr != nil {
			return exitErr
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready within %s: %w", p.name, within, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitHTTP waits until url answers 200.
func waitHTTP(ctx context.Context, p *process, url string) error {
	return waitFor(ctx, p, 60*time.Second, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", url, res.Status)
		}
		return nil
	})
}

// postgresURL is base with its database replaced by db.
func postgresURL(base, db string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("postgres URL: %w", err)
	}
	u.Path = "/" + db
	return u.String(), nil
}

// recreateDatabase drops db (closing its connections) and creates it empty.
func recreateDatabase(ctx context.Context, adminURL, db string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connect %s: %w", adminURL, err)
	}
	defer conn.Close(ctx)
	ident := pgx.Identifier{db}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", db, err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		return fmt.Errorf("create database %s: %w", db, err)
	}
	return nil
}

// dropDatabase removes a scratch database; a failure is only reported.
func dropDatabase(adminURL, db string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("drop database %s: %w", db, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{db}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", db, err)
	}
	return nil
}

// logWarnings counts the warning and error lines of a process's JSON log
// by message; a deadlock reported by PostgreSQL is counted on its own too.
func logWarnings(path string) (map[string]int, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read log: %w", err)
	}
	counts := make(map[string]int)
	for line := range strings.Lines(string(raw)) {
		var entry struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
			Err   string `json:"err"`
		}
		if json.Unmarshal([]byte(line), &entry) != nil || (entry.Level != "WARN" && entry.Level != "ERROR") {
			continue
		}
		counts[entry.Msg]++
		if strings.Contains(entry.Err, "deadlock detected") {
			counts["deadlock detected"]++
		}
	}
	return counts, nil
}
