package market_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex/market"
)

func TestPricesRoutesFundsToTheirNAV(t *testing.T) {
	var polygonAsked atomic.Int64
	polygon := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		polygonAsked.Add(1)
		if r.URL.Path != "/v2/aggs/ticker/SPY/prev" {
			http.Error(w, `{"status":"NOT_FOUND"}`, http.StatusNotFound)
			return
		}
		fmt.Fprint(w, polygonBody("SPY", 601.25))
	}))
	t.Cleanup(polygon.Close)
	up := newAMFIUpstream(t)
	funds, _, _ := newFundCache(t, up)

	p := market.Prices{Stocks: &market.Polygon{BaseURL: polygon.URL, APIKey: "k", Client: testClient(time.Second)}, Funds: funds}
	quotes, err := p.Prices(t.Context(), []string{"SPY", "MF119063", "MF119599", "MF999999"})
	require.NoError(t, err)
	assert.Equal(t, 601.25, quotes["SPY"].Price)
	assert.Equal(t, 1123.087, quotes["MF119063"].Price)
	assert.Equal(t, time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), quotes["MF119063"].AsOf, "a NAV is as of its own date, not of its fetch")
	assert.Equal(t, "INR", quotes["MF119063"].Currency, "and in rupees")
	assert.Equal(t, "amfi", quotes["MF119063"].Source)
	assert.NotContains(t, quotes, "MF119599", "N.A. is no price")
	assert.NotContains(t, quotes, "MF999999")
	assert.Len(t, quotes, 2)
	assert.EqualValues(t, 1, polygonAsked.Load(), "fund symbols are not sent to Polygon")
}

func TestSchemeInstrumentInfersItsAllocation(t *testing.T) {
	schemes, _, err := market.ParseAMFI(bytes.NewReader(market.SampleNAVFile))
	require.NoError(t, err)
	want := map[string]map[string]float64{
		"119551": {"fixed_income": 100},              // Debt Scheme - Banking and PSU Fund
		"119063": {"equity": 100},                    // Equity Scheme - Large Cap Fund
		"120251": {"equity": 75, "fixed_income": 25}, // Hybrid Scheme - Aggressive Hybrid Fund
		"119091": {"cash": 100},                      // Debt Scheme - Liquid Fund
	}
	for _, s := range schemes {
		in := s.Instrument()
		assert.Equal(t, "mutual_fund", in.Type, s.Code)
		assert.Equal(t, s.Name, in.Name)
		assert.Equal(t, map[string]float64{"asia": 100}, map[string]float64(in.Regions), s.Code)
		assert.True(t, in.Inferred)
		if w, ok := want[s.Code]; ok {
			assert.Equal(t, w, map[string]float64(in.AssetClasses), s.Code)
		}
	}
}
