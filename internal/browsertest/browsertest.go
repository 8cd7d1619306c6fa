// Package browsertest drives Debian's headless Chromium (through chromedp)
// for tests of the pages the service serves. Every page runs with the
// network cut except for loopback, and the browser records each request and
// each console error, so a test can assert that a page is self-contained.
//
// It may import nothing of this module (tests only).
package browsertest

import (
	"context"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Timeout bounds each Run; a page that hangs fails its test instead of
// holding the suite up.
const Timeout = 60 * time.Second

// Page is one browser tab.
type Page struct {
	t   testing.TB
	ctx context.Context

	mu       sync.Mutex
	requests []string
	console  []string
}

// New starts a headless Chromium with a fresh profile and opens a tab. A
// machine without Chromium fails the test: CI installs it (.ci/run).
func New(t testing.TB) *Page {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed (apt-get install chromium): %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI runs as root
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		// The network is cut: only loopback resolves, so a page that reaches
		// for a CDN fails visibly rather than hanging on a closed network.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	p := &Page{t: t}
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithListener(p.record))
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	p.ctx = ctx
	// The first Do starts the browser; it must not run under a timeout,
	// which would end the browser with it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return p
}

func (p *Page) record(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		p.requests = append(p.requests, ev.Request.URL)
	case *runtime.EventConsoleAPICalled:
		if ev.Type == "error" {
			p.console = append(p.console, consoleText(ev.Args))
		}
	case *runtime.EventExceptionThrown:
		p.console = append(p.console, exceptionText(ev.ExceptionDetails))
	}
}

func consoleText(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		if a.Description != "" {
			parts = append(parts, a.Description)
			continue
		}
		parts = append(parts, strings.Trim(string(a.Value), `"`))
	}
	return strings.Join(parts, " ")
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d.Exception != nil && d.Exception.Description != "" {
		return d.Exception.Description
	}
	return d.Text
}

// Do runs chromedp actions in the tab and fails the test on an error.
func (p *Page) Do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, Timeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("browser: %v", err)
	}
}

// Run runs one chromedp action that returns a value (a text, a PDF, a
// screenshot) and fails the test on an error.
func Run[T any](p *Page, action chromedp.Action[T]) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, Timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		p.t.Fatalf("browser: %v", err)
	}
	return v
}

// Context is the tab's context, for chromedp calls that Do and Run do not
// fit (an event iterator, a timeout of the test's own).
func (p *Page) Context() context.Context { return p.ctx }

// Requests lists every URL the tab has requested so far.
func (p *Page) Requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.requests...)
}

// ConsoleErrors lists console.error calls and uncaught exceptions so far.
func (p *Page) ConsoleErrors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.console...)
}

// ForeignRequests lists the requests that went to a host other than base's
// (data: URLs are part of the page and count as none).
func (p *Page) ForeignRequests(base string) []string {
	own, err := url.Parse(base)
	if err != nil {
		p.t.Fatalf("base URL %q: %v", base, err)
	}
	var foreign []string
	for _, r := range p.Requests() {
		u, err := url.Parse(r)
		if err != nil || (u.Scheme != "data" && u.Host != own.Host) {
			foreign = append(foreign, r)
		}
	}
	return foreign
}

// RequireSelfContained fails the test when the tab requested another host
// than base's or logged a console error.
func (p *Page) RequireSelfContained(base string) {
	p.t.Helper()
	if f := p.ForeignRequests(base); len(f) > 0 {
		p.t.Errorf("the page requested other hosts: %v", f)
	}
	if c := p.ConsoleErrors(); len(c) > 0 {
		p.t.Errorf("the page logged console errors: %v", c)
	}
}
