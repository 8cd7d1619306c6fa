package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The worker does not link the HTTP stack: it runs stages, and Fiber, huma
// and fasthttp would only add to its size, its start-up and its attack
// surface. A new import that drags them in fails here.
func TestWorkerLinksNoHTTPStack(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for pkg := range strings.Lines(string(out)) {
		pkg = strings.TrimSpace(pkg)
		for _, http := range []string{"github.com/gofiber/", "github.com/danielgtaylor/huma/", "github.com/valyala/fasthttp", "github.com/alex-advisor/alex/http"} {
			if strings.HasPrefix(pkg, http) {
				t.Errorf("cmd/worker links %s", pkg)
			}
		}
	}
}
