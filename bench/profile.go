package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// pprofEnv is the PPROF_ADDR setting of a process, with -profile.
func (b *bench) pprofEnv(name string) []string {
	if !b.Profile {
		return nil
	}
	port, err := freePort()
	if err != nil {
		return nil
	}
	b.pprofPort[name] = port
	return []string{fmt.Sprintf("PPROF_ADDR=127.0.0.1:%d", port)}
}

// profile takes a CPU profile of a process for d in the background; the
// returned func waits for it and writes the top functions to
// <out>/profile-<label>.txt.
func (b *bench) profile(ctx context.Context, name, label string, d time.Duration) (wait func()) {
	port, ok := b.pprofPort[name]
	if !b.Profile || !ok {
		return func() {}
	}
	done := make(chan error, 1)
	go func() { done <- b.saveProfile(ctx, name, label, port, d) }()
	return func() {
		if err := <-done; err != nil {
			step("profile of %s: %v", name, err)
		}
	}
}

func (b *bench) saveProfile(ctx context.Context, name, label string, port int, d time.Duration) error {
	url := fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/profile?seconds=%d", port, int(d.Seconds()))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	path := filepath.Join(b.dir, label+".pprof")
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.ReadFrom(res.Body); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	bin := b.binaryOf(name)
	if err := os.MkdirAll(b.OutDir, 0o755); err != nil {
		return err
	}
	return topFunctions(ctx, bin, path, filepath.Join(b.OutDir, "profile-"+label+".txt"))
}

// topFunctions writes the top functions of a profile to out: by their own
// time, then with what they call.
func topFunctions(ctx context.Context, bin, profile, out string) error {
	var text []byte
	for _, order := range []string{"-flat", "-cum"} {
		top, err := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", order, "-nodecount=30", bin, profile).CombinedOutput()
		if err != nil {
			return fmt.Errorf("go tool pprof: %w\n%s", err, top)
		}
		text = append(text, top...)
		text = append(text, '\n')
	}
	return os.WriteFile(out, text, 0o644)
}
