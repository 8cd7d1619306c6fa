package analysis

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"regexp"
	"testing"
)

var hexColor = regexp.MustCompile(`^#[0-9a-f]{6}$`)

func chartsOf(c ChartsPayload) map[string]Chart {
	return map[string]Chart{
		"asset_class_distribution": c.AssetClassDistribution,
		"geographic_exposure":      c.GeographicExposure,
		"sector_breakdown":         c.SectorBreakdown,
		"account_types":            c.AccountTypes,
		"top_holdings":             c.TopHoldings,
	}
}

// checkChart asserts the invariants every chart keeps.
func checkChart(t *testing.T, name string, c Chart, value float64) {
	t.Helper()
	var cents int64
	for i, s := range c.Data {
		cents += toCents(s.Value)
		if s.Value <= 0 || s.Value != float64(toCents(s.Value))/100 {
			t.Errorf("%s: slice %q has value %v, want positive whole cents", name, s.Name, s.Value)
		}
		if !hexColor.MatchString(s.Color) {
			t.Errorf("%s: slice %q has color %q", name, s.Name, s.Color)
		}
		if i > 0 {
			prev := c.Data[i-1]
			if prev.Value < s.Value || (prev.Value == s.Value && prev.Name > s.Name) {
				t.Errorf("%s: %q before %q is out of order", name, prev.Name, s.Name)
			}
		}
	}
	if want := toCents(value); cents != want {
		t.Errorf("%s: slices add up to %d cents, want %d", name, cents, want)
	}
	switch c.Type {
	case "pie", "donut", "bar", "horizontalBar":
	default:
		t.Errorf("%s: type %q", name, c.Type)
	}
}

func TestChartsAddUpToThePortfolioValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		p := randomPortfolio(rng)
		charts := Charts(p)
		for name, c := range chartsOf(charts) {
			checkChart(t, name, c, p.Value())
			if math.Abs(sumValues(c)-p.Value()) > 0.01 {
				t.Errorf("%s: float sum %v, value %v", name, sumValues(c), p.Value())
			}
		}
		if t.Failed() {
			t.Fatalf("portfolio: %+v", p)
		}
	}
}

func sumValues(c Chart) float64 {
	sum := 0.0
	for _, s := range c.Data {
		sum += s.Value
	}
	return sum
}

func TestChartsOfTheAlexPortfolio(t *testing.T) {
	p := alexTestPortfolio()
	charts := Charts(p)
	for name, c := range chartsOf(charts) {
		checkChart(t, name, c, 245170.50)
	}
	if got := len(charts.TopHoldings.Data); got != topHoldingsShown+2 {
		t.Errorf("top holdings has %d slices, want 10 holdings + Other + Cash", got)
	}
	want := Slice{Name: "Fixed Income", Value: 17269, Color: "#16a34a"}
	found := false
	for _, s := range charts.AssetClassDistribution.Data {
		found = found || s == want
	}
	if !found {
		t.Errorf("asset classes %v lack %v", charts.AssetClassDistribution.Data, want)
	}
	if !reflect.DeepEqual(p, alexTestPortfolio()) {
		t.Error("Charts modified its input")
	}
}

func TestChartsOfAnEmptyPortfolioHaveEmptyData(t *testing.T) {
	b, err := json.Marshal(Charts(emptyPortfolio()))
	if err != nil {
		t.Fatal(err)
	}
	var decoded map[string]struct{ Data []Slice }
	if err := json.Unmarshal(b, &decoded); err != nil {
		t.Fatal(err)
	}
	for name, c := range decoded {
		if c.Data == nil || len(c.Data) != 0 {
			t.Errorf("%s: data = %v, want []", name, c.Data)
		}
	}
}

func TestColorsAreStable(t *testing.T) {
	if got := colorFor("equity"); got != "#2563eb" {
		t.Errorf("equity color = %s", got)
	}
	if colorFor("Roth IRA") != colorFor("Roth IRA") || !hexColor.MatchString(colorFor("Roth IRA")) {
		t.Error("hashed colors are not stable hex colors")
	}
	for hue := 0.0; hue < 360; hue += 7 {
		if c := hslToHex(hue, 0.6, 0.5); !hexColor.MatchString(c) {
			t.Errorf("hslToHex(%v) = %s", hue, c)
		}
	}
}
