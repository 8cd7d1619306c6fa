package analysis

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// ChartsPayload is the charter stage's output (charts_payload).
type ChartsPayload struct {
	AssetClassDistribution Chart `json:"asset_class_distribution"`
	GeographicExposure     Chart `json:"geographic_exposure"`
	SectorBreakdown        Chart `json:"sector_breakdown"`
	AccountTypes           Chart `json:"account_types"`
	TopHoldings            Chart `json:"top_holdings"`
}

// Chart is one chart of the frontend. Its Data values are amounts in the
// portfolio's currency that add up, to the cent, to the portfolio's value.
// Unpriced holdings are worth nothing in any total, so no chart shows them;
// the description names them instead.
type Chart struct {
	Title       string  `json:"title"`
	Currency    string  `json:"currency"` // of the values
	Type        string  `json:"type"`     // pie, donut, bar or horizontalBar
	Description string  `json:"description"`
	Data        []Slice `json:"data"`
}

// Slice is one named value of a chart.
type Slice struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Color string  `json:"color"` // #rrggbb
}

// topHoldingsShown is how many holdings the top-holdings chart names before
// folding the rest into "Other".
const topHoldingsShown = 10

// Charts is the charter stage. Cash balances count as asset class, region
// and sector "cash"; slices round to cents and add up exactly to the value.
// Descriptions state money in the portfolio's currency and name the
// holdings left out for want of a usable price.
func Charts(p Portfolio) ChartsPayload {
	planned := Plan(p)
	totalCents := toCents(planned.Value())
	value := formatMoneyIn(planned.Value(), cmp.Or(planned.Currency, "USD"))
	left := leftOutSentence(unpricedSymbols(planned))
	describe := func(s string) string { return strings.TrimSpace(s + " " + left) }
	charts := ChartsPayload{
		AssetClassDistribution: Chart{
			Title:       "Asset Class Distribution",
			Type:        "pie",
			Description: describe("How your " + value + " is split across asset classes; cash balances count as cash."),
			Data:        categorySlices(exposure(planned, assetClassesOf), totalCents),
		},
		GeographicExposure: Chart{
			Title:       "Geographic Exposure",
			Type:        "bar",
			Description: describe("Where the companies and issuers behind your " + value + " are based; cash shown separately."),
			Data:        categorySlices(exposure(planned, regionsOf), totalCents),
		},
		SectorBreakdown: Chart{
			Title:       "Sector Breakdown",
			Type:        "donut",
			Description: describe("Your " + value + " by economic sector, looking through funds to what they hold."),
			Data:        categorySlices(exposure(planned, sectorsOf), totalCents),
		},
		AccountTypes: Chart{
			Title:       "Value by Account",
			Type:        "pie",
			Description: describe("How your " + value + " is spread over your accounts, cash included."),
			Data:        accountSlices(planned, totalCents),
		},
		TopHoldings: Chart{
			Title:       "Top Holdings",
			Type:        "horizontalBar",
			Description: describe("Your largest positions, combined across accounts; smaller ones grouped as Other."),
			Data:        topHoldingSlices(planned, totalCents),
		},
	}
	currency := cmp.Or(planned.Currency, "USD")
	for _, c := range []*Chart{&charts.AssetClassDistribution, &charts.GeographicExposure, &charts.SectorBreakdown,
		&charts.AccountTypes, &charts.TopHoldings} {
		c.Currency = currency
	}
	return charts
}

// leftOutSentence says which holdings have no usable price and are left
// out, or nothing when every holding has one.
func leftOutSentence(unpriced []string) string {
	switch len(unpriced) {
	case 0:
		return ""
	case 1:
		return unpriced[0] + " has no usable price and is left out."
	}
	return joinAnd(unpriced) + " have no usable price and are left out."
}

// joinAnd lists items as "A", "A and B" or "A, B and C".
func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func assetClassesOf(in Instrument) allocation { return in.AssetClasses }
func regionsOf(in Instrument) allocation      { return in.Regions }
func sectorsOf(in Instrument) allocation      { return in.Sectors }

// exposure is the dollar value per category of a planned portfolio: each
// position's value split by its percentages, plus cash under "cash".
func exposure(p Portfolio, breakdown func(Instrument) allocation) allocation {
	dollars := allocation{}
	for _, a := range p.Accounts {
		dollars["cash"] += a.Cash()
		for _, pos := range a.Positions {
			if pos.unpriced() {
				continue // worth nothing in any total; named instead
			}
			split(dollars, pos.Value(), breakdown(pos.Instrument))
		}
	}
	return dollars
}

// split adds value to dollars in proportion to weights. The weights are
// summed in key order so the result is the same to the last bit every run.
func split(dollars allocation, value float64, weights allocation) {
	keys := sortedKeys(weights)
	total := 0.0
	for _, k := range keys {
		total += amount(weights[k])
	}
	if total <= 0 {
		return
	}
	for _, k := range keys {
		dollars[k] += value * amount(weights[k]) / total
	}
}

// categorySlices turns dollars per category key into chart data with
// display names and palette colors.
func categorySlices(dollars allocation, totalCents int64) []Slice {
	keys := sortedKeys(dollars)
	shares := make([]float64, len(keys))
	for i, k := range keys {
		shares[i] = dollars[k]
	}
	return toSlices(keys, shares, totalCents, displayName)
}

// accountSlices is the value per account, labelled by name (else purpose);
// accounts with the same label are combined.
func accountSlices(p Portfolio, totalCents int64) []Slice {
	dollars := allocation{}
	for _, a := range p.Accounts {
		dollars[accountLabel(a)] += a.Value()
	}
	return categorySlices(dollars, totalCents)
}

func accountLabel(a Account) string {
	return cmp.Or(a.Name, a.Purpose, "Unnamed account")
}

// topHoldingSlices names the largest holdings by symbol, then "Other" for
// the remaining positions and "Cash" for cash balances.
func topHoldingSlices(p Portfolio, totalCents int64) []Slice {
	holdings := holdingsOf(p)
	keys := []string{}
	shares := []float64{}
	other := 0.0
	for i, h := range holdings {
		if i < topHoldingsShown {
			keys = append(keys, h.Symbol)
			shares = append(shares, h.Value)
			continue
		}
		other += h.Value
	}
	keys = append(keys, "Other", "Cash")
	shares = append(shares, other, p.Cash())
	return toSlices(keys, shares, totalCents, func(k string) string { return k })
}

// toSlices rounds shares to cents that add up to totalCents, drops empty
// slices and sorts by value, largest first, then by name.
func toSlices(keys []string, shares []float64, totalCents int64, label func(string) string) []Slice {
	data := []Slice{}
	cents := apportion(shares, totalCents)
	for i, key := range keys {
		if cents == nil || cents[i] <= 0 {
			continue
		}
		data = append(data, Slice{Name: label(key), Value: float64(cents[i]) / 100, Color: colorFor(sliceColorKey(key))})
	}
	slices.SortFunc(data, func(a, b Slice) int {
		return cmp.Or(cmp.Compare(b.Value, a.Value), cmp.Compare(a.Name, b.Name))
	})
	return data
}

// sliceColorKey maps the top-holdings buckets onto palette keys.
func sliceColorKey(key string) string {
	switch key {
	case "Other":
		return "other"
	case "Cash":
		return "cash"
	}
	return key
}

func toCents(dollars float64) int64 { return int64(math.Round(dollars * 100)) }
