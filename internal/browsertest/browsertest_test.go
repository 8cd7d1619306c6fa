package browsertest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/alex-advisor/alex/internal/browsertest"
)

func TestPageRecordsForeignRequestsAndConsoleErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/cdn":
			_, _ = w.Write([]byte(`<!doctype html><title>cdn</title>
<script src="https://cdn.example.com/lib.js"></script>
<script>console.error("boom")</script><h1>cdn</h1>`))
		default:
			_, _ = w.Write([]byte(`<!doctype html><title>own</title><h1 id="h">self-contained</h1>`))
		}
	}))
	defer srv.Close()

	page := browsertest.New(t)
	page.Do(chromedp.Navigate(srv.URL + "/own"))
	heading := browsertest.Run(page, chromedp.Text(chromedp.CSS("#h")))
	if heading != "self-contained" {
		t.Fatalf("heading = %q", heading)
	}
	if f := page.ForeignRequests(srv.URL); len(f) != 0 {
		t.Fatalf("a page with no outside reference requested %v", f)
	}

	page.Do(chromedp.Navigate(srv.URL+"/cdn"), chromedp.WaitVisible(chromedp.CSS("h1")))
	foreign := page.ForeignRequests(srv.URL)
	if len(foreign) != 1 || !strings.HasPrefix(foreign[0], "https://cdn.example.com/") {
		t.Fatalf("foreign requests = %v, want the CDN script", foreign)
	}
	if c := page.ConsoleErrors(); len(c) == 0 || !strings.Contains(strings.Join(c, "\n"), "boom") {
		t.Fatalf("console errors = %v, want boom", c)
	}
}
