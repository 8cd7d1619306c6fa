package render

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/analysis"
)

// testNow is the fixed clock of the fixtures.
var testNow = time.Date(2026, time.November, 23, 14, 30, 0, 0, time.UTC)

var (
	usOnly     = map[string]float64{"north_america": 100}
	equityOnly = map[string]float64{"equity": 100}
	tech       = map[string]float64{"technology": 100}
)

func instrument(symbol, name, kind, currency string, price float64, regions, sectors, classes map[string]float64) analysis.Instrument {
	return analysis.Instrument{Symbol: symbol, Name: name, Type: kind, Currency: currency, Price: price, PriceSource: "seed",
		PriceUpdatedAt: testNow.Add(-time.Hour), Regions: regions, Sectors: sectors, AssetClasses: classes}
}

// demoPortfolio is the Alex demo's three accounts (populate-test-data),
// with the seeded prices.
func demoPortfolio() analysis.Portfolio {
	broad := map[string]float64{"technology": 30, "healthcare": 13, "financials": 13, "consumer_discretionary": 11,
		"communication": 9, "industrials": 9, "consumer_staples": 6, "energy": 4, "utilities": 3, "materials": 2}
	intl := map[string]float64{"europe": 40, "asia": 40, "north_america": 8, "oceania": 5, "latin_america": 3, "middle_east": 2, "africa": 2}
	bonds := map[string]float64{"fixed_income": 100}
	pos := func(in analysis.Instrument, qty float64) analysis.Position {
		return analysis.Position{Symbol: in.Symbol, Quantity: qty, Instrument: in}
	}
	return analysis.Portfolio{
		UserID: "user_demo", Currency: "USD", YearsUntilRetirement: 20, TargetRetirementIncome: 60000,
		AssetClassTargets: map[string]float64{"equity": 70, "fixed_income": 30},
		RegionTargets:     map[string]float64{"north_america": 50, "international": 50},
		Accounts: []analysis.Account{
			{ID: "a1", Name: "401k Long-term", Currency: "USD", CashBalance: 5000, Positions: []analysis.Position{
				pos(instrument("SPY", "SPDR S&P 500 ETF Trust", "etf", "USD", 450.25, usOnly, broad, equityOnly), 150),
				pos(instrument("VTI", "Vanguard Total Stock Market ETF", "etf", "USD", 289.40, usOnly, broad, equityOnly), 100),
				pos(instrument("BND", "Vanguard Total Bond Market ETF", "etf", "USD", 72.50, usOnly, map[string]float64{"treasury": 46, "corporate": 54}, bonds), 200),
				pos(instrument("QQQ", "Invesco QQQ Trust", "etf", "USD", 385.50, usOnly, tech, equityOnly), 75),
			}},
			{ID: "a2", Name: "Roth IRA", Currency: "USD", CashBalance: 2500, Positions: []analysis.Position{
				pos(instrument("VXUS", "Vanguard Total International Stock ETF", "etf", "USD", 64.85, intl, broad, equityOnly), 60),
				pos(instrument("VNQ", "Vanguard Real Estate ETF", "etf", "USD", 82.45, usOnly, map[string]float64{"real_estate": 100}, map[string]float64{"real_estate": 100}), 40),
				pos(instrument("GLD", "SPDR Gold Shares", "etf", "USD", 195.70, map[string]float64{"global": 100}, map[string]float64{"commodities": 100}, map[string]float64{"commodities": 100}), 25),
			}},
			{ID: "a3", Name: "Brokerage Account", Currency: "USD", CashBalance: 10000, Positions: []analysis.Position{
				pos(instrument("AAPL", "Apple Inc.", "stock", "USD", 229.35, usOnly, tech, equityOnly), 50),
				pos(instrument("NVDA", "NVIDIA Corporation", "stock", "USD", 138.90, usOnly, tech, equityOnly), 25),
				pos(instrument("MSFT", "Microsoft Corporation", "stock", "USD", 421.75, usOnly, tech, equityOnly), 30),
				pos(instrument("TSLA", "Tesla, Inc.", "stock", "USD", 251.45, usOnly, map[string]float64{"consumer_discretionary": 100}, equityOnly), 15),
				pos(instrument("AMZN", "Amazon.com, Inc.", "stock", "USD", 218.60, usOnly, map[string]float64{"consumer_discretionary": 100}, equityOnly), 10),
				pos(instrument("GOOGL", "Alphabet Inc. Class A", "stock", "USD", 176.20, usOnly, map[string]float64{"communication": 100}, equityOnly), 20),
			}},
		},
	}
}

// euroPortfolio counts in euros: a rupee fund converted at a stale rate,
// and a holding with no price.
func euroPortfolio() analysis.Portfolio {
	p := demoPortfolio()
	p.Accounts[2].Positions = append(p.Accounts[2].Positions,
		analysis.Position{Symbol: "MF120503", Quantity: 800, Instrument: instrument("MF120503", "Axis Bluechip Fund - Direct Growth",
			"mutual_fund", "INR", 61.22, map[string]float64{"asia": 100}, map[string]float64{"financials": 100}, equityOnly)},
		analysis.Position{Symbol: "XYZ", Quantity: 10, Instrument: analysis.Instrument{Symbol: "XYZ", Name: "XYZ - User Added", Type: "stock"}})
	rates := &alex.Rates{AsOf: time.Date(2026, time.November, 20, 0, 0, 0, 0, time.UTC), Stale: true,
		PerEUR: map[string]decimal.Decimal{"USD": decimal.RequireFromString("1.0298"), "INR": decimal.RequireFromString("88.25")}}
	return analysis.Valuate(p, analysis.Valuation{Currency: "EUR", Rates: rates, Now: testNow})
}

// completedJob runs every stage on p, as the worker does, and stores the
// payloads as JSON.
func completedJob(t testing.TB, p analysis.Portfolio) Job {
	t.Helper()
	charts := analysis.Charts(p)
	report := analysis.Report(p, testNow)
	opts := analysis.DefaultRetirementOptions()
	opts.Paths = 2000
	retirement := analysis.Simulate(p, opts, 42, testNow)
	summary := analysis.Summarize(analysis.Analyze(p), charts, retirement)
	done := testNow.Add(4 * time.Second)
	return Job{
		ID: "5b0c7a52-1d2e-4f3a-9b8c-7d6e5f4a3b2c", Status: "completed", CreatedAt: testNow, CompletedAt: &done,
		Stages: stages("completed", "completed", "completed", "completed", "completed"),
		Charts: mustJSON(t, charts), Report: mustJSON(t, report), Retirement: mustJSON(t, retirement),
		Summary: mustJSON(t, summary), Warnings: mustJSON(t, p.Warnings),
	}
}

func stages(statuses ...string) []Stage {
	names := []string{"planner", "charter", "reporter", "retirement", "summary"}
	out := make([]Stage, len(statuses))
	for i, s := range statuses {
		out[i] = Stage{Name: names[i], Status: s}
	}
	return out
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
