package display_test

import (
	"math"
	"testing"

	"github.com/alex-advisor/alex/display"
)

func TestGrouped(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0", "999": "999", "1000": "1,000", "1234567.89": "1,234,567.89",
		"-1234567.5": "-1,234,567.5", "-999.00": "-999.00", "100000": "100,000",
	} {
		if got := display.Grouped(in); got != want {
			t.Errorf("Grouped(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRate(t *testing.T) {
	for r, want := range map[float64]string{0.0115551: "0.011555", 1.02980: "1.0298", 83.4700: "83.47", 12345.678: "12346"} {
		if got, ok := display.Rate(r); !ok || got != want {
			t.Errorf("Rate(%v) = %q, %v; want %q", r, got, ok, want)
		}
	}
	for _, r := range []float64{0, -1, math.Inf(1), math.NaN()} {
		if _, ok := display.Rate(r); ok {
			t.Errorf("Rate(%v) is ok", r)
		}
	}
}

func TestShare(t *testing.T) {
	if got := display.Share(25, 200); got != 12.5 {
		t.Errorf("Share(25, 200) = %v", got)
	}
	if got := display.Share(25, 0); got != 0 {
		t.Errorf("Share(25, 0) = %v", got)
	}
}
