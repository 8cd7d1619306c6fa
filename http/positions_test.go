package http_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPositionsListShapeAndOrder(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	acc := api.createAccount(t, tok, map[string]any{"account_name": "Brokerage"})

	resp, raw := api.do(t, http.MethodGet, "/api/v1/accounts/"+acc.ID+"/positions", tok, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.JSONEq(t, `{"positions":[]}`, string(raw))

	for _, s := range []string{"VNQ", "BND", "SPY", "AGG"} {
		api.upsertPosition(t, tok, acc.ID, s, 2)
	}
	resp, raw = api.do(t, http.MethodGet, "/api/v1/accounts/"+acc.ID+"/positions", tok, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	m := object(t, raw)
	requireKeys(t, m, "positions")
	first := m["positions"].([]any)[0].(map[string]any)
	requireKeys(t, first, "id", "account_id", "symbol", "quantity", "as_of_date", "created_at", "updated_at",
		"instrument_name", "instrument_type", "current_price", "instrument")
	requireKeys(t, first["instrument"].(map[string]any), "symbol", "name", "instrument_type", "currency", "current_price", "price_as_of", "price_source",
		"allocation_regions", "allocation_sectors", "allocation_asset_class",
		"asset_class_allocation", "region_allocation", "sector_allocation")

	ps := decodeStrict[positionsJSON](t, raw).Positions
	require.Equal(t, []string{"AGG", "BND", "SPY", "VNQ"}, symbols(ps))
	spy := ps[2]
	require.Equal(t, acc.ID, spy.AccountID)
	require.Equal(t, 2.0, spy.Quantity)
	require.Equal(t, today(), spy.AsOfDate)
	require.Equal(t, "SPDR S&P 500 ETF Trust", spy.InstrumentName)
	require.Equal(t, "etf", spy.InstrumentType)
	require.Equal(t, 450.25, *spy.CurrentPrice)
	spySectors := map[string]float64{"technology": 30, "healthcare": 13, "financials": 13, "consumer_discretionary": 10,
		"communication": 9, "industrials": 8, "consumer_staples": 6, "energy": 4, "utilities": 3, "real_estate": 2, "materials": 2}
	require.Equal(t, instrumentJSON{
		Symbol: "SPY", Name: "SPDR S&P 500 ETF Trust", InstrumentType: "etf", Currency: "USD", CurrentPrice: spy.CurrentPrice,
		PriceAsOf: ptr(today()), PriceSource: ptr("seed"),
		AllocationRegions: map[string]float64{"north_america": 100}, RegionAllocation: map[string]float64{"north_america": 100},
		AllocationSectors: spySectors, SectorAllocation: spySectors,
		AllocationAssetClass: map[string]float64{"equity": 100}, AssetClassAllocation: map[string]float64{"equity": 100},
	}, spy.Instrument, "the Alex frontend's *_allocation names mirror allocation_*")
	vnq := ps[3]
	require.Equal(t, "etf", vnq.InstrumentType, "VNQ is an ETF (of real estate)")
	require.Equal(t, 82.45, *vnq.CurrentPrice)
	require.Equal(t, "bond_fund", ps[1].InstrumentType)
	require.Equal(t, 72.5, *ps[1].CurrentPrice)
}

func TestPositionsUpsertReplacesQuantity(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	acc := api.createAccount(t, tok, map[string]any{"account_name": "Brokerage"})

	resp, raw := api.do(t, http.MethodPost, "/api/v1/positions", tok, map[string]any{"account_id": acc.ID, "symbol": "spy", "quantity": 10})
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", raw)
	first := decodeStrict[positionJSON](t, raw)
	require.Equal(t, "SPY", first.Symbol, "symbols are upper-cased")
	require.Equal(t, 10.0, first.Quantity)
	require.Equal(t, "SPDR S&P 500 ETF Trust", first.InstrumentName)

	second := api.upsertPosition(t, tok, acc.ID, "  Spy ", 2.5)
	require.Equal(t, first.ID, second.ID, "the same position")
	require.Equal(t, 2.5, second.Quantity, "the quantity is replaced, not added")
	require.True(t, first.CreatedAt.Equal(second.CreatedAt))
	require.True(t, second.UpdatedAt.After(first.UpdatedAt))

	ps := api.positions(t, tok, acc.ID)
	require.Len(t, ps, 1)
	require.Equal(t, second, ps[0])
}

func TestPositionsUnknownSymbolCreatesUserAddedInstrument(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	acc := api.createAccount(t, tok, map[string]any{"account_name": "Brokerage"})

	stock := api.upsertPosition(t, tok, acc.ID, "zzzz", 3)
	require.Equal(t, "ZZZZ", stock.Symbol)
	require.Equal(t, "ZZZZ - User Added", stock.InstrumentName)
	require.Equal(t, "stock", stock.InstrumentType, "five letters or fewer: a stock")
	require.Nil(t, stock.CurrentPrice)
	require.Equal(t, instrumentJSON{
		Symbol: "ZZZZ", Name: "ZZZZ - User Added", InstrumentType: "stock", Currency: "USD",
		AllocationRegions: map[string]float64{}, AllocationSectors: map[string]float64{}, AllocationAssetClass: map[string]float64{},
		RegionAllocation: map[string]float64{}, SectorAllocation: map[string]float64{}, AssetClassAllocation: map[string]float64{},
	}, stock.Instrument)
	_, raw := api.do(t, http.MethodPost, "/api/v1/positions", tok, map[string]any{"account_id": acc.ID, "symbol": "ZZZZ", "quantity": 3})
	require.Contains(t, string(raw), `"current_price":null`)

	five := api.upsertPosition(t, tok, acc.ID, "ABCDE", 1)
	require.Equal(t, "stock", five.InstrumentType)
	etf := api.upsertPosition(t, tok, acc.ID, "abcdef", 1)
	require.Equal(t, "ABCDEF", etf.Symbol)
	require.Equal(t, "ABCDEF - User Added", etf.InstrumentName)
	require.Equal(t, "etf", etf.InstrumentType, "more than five letters: an etf")

	// The new instrument is searchable.
	ins := mustDo[[]instrumentJSON](t, api, http.MethodGet, "/api/v1/instruments?q=zzz", tok, nil, http.StatusOK)
	require.Len(t, ins, 1)
	require.Equal(t, "ZZZZ - User Added", ins[0].Name)
}

func TestPositionsUpdateAndDelete(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	acc := api.createAccount(t, tok, map[string]any{"account_name": "Brokerage"})
	p := api.upsertPosition(t, tok, acc.ID, "QQQ", 5)
	other := api.upsertPosition(t, tok, acc.ID, "IWM", 7)

	got := mustDo[positionJSON](t, api, http.MethodPut, "/api/v1/positions/"+p.ID, tok, map[string]any{"quantity": 12.125}, http.StatusOK)
	require.Equal(t, p.ID, got.ID)
	require.Equal(t, 12.125, got.Quantity)
	require.Equal(t, "QQQ", got.Symbol)
	require.Equal(t, "Invesco QQQ Trust", got.InstrumentName)
	require.Equal(t, 385.5, *got.CurrentPrice)
	require.Equal(t, quantities([]positionJSON{got, other}), quantities(api.positions(t, tok, acc.ID)))

	for _, bad := range []any{-1, -0.0001, "12", 1e13} {
		resp, raw := api.do(t, http.MethodPut, "/api/v1/positions/"+p.ID, tok, map[string]any{"quantity": bad})
		requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "body.quantity")
	}
	resp, raw := api.do(t, http.MethodPut, "/api/v1/positions/bad-id", tok, map[string]any{"quantity": 1})
	requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "path.id")
	resp, raw = api.do(t, http.MethodPut, "/api/v1/positions/"+unknownUUID, tok, map[string]any{"quantity": 1})
	requireProblem(t, resp, raw, http.StatusNotFound)

	msg := mustDo[messageJSON](t, api, http.MethodDelete, "/api/v1/positions/"+p.ID, tok, nil, http.StatusOK)
	require.Equal(t, messageJSON{Message: "Position deleted"}, msg)
	require.Equal(t, []positionJSON{other}, api.positions(t, tok, acc.ID))

	resp, raw = api.do(t, http.MethodDelete, "/api/v1/positions/"+p.ID, tok, nil)
	requireProblem(t, resp, raw, http.StatusNotFound)
	resp, raw = api.do(t, http.MethodDelete, "/api/v1/positions/bad-id", tok, nil)
	requireProblem(t, resp, raw, http.StatusUnprocessableEntity, "path.id")
}

func TestPositionsUpsertRejectsInvalidInput(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tok := api.token(t, "user_ada")
	acc := api.createAccount(t, tok, map[string]any{"account_name": "Brokerage"})

	cases := []struct {
		name     string
		body     map[string]any
		status   int
		location string
	}{
		{"zero quantity", map[string]any{"account_id": acc.ID, "symbol": "SPY", "quantity": 0}, 422, "body.quantity"},
		{"negative quantity", map[string]any{"account_id": acc.ID, "symbol": "SPY", "quantity": -3}, 422, "body.quantity"},
		{"missing quantity", map[string]any{"account_id": acc.ID, "symbol": "SPY"}, 422, "body.quantity"},
		{"empty symbol", map[string]any{"account_id": acc.ID, "symbol": "", "quantity": 1}, 422, "body.symbol"},
		{"symbol with spaces inside", map[string]any{"account_id": acc.ID, "symbol": "S P Y", "quantity": 1}, 422, "body.symbol"},
		{"symbol with SQL", map[string]any{"account_id": acc.ID, "symbol": "SPY';--", "quantity": 1}, 422, "body.symbol"},
		{"malformed account id", map[string]any{"account_id": "nope", "symbol": "SPY", "quantity": 1}, 422, "body.account_id"},
		{"unknown account", map[string]any{"account_id": unknownUUID, "symbol": "SPY", "quantity": 1}, 404, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, raw := api.do(t, http.MethodPost, "/api/v1/positions", tok, tc.body)
			if tc.location == "" {
				requireProblem(t, resp, raw, tc.status)
				return
			}
			requireProblem(t, resp, raw, tc.status, tc.location)
		})
	}
	require.Empty(t, api.positions(t, tok, acc.ID))
}
