package analysis

import (
	"maps"
	"math"
	"regexp"
	"slices"
	"testing"

	"github.com/alex-advisor/alex"
)

var snakeCase = regexp.MustCompile(`^[a-z]+(_[a-z]+)*$`)

// checkPercentages fails unless m is non-empty, sums to exactly 100 in
// hundredths, and has keys from allowed (any snake_case key if allowed is nil).
func checkPercentages(t *testing.T, what string, m map[string]float64, allowed []string) {
	t.Helper()
	if len(m) == 0 {
		t.Errorf("%s: empty", what)
		return
	}
	var hundredths int64
	sum := 0.0
	for k, v := range m {
		if allowed != nil && !slices.Contains(allowed, k) {
			t.Errorf("%s: key %q not in %v", what, k, allowed)
		}
		if !snakeCase.MatchString(k) {
			t.Errorf("%s: key %q is not snake_case", what, k)
		}
		if v <= 0 {
			t.Errorf("%s: %s = %v, want > 0", what, k, v)
		}
		hundredths += int64(math.Round(v * 100))
		sum += v
	}
	if hundredths != 10000 || math.Abs(sum-100) > 1e-9 {
		t.Errorf("%s: %v sums to %v, want 100", what, m, sum)
	}
}

func TestClassifyFillsEveryMapWithValidKeys(t *testing.T) {
	kinds := []string{"etf", "stock", "mutual_fund", "bond_fund", "bond", "commodity", "reit", "", "ETF"}
	names := []string{
		"", "XYZ - User Added", "Acme Widgets Inc", "Goldman Sachs Group", "Pacific Gas and Electric",
		"Vanguard Total Bond Market Index", "iShares 20+ Year Treasury Bond ETF", "Municipal Income Fund",
		"Vanguard Real Estate Index", "Realty Income Corp", "SPDR Gold Shares", "iShares Silver Trust",
		"Fidelity Government Money Market", "Vanguard FTSE Emerging Markets", "Schwab International Equity",
		"Vanguard Total World Stock", "iShares MSCI Japan", "iShares Latin America 40", "Vanguard FTSE Pacific",
		"Europe & Asia Fund", "Vanguard Total International Stock ex-US", "Vanguard Balanced Index",
		"iShares Aggressive Allocation", "Conservative Hybrid Fund", "Target Retirement 2050",
		"HDFC Top 100 Fund (Equity Scheme - Large Cap Fund)", "Axis Liquid Fund (Debt Scheme - Liquid Fund)",
		"ICICI Prudential Balanced Advantage Fund (Hybrid Scheme - Balanced Advantage)",
		"SBI Magnum Gilt Fund (Debt Scheme - Gilt Fund)", "Nippon India ETF Gold BeES (Other Scheme - Gold ETF)",
		"Kotak Equity Arbitrage Fund (Hybrid Scheme - Arbitrage Fund)", "Quant Multi Asset Fund (Hybrid Scheme - Multi Asset Allocation)",
		"Mirae Asset Equity Savings Fund", "Motilal Oswal Nasdaq 100 FOF (Other Scheme - FoF Overseas)",
		"Technology Select Sector SPDR", "Health Care & Biotech Fund", "Vanguard Equity Income Fund",
		"Toyota Motor Corp ADR", "Barrick Gold Corp", "Taiwan Semiconductor Manufacturing",
	}
	symbols := []string{"XYZ", "RELIANCE.NS", "VOD.L", "SHOP.TO", "BHP.AX", "ABCDEF"}
	for _, kind := range kinds {
		for _, name := range names {
			for _, sym := range symbols {
				out := Classify(Instrument{Symbol: sym, Name: name, Type: kind})
				what := kind + "/" + name + "/" + sym
				checkPercentages(t, what+" regions", out.Regions, alex.Regions)
				checkPercentages(t, what+" asset classes", out.AssetClasses, alex.AssetClasses)
				checkPercentages(t, what+" sectors", out.Sectors, nil)
				if !out.Inferred {
					t.Errorf("%s: Inferred = false", what)
				}
			}
		}
	}
}

func TestClassifyKnownTickersSumTo100(t *testing.T) {
	for _, sym := range sortedKeys(knownInstruments) {
		out := Classify(Instrument{Symbol: sym, Type: "stock", Name: sym + " - User Added"})
		checkPercentages(t, sym+" regions", out.Regions, alex.Regions)
		checkPercentages(t, sym+" asset classes", out.AssetClasses, alex.AssetClasses)
		checkPercentages(t, sym+" sectors", out.Sectors, nil)
	}
}

func TestClassifyRules(t *testing.T) {
	tests := []struct {
		name, kind, symbol string
		assets, regions    map[string]float64
		sector             string // a key the sectors must contain
	}{
		{"Equity Scheme - Large Cap Fund", "mutual_fund", "HDFC100",
			map[string]float64{"equity": 100}, map[string]float64{"asia": 100}, "diversified"},
		{"Debt Scheme - Liquid Fund", "mutual_fund", "AXISLIQ",
			map[string]float64{"cash": 100}, map[string]float64{"asia": 100}, "cash"},
		{"Hybrid Scheme - Balanced Advantage", "mutual_fund", "ICICIBA",
			map[string]float64{"equity": 50, "fixed_income": 50}, map[string]float64{"asia": 100}, "government"},
		{"Hybrid Scheme - Aggressive Hybrid Fund", "mutual_fund", "SBIAGG",
			map[string]float64{"equity": 75, "fixed_income": 25}, map[string]float64{"asia": 100}, "diversified"},
		{"Hybrid Scheme - Conservative Hybrid Fund", "mutual_fund", "SBICON",
			map[string]float64{"equity": 25, "fixed_income": 75}, map[string]float64{"asia": 100}, "corporate"},
		{"Debt Scheme - Gilt Fund", "mutual_fund", "SBIGILT",
			map[string]float64{"fixed_income": 100}, map[string]float64{"asia": 100}, "government"},
		{"Other Scheme - Gold ETF", "etf", "GOLDBEES",
			map[string]float64{"commodities": 100}, map[string]float64{"global": 100}, "commodities"},
		{"Vanguard Balanced Index Fund", "mutual_fund", "VBIAX",
			map[string]float64{"equity": 60, "fixed_income": 40}, map[string]float64{"north_america": 100}, "diversified"},
		{"Vanguard Real Estate Index", "mutual_fund", "VGSLX",
			map[string]float64{"real_estate": 100}, map[string]float64{"north_america": 100}, "real_estate"},
		{"iShares MSCI Japan", "etf", "EWJX",
			map[string]float64{"equity": 100}, map[string]float64{"asia": 100}, "diversified"},
		{"Schwab International Equity", "etf", "SCHFX",
			map[string]float64{"equity": 100}, map[string]float64{"international": 100}, "diversified"},
		{"Vanguard Total International Stock ex-US", "etf", "VTIAX",
			map[string]float64{"equity": 100}, map[string]float64{"international": 100}, "diversified"},
		{"Vanguard Equity Income Fund", "mutual_fund", "VEIPX",
			map[string]float64{"equity": 100}, map[string]float64{"north_america": 100}, "diversified"},
		{"Municipal Income Fund", "mutual_fund", "MUNIX",
			map[string]float64{"fixed_income": 100}, map[string]float64{"north_america": 100}, "government"},
		{"Goldman Sachs Group", "stock", "GSX",
			map[string]float64{"equity": 100}, map[string]float64{"north_america": 100}, "other"},
		{"First National Bank Corp", "stock", "FNBX",
			map[string]float64{"equity": 100}, map[string]float64{"north_america": 100}, "financials"},
		{"Pacific Gas and Electric", "stock", "PCGX",
			map[string]float64{"equity": 100}, map[string]float64{"north_america": 100}, "utilities"},
		{"Reliance Industries", "stock", "RELIANCE.NS",
			map[string]float64{"equity": 100}, map[string]float64{"asia": 100}, "industrials"},
		{"Toyota Motor Corp ADR", "stock", "TMX",
			map[string]float64{"equity": 100}, map[string]float64{"international": 100}, "consumer_discretionary"},
		{"XYZ - User Added", "stock", "XYZ",
			map[string]float64{"equity": 100}, map[string]float64{"north_america": 100}, "other"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := Classify(Instrument{Symbol: tc.symbol, Name: tc.name, Type: tc.kind})
			if !maps.Equal(out.AssetClasses, tc.assets) {
				t.Errorf("asset classes = %v, want %v", out.AssetClasses, tc.assets)
			}
			if !maps.Equal(out.Regions, tc.regions) {
				t.Errorf("regions = %v, want %v", out.Regions, tc.regions)
			}
			if out.Sectors[tc.sector] <= 0 {
				t.Errorf("sectors = %v, want some %s", out.Sectors, tc.sector)
			}
		})
	}
}

func TestClassifyKeepsGivenMapsAndDoesNotMutate(t *testing.T) {
	in := Instrument{
		Symbol:       "SPY",
		Type:         "etf",
		Regions:      map[string]float64{"north_america": 99.99},
		AssetClasses: map[string]float64{"equity": 100},
	}
	out := Classify(in)
	if !maps.Equal(out.Regions, map[string]float64{"north_america": 100}) {
		t.Errorf("regions = %v, want rescaled to 100", out.Regions)
	}
	if in.Regions["north_america"] != 99.99 || in.Sectors != nil {
		t.Errorf("input mutated: %+v", in)
	}
	if !out.Inferred || out.Sectors["technology"] <= 0 {
		t.Errorf("sectors of SPY not filled in: %+v", out)
	}
	full := Classify(out)
	if full.Inferred != out.Inferred || !maps.Equal(full.Sectors, out.Sectors) {
		t.Errorf("classifying a complete instrument changed it: %+v", full)
	}
	if Classify(Instrument{Symbol: "X", Regions: out.Regions, Sectors: out.Sectors, AssetClasses: out.AssetClasses}).Inferred {
		t.Error("complete instrument marked Inferred")
	}
}

func TestClassifyRetypesKnownFundsGuessedAsStocks(t *testing.T) {
	out := Classify(Instrument{Symbol: "VTI", Name: "VTI - User Added", Type: "stock"})
	if out.Type != "etf" {
		t.Errorf("type = %q, want etf", out.Type)
	}
	if out := Classify(Instrument{Symbol: "VTI", Type: "mutual_fund"}); out.Type != "mutual_fund" {
		t.Errorf("explicit type overwritten: %q", out.Type)
	}
}

func TestApportionAddsUpExactly(t *testing.T) {
	tests := []struct {
		shares []float64
		total  int64
		want   []int64
	}{
		{[]float64{1, 1, 1}, 10000, []int64{3334, 3333, 3333}},
		{[]float64{0.1, 0.2, 0.3}, 100, []int64{17, 33, 50}},
		{[]float64{0, 5, 0}, 7, []int64{0, 7, 0}},
		{[]float64{0, 0}, 7, nil},
		{[]float64{math.NaN(), 1}, 5, []int64{0, 5}},
	}
	for _, tc := range tests {
		if got := apportion(tc.shares, tc.total); !slices.Equal(got, tc.want) {
			t.Errorf("apportion(%v, %d) = %v, want %v", tc.shares, tc.total, got, tc.want)
		}
	}
}
