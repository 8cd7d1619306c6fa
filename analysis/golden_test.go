package analysis

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the current output")

// checkGolden compares got with testdata/<name>.golden, or rewrites the
// file when the tests run with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is out of date (run go test -update and review the diff):\n%s", path, firstDifference(string(want), string(got)))
	}
}

// firstDifference shows the first line where want and got differ.
func firstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + itoa(i+1) + ":\n  want: " + wl + "\n  got:  " + gl
		}
	}
	return "(no line differs; check trailing bytes)"
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func indentJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func TestGoldenCharts(t *testing.T) {
	for _, tc := range goldenPortfolios {
		t.Run(tc.name, func(t *testing.T) {
			checkGolden(t, "charts_"+tc.name+".json", indentJSON(t, Charts(tc.portfolio())))
		})
	}
}

func TestGoldenReports(t *testing.T) {
	for _, tc := range goldenPortfolios {
		t.Run(tc.name, func(t *testing.T) {
			checkGolden(t, "report_"+tc.name+".md", []byte(Report(tc.portfolio(), testNow).Content))
		})
	}
}

// TestGoldenRetirement pins the whole retirement payload of fixed
// portfolios, options and seed: its shape, its numbers and its wording. The
// simulation avoids fused multiply-adds in its own code, but math's and
// math/rand's may fuse on other architectures, so the bytes are only
// compared where the golden files are made.
func TestGoldenRetirement(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("the golden simulation is amd64's; %s may differ in the last bits", runtime.GOARCH)
	}
	opts := DefaultRetirementOptions()
	opts.Paths = 2000
	for _, tc := range goldenPortfolios {
		t.Run(tc.name, func(t *testing.T) {
			checkGolden(t, "retirement_"+tc.name+".json", indentJSON(t, Simulate(tc.portfolio(), opts, 42, testNow)))
		})
	}
	t.Run("alex_options", func(t *testing.T) {
		opts := DefaultRetirementOptions()
		err := json.Unmarshal([]byte(`{"paths": 1000, "annual_contribution": 20000, "retirement_years": 25, "inflation": 0.025,
			"returns": {"equity": {"mean": 0.06, "stdev": 0.2}, "cash": {"mean": 0.04, "stdev": 0.01}},
			"years_until_retirement": 10, "target_retirement_income": 50000}`), &opts)
		if err != nil {
			t.Fatal(err)
		}
		checkGolden(t, "retirement_alex_options.json", indentJSON(t, Simulate(alexTestPortfolio(), opts, 7, testNow)))
	})
}

// TestGoldenSummaries feeds the summary a fixed simulation result: the
// simulation's own floats are only bit-identical on one architecture
// (arm64 fuses multiply-adds), while the summary's wording is not.
func TestGoldenSummaries(t *testing.T) {
	for _, tc := range goldenPortfolios {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.portfolio()
			m := Analyze(p)
			checkGolden(t, "summary_"+tc.name+".json", indentJSON(t, Summarize(m, Charts(p), stubRetirement(m))))
		})
	}
}

// stubRetirement is a plausible simulation result: none for an empty
// portfolio, else a 68.4% success rate around the projected value.
func stubRetirement(m Metrics) RetirementPayload {
	ret := RetirementPayload{Assumptions: Assumptions{AnnualContribution: defaultContribution, TargetRetirementIncome: m.Retirement.TargetIncome}}
	if m.Value <= 0 {
		return ret
	}
	median := round2(m.Retirement.ProjectedValue * 2)
	ret.Paths = 10000
	ret.SuccessRate = 68.4
	ret.Percentiles = Percentiles{P10: round2(median * 0.45), P25: round2(median * 0.7), P50: median, P75: round2(median * 1.4), P90: round2(median * 2)}
	return ret
}
