package http_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/store"
)

var seedPrices = map[string]float64{
	"SPY": 450.25, "QQQ": 385.50, "IWM": 205.75, "VEA": 48.30, "VWO": 42.15, "EFA": 75.80, "AGG": 98.20,
	"BND": 72.50, "TLT": 92.30, "HYG": 76.85, "XLK": 175.40, "XLV": 135.60, "XLF": 38.25, "XLE": 85.90,
	"VNQ": 82.45, "GLD": 195.70, "SLV": 22.40, "AOR": 48.90, "AOA": 65.15, "VUG": 312.80, "VTV": 152.60,
	"VIG": 168.90,
	// The symbols of populate-test-data.
	"VTI": 289.40, "VXUS": 64.85, "AAPL": 229.35, "AMZN": 218.60, "GOOGL": 176.20, "MSFT": 421.75,
	"NVDA": 138.90, "TSLA": 251.45,
}

func instrumentSymbols(ins []instrumentJSON) []string {
	out := make([]string, len(ins))
	for i, in := range ins {
		out[i] = in.Symbol
	}
	return out
}

func TestInstrumentsListsTheSeeds(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")

	resp, raw := api.do(t, http.MethodGet, "/api/v1/instruments", tok, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var shapes []map[string]any
	require.NoError(t, json.Unmarshal(raw, &shapes))
	requireKeys(t, shapes[0], "symbol", "name", "instrument_type", "currency", "current_price", "price_as_of", "price_source",
		"allocation_regions", "allocation_sectors", "allocation_asset_class",
		"asset_class_allocation", "region_allocation", "sector_allocation")

	ins := decodeStrict[[]instrumentJSON](t, raw)
	require.Len(t, ins, 30, "the contract's 22 and populate-test-data's 8")
	require.IsIncreasing(t, instrumentSymbols(ins), "by symbol")
	for _, in := range ins {
		want, ok := seedPrices[in.Symbol]
		require.True(t, ok, "unexpected instrument %s", in.Symbol)
		require.NotNil(t, in.CurrentPrice, in.Symbol)
		require.Equal(t, want, *in.CurrentPrice, in.Symbol)
		require.NotEmpty(t, in.Name)
		require.Contains(t, []string{"etf", "stock", "mutual_fund", "bond_fund", "bond", "commodity", "reit"}, in.InstrumentType)
		for name, alloc := range map[string]map[string]float64{
			"regions": in.AllocationRegions, "sectors": in.AllocationSectors, "asset_class": in.AllocationAssetClass,
		} {
			sum := 0.0
			for _, v := range alloc {
				sum += v
			}
			require.InDelta(t, 100, sum, 0.01, "%s allocation_%s adds up to 100", in.Symbol, name)
		}
		require.Equal(t, in.AllocationAssetClass, in.AssetClassAllocation, in.Symbol)
		require.Equal(t, in.AllocationRegions, in.RegionAllocation, in.Symbol)
		require.Equal(t, in.AllocationSectors, in.SectorAllocation, in.Symbol)
	}
}

func TestInstrumentsSearch(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	search := func(query url.Values) []string {
		t.Helper()
		return instrumentSymbols(mustDo[[]instrumentJSON](t, api, http.MethodGet, "/api/v1/instruments?"+query.Encode(), tok, nil, http.StatusOK))
	}

	// "sp" matches the symbol SPY and the names "SPDR ..." (SPY and GLD).
	require.Equal(t, []string{"GLD", "SPY"}, search(url.Values{"q": {"sp"}}))
	require.Equal(t, []string{"GLD", "SPY"}, search(url.Values{"q": {"SP"}}))
	require.Equal(t, []string{"SPY"}, search(url.Values{"q": {"SPY"}}))
	require.Equal(t, []string{"XLE", "XLF", "XLK", "XLV"}, search(url.Values{"q": {"xl"}}), "case-insensitive symbol prefix")
	require.Equal(t, []string{"BND", "VEA", "VIG", "VNQ", "VTI", "VTV", "VUG", "VWO", "VXUS"}, search(url.Values{"q": {"vang"}}),
		"name prefix: Vanguard")
	require.Equal(t, []string{"BND", "VEA", "VIG", "VNQ", "VTI", "VTV", "VUG", "VWO", "VXUS"}, search(url.Values{"q": {"VANGUARD "}}))
	require.Empty(t, search(url.Values{"q": {"zzz"}}))
	require.Empty(t, search(url.Values{"q": {"%"}}), "LIKE wildcards are literal")
	require.Empty(t, search(url.Values{"q": {"_"}}), "LIKE wildcards are literal")
	require.Empty(t, search(url.Values{"q": {"usa"}}), "a prefix, not a substring")

	require.Equal(t, []string{"AGG", "BND", "HYG"}, search(url.Values{"type": {"bond_fund"}}))
	require.Equal(t, []string{"SLV"}, search(url.Values{"type": {"commodity"}}))
	require.Contains(t, search(url.Values{"type": {"etf"}, "q": {"VNQ"}}), "VNQ", "a real estate ETF is an ETF")
	require.Equal(t, []string{"AAPL", "AMZN", "GOOGL", "MSFT", "NVDA", "TSLA"}, search(url.Values{"type": {"stock"}}))
	require.Equal(t, []string{"BND"}, search(url.Values{"q": {"vang"}, "type": {"bond_fund"}}))

	require.Equal(t, []string{"AAPL", "AGG", "AMZN"}, search(url.Values{"limit": {"3"}}))
	require.Equal(t, []string{"BND", "VEA"}, search(url.Values{"q": {"v"}, "limit": {"2"}}), "BND is a Vanguard fund")
	require.Len(t, search(url.Values{"limit": {"1000"}}), 30)
}

// Without q the Alex frontend gets every instrument it may show, up to the
// read cap of 1,000, not a first page of 100.
func TestInstrumentsWithoutQueryListEveryOne(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	mustDo[getUserJSON](t, api, http.MethodGet, "/api/user", tok, nil, http.StatusOK)
	added := map[string]decimal.Decimal{}
	for i := range store.MaxPrivateInstruments {
		added[fmt.Sprintf("ZZ%03d", i)] = decimal.NewFromInt(1)
	}
	_, err := api.store.CreateAccountsWithPositions(t.Context(), "user_ada",
		[]store.SeedAccount{{Account: alex.Account{AccountName: "Many", Currency: "USD"}, Positions: added}})
	require.NoError(t, err)

	all := mustDo[[]instrumentJSON](t, api, http.MethodGet, "/api/instruments", tok, nil, http.StatusOK)
	require.Len(t, all, 30+store.MaxPrivateInstruments, "the seeds and every one the user added")
	require.IsIncreasing(t, instrumentSymbols(all), "by symbol")
	some := mustDo[[]instrumentJSON](t, api, http.MethodGet, "/api/instruments?q=zz05", tok, nil, http.StatusOK)
	require.Len(t, some, 10, "q still searches")
}

func TestInstrumentsRejectsInvalidQueries(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	for _, tc := range []struct {
		query    string
		location string
	}{
		{"type=crypto", "query.type"},
		{"limit=0", "query.limit"},
		{"limit=1001", "query.limit"},
		{"limit=ten", "query.limit"},
		{"q=" + strings.Repeat("a", 65), "query.q"},
	} {
		resp, raw := api.do(t, http.MethodGet, "/api/v1/instruments?"+tc.query, tok, nil)
		requireProblem(t, resp, raw, http.StatusUnprocessableEntity, tc.location)
	}
}
