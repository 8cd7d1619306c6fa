package analysis

import (
	"os/exec"
	"strings"
	"testing"
)

// The analysis is pure: no network, no database, no processes. The LLM narrator
// lives in package narrator; a new import that brings I/O back fails here.
func TestAnalysisDoesNoIO(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for pkg := range strings.Lines(string(out)) {
		pkg = strings.TrimSpace(pkg)
		for _, io := range []string{"net", "os/exec", "github.com/alex-advisor/alex/store"} {
			if pkg == io || strings.HasPrefix(pkg, io+"/") {
				t.Errorf("package analysis links %s", pkg)
			}
		}
	}
}
