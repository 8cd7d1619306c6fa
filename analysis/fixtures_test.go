package analysis

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/shopspring/decimal"

	"github.com/alex-advisor/alex"
)

// testNow is the fixed clock of every test.
var testNow = time.Date(2025, time.January, 15, 15, 0, 0, 0, time.UTC)

// priceTime is when the fixtures' prices were last updated.
var priceTime = testNow.Add(-time.Hour)

// withDefaultUser gives p the settings a new Alex user starts with.
func withDefaultUser(p Portfolio) Portfolio {
	p.YearsUntilRetirement = 20
	p.TargetRetirementIncome = 60000
	p.AssetClassTargets = map[string]float64{"equity": 70, "fixed_income": 30}
	p.RegionTargets = map[string]float64{"north_america": 50, "international": 50}
	return p
}

// seeded is an instrument migrated in with full allocation data.
func seeded(symbol, name, kind string, price float64, regions, sectors, assets map[string]float64) Instrument {
	return Instrument{Symbol: symbol, Name: name, Type: kind, Price: price, PriceUpdatedAt: priceTime, PriceSource: "seed",
		Regions: regions, Sectors: sectors, AssetClasses: assets}
}

// userAdded is an instrument the API created for an unknown symbol: typed
// by its length and without allocations, for the planner to fill in.
func userAdded(symbol string, price float64) Instrument {
	kind := "stock"
	if len(symbol) > 5 {
		kind = "etf"
	}
	return Instrument{Symbol: symbol, Name: symbol + " - User Added", Type: kind, Price: price, PriceUpdatedAt: priceTime, PriceSource: "market"}
}

var (
	usOnly      = map[string]float64{"north_america": 100}
	equityOnly  = map[string]float64{"equity": 100}
	bondsOnly   = map[string]float64{"fixed_income": 100}
	instruments = map[string]Instrument{
		"SPY": seeded("SPY", "SPDR S&P 500 ETF Trust", "etf", 450.25, usOnly,
			map[string]float64{"technology": 28, "healthcare": 13, "financials": 13, "consumer_discretionary": 10, "communication": 9,
				"industrials": 8, "consumer_staples": 6, "energy": 4, "utilities": 3, "real_estate": 3, "materials": 3}, equityOnly),
		"QQQ": seeded("QQQ", "Invesco QQQ Trust", "etf", 385.50, usOnly,
			map[string]float64{"technology": 51, "consumer_discretionary": 17, "communication": 16, "healthcare": 6,
				"consumer_staples": 5, "industrials": 4, "utilities": 1}, equityOnly),
		"IWM": seeded("IWM", "iShares Russell 2000 ETF", "etf", 205.75, usOnly,
			map[string]float64{"industrials": 17, "financials": 16, "healthcare": 16, "technology": 14, "consumer_discretionary": 11,
				"real_estate": 7, "energy": 7, "materials": 5, "utilities": 3, "consumer_staples": 2, "communication": 2}, equityOnly),
		"BND": seeded("BND", "Vanguard Total Bond Market ETF", "bond_fund", 72.50, usOnly,
			map[string]float64{"treasury": 46, "government": 24, "corporate": 30}, bondsOnly),
		"TLT": seeded("TLT", "iShares 20+ Year Treasury Bond ETF", "bond_fund", 92.30, usOnly,
			map[string]float64{"treasury": 100}, bondsOnly),
		"VNQ": seeded("VNQ", "Vanguard Real Estate ETF", "reit", 82.45, usOnly,
			map[string]float64{"real_estate": 100}, map[string]float64{"real_estate": 100}),
		"GLD": seeded("GLD", "SPDR Gold Shares", "commodity", 195.70, map[string]float64{"global": 100},
			map[string]float64{"commodities": 100}, map[string]float64{"commodities": 100}),
		"VIG": seeded("VIG", "Vanguard Dividend Appreciation ETF", "etf", 168.90, usOnly,
			map[string]float64{"technology": 24, "financials": 21, "healthcare": 15, "industrials": 12, "consumer_staples": 11,
				"consumer_discretionary": 7, "materials": 4, "utilities": 3, "communication": 2, "energy": 1}, equityOnly),
		"VTI":   userAdded("VTI", 268.40),
		"VXUS":  userAdded("VXUS", 61.25),
		"TSLA":  userAdded("TSLA", 248.50),
		"AAPL":  userAdded("AAPL", 229.00),
		"AMZN":  userAdded("AMZN", 186.40),
		"NVDA":  userAdded("NVDA", 118.10),
		"MSFT":  userAdded("MSFT", 415.60),
		"GOOGL": userAdded("GOOGL", 171.20),
	}
)

func position(symbol string, quantity float64) Position {
	return Position{Symbol: symbol, Quantity: quantity, Instrument: instruments[symbol].clone()}
}

// alexTestPortfolio is the portfolio POST /populate-test-data creates.
func alexTestPortfolio() Portfolio {
	return withDefaultUser(Portfolio{
		UserID: "user_alex",
		Accounts: []Account{
			{ID: "acc-401k", Name: "401k Long-term", Purpose: "retirement", CashBalance: 5000, Positions: []Position{
				position("SPY", 150), position("VTI", 100), position("BND", 200), position("QQQ", 75), position("IWM", 50),
			}},
			{ID: "acc-roth", Name: "Roth IRA", Purpose: "retirement", CashBalance: 2500, Positions: []Position{
				position("VTI", 80), position("VXUS", 60), position("VNQ", 40), position("GLD", 25), position("TLT", 30), position("VIG", 45),
			}},
			{ID: "acc-brokerage", Name: "Brokerage Account", Purpose: "taxable investing", CashBalance: 10000, Positions: []Position{
				position("TSLA", 15), position("AAPL", 50), position("AMZN", 10), position("NVDA", 25), position("MSFT", 30), position("GOOGL", 20),
			}},
		},
	})
}

func emptyPortfolio() Portfolio {
	return withDefaultUser(Portfolio{UserID: "user_empty"})
}

func cashOnlyPortfolio() Portfolio {
	return withDefaultUser(Portfolio{UserID: "user_cash", Accounts: []Account{
		{ID: "acc-savings", Name: "High-Yield Savings", Purpose: "emergency fund", CashBalance: 25000, CashInterest: 0.045},
	}})
}

func singleStockPortfolio() Portfolio {
	return withDefaultUser(Portfolio{UserID: "user_single", Accounts: []Account{
		{ID: "acc-brokerage", Name: "Brokerage Account", Purpose: "taxable investing", Positions: []Position{position("AAPL", 100)}},
	}})
}

// testRates is a fixed ECB table: 1 EUR = 1.0298 USD = 89.12 INR. It has
// no GBP, so a holding priced in pounds cannot be valued.
var testRates = alex.Rates{
	AsOf: time.Date(2025, time.January, 14, 0, 0, 0, 0, time.UTC),
	PerEUR: map[string]decimal.Decimal{
		"USD": decimal.RequireFromString("1.0298"),
		"INR": decimal.RequireFromString("89.12"),
	},
}

// testValuation values in USD at testRates, calling prices older than a
// week out of date.
var testValuation = Valuation{Currency: "USD", Rates: &testRates, Now: testNow, StaleAfter: 7 * 24 * time.Hour}

// valuedPortfolio is run through Valuate: a euro cash balance, an Indian
// fund priced in rupees, a price a month old, a holding with no price
// (VTX) and one priced in pounds, which testRates cannot convert (ABC).
func valuedPortfolio() Portfolio {
	fund := Instrument{Symbol: "HDFCTOP100", Name: "HDFC Top 100 Fund (Equity Scheme - Large Cap Fund)", Type: "mutual_fund",
		Price: 1050.75, Currency: "INR", PriceSource: "amfi", PriceUpdatedAt: testNow.Add(-20 * time.Hour)}
	old := instruments["BND"].clone()
	old.PriceSource, old.PriceUpdatedAt = "user", time.Date(2024, time.December, 10, 0, 0, 0, 0, time.UTC)
	unpriced := Instrument{Symbol: "VTX", Name: "VTX - User Added", Type: "stock", PriceSource: "market"}
	pounds := Instrument{Symbol: "ABC", Name: "ABC plc", Type: "stock", Price: 4.25, Currency: "GBP", PriceSource: "market", PriceUpdatedAt: priceTime}
	p := withDefaultUser(Portfolio{UserID: "user_valued", Accounts: []Account{
		{ID: "acc-brokerage", Name: "Brokerage Account", Purpose: "taxable investing", CashBalance: 3000, CashInterest: 0.04, Positions: []Position{
			position("SPY", 20), position("VXUS", 40), {Symbol: "VTX", Quantity: 12, Instrument: unpriced},
			{Symbol: "ABC", Quantity: 300, Instrument: pounds},
		}},
		{ID: "acc-europe", Name: "Euro Savings", Purpose: "emergency fund", Currency: "EUR", CashBalance: 5000, CashInterest: 0.02, Positions: []Position{
			{Symbol: "BND", Quantity: 30, Instrument: old},
		}},
		{ID: "acc-india", Name: "India MF Folio", Purpose: "retirement", Currency: "INR", Positions: []Position{
			{Symbol: "HDFCTOP100", Quantity: 250, Instrument: fund},
		}},
	}})
	return Valuate(p, testValuation)
}

// goldenPortfolios are the fixtures with golden charts and reports.
var goldenPortfolios = []struct {
	name      string
	portfolio func() Portfolio
}{
	{"alex", alexTestPortfolio},
	{"empty", emptyPortfolio},
	{"cash_only", cashOnlyPortfolio},
	{"single_stock", singleStockPortfolio},
	{"valued", valuedPortfolio},
}

// randomPortfolio draws a portfolio of known and unknown instruments,
// some with allocations and some without, with awkward fractional amounts.
func randomPortfolio(rng *rand.Rand) Portfolio {
	known := sortedKeys(knownInstruments)
	kinds := []string{"etf", "stock", "mutual_fund", "bond_fund", "bond", "commodity", "reit", ""}
	names := []string{"Global Growth Fund", "Acme Corp", "Debt Scheme - Liquid Fund", "Gold Trust", "Emerging Asia Fund",
		"Hybrid Scheme - Aggressive Hybrid Fund", "Municipal Bond Fund", "Realty Income", "Tech Leaders ETF"}
	p := withDefaultUser(Portfolio{UserID: fmt.Sprintf("user_%d", rng.IntN(1000))})
	for a := range rng.IntN(5) {
		acct := Account{Name: fmt.Sprintf("Account %d", a), CashInterest: rng.Float64() / 10}
		if rng.IntN(5) > 0 {
			acct.CashBalance = float64(rng.IntN(5_000_000)) / 100
		}
		for range rng.IntN(9) {
			var in Instrument
			if rng.IntN(2) == 0 {
				in = Instrument{Symbol: known[rng.IntN(len(known))], Type: kinds[rng.IntN(len(kinds))]}
			} else {
				in = Instrument{Symbol: fmt.Sprintf("X%d", rng.IntN(50)), Name: names[rng.IntN(len(names))], Type: kinds[rng.IntN(len(kinds))]}
			}
			in.Price = float64(rng.IntN(100_000)+1) / 100
			if rng.IntN(4) == 0 {
				in.Regions = map[string]float64{"europe": rng.Float64() * 50, "asia": rng.Float64() * 50}
			}
			acct.Positions = append(acct.Positions, Position{Symbol: in.Symbol, Quantity: float64(rng.IntN(1_000_000)+1) / 1000, Instrument: in})
		}
		p.Accounts = append(p.Accounts, acct)
	}
	return p
}

// randomValuedPortfolio is a randomPortfolio with some holdings priced in
// rupees or euros, some without a price and some in pounds (no rate),
// valued at testRates in USD or EUR.
func randomValuedPortfolio(rng *rand.Rand) Portfolio {
	p := randomPortfolio(rng)
	for i := range p.Accounts {
		a := &p.Accounts[i]
		a.Currency = []string{"", "USD", "EUR", "INR"}[rng.IntN(4)]
		for j := range a.Positions {
			in := &a.Positions[j].Instrument
			switch rng.IntN(8) {
			case 0:
				in.Price = 0
			case 1:
				in.Currency = "GBP"
			case 2:
				in.Currency = "INR"
			case 3:
				in.Currency = "EUR"
			}
		}
	}
	v := testValuation
	v.Currency = []string{"USD", "EUR"}[rng.IntN(2)]
	return Valuate(p, v)
}

// benchPortfolio has 3 accounts of 20 positions each.
func benchPortfolio() Portfolio {
	symbols := sortedKeys(knownInstruments)
	p := withDefaultUser(Portfolio{UserID: "user_bench"})
	for a := range 3 {
		acct := Account{Name: fmt.Sprintf("Account %d", a), CashBalance: 1000 * float64(a+1)}
		for i := range 20 {
			sym := symbols[(a*20+i)%len(symbols)]
			acct.Positions = append(acct.Positions, Position{Symbol: sym, Quantity: float64(10 + i),
				Instrument: Instrument{Symbol: sym, Name: sym, Price: 50 + float64(i*7)}})
		}
		p.Accounts = append(p.Accounts, acct)
	}
	return p
}
