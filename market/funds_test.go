package market_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex/market"
)

func TestParseAMFISample(t *testing.T) {
	schemes, skipped, err := market.ParseAMFI(bytes.NewReader(market.SampleNAVFile))
	require.NoError(t, err)
	assert.Zero(t, skipped)
	require.Len(t, schemes, 12)
	assert.Equal(t, []string{"Aditya Birla Sun Life Mutual Fund", "HDFC Mutual Fund", "ICICI Prudential Mutual Fund", "SBI Mutual Fund"},
		market.Families(schemes))

	first := schemes[0]
	assert.Equal(t, "119551", first.Code)
	assert.Equal(t, "MF119551", first.Symbol)
	assert.Equal(t, "Aditya Birla Sun Life Banking & PSU Debt Fund - DIRECT - IDCW", first.Name, "runs of spaces collapsed")
	assert.Equal(t, "INF209KA12Z1", first.ISINGrowth)
	assert.Equal(t, "INF209KA13Z9", first.ISINReinvestment)
	assert.Equal(t, "105.4567", first.NAV.String())
	assert.Equal(t, "2026-11-22", first.NAVDate)
	assert.Equal(t, "Debt Scheme - Banking and PSU Fund", first.Category)
	assert.Equal(t, "Aditya Birla Sun Life Mutual Fund", first.Family)
	assert.Equal(t, "Open Ended Schemes", first.Type)
	assert.True(t, first.OpenEnded())
	assert.Empty(t, schemes[1].ISINReinvestment, `"-" is no ISIN`)

	byCode := map[string]market.Scheme{}
	for _, s := range schemes {
		byCode[s.Code] = s
	}
	assert.Nil(t, byCode["119599"].NAV, "N.A. is no NAV")
	assert.Equal(t, "Equity Scheme - Large Cap Fund", byCode["119599"].Category)
	assert.Equal(t, "Close Ended Schemes", byCode["149601"].Type)
	assert.False(t, byCode["149601"].OpenEnded())
	assert.Equal(t, "Interval Fund Schemes", byCode["101958"].Type)
	assert.Equal(t, "ICICI Prudential Mutual Fund", byCode["101958"].Family)
}

func TestParseAMFIMalformedRows(t *testing.T) {
	file := strings.Join([]string{
		"Scheme Code;ISIN Div Payout/ ISIN Growth;ISIN Div Reinvestment;Scheme Name;Net Asset Value;Date",
		"",
		"Open Ended Schemes(Equity Scheme - Large Cap Fund)",
		"",
		"HDFC Mutual Fund",
		"",
		"119063;INF179K01XQ0;-;HDFC Large Cap Fund - Growth Option - Direct Plan;1123.087;22-Nov-2026",
		"119064;INF179K01XQ1;-;Too Few Fields;10.5",
		"ABC;INF179K01XQ2;-;Code Not A Number;10.5;22-Nov-2026",
		"119065;INF179K01XQ3;-;NAV Not A Number;ten;22-Nov-2026",
		"119066;INF179K01XQ4;-;Negative NAV;-1;22-Nov-2026",
		"119067;INF179K01XQ5;-;Bad Date;10.5;2026-11-22",
		"119068;INF179K01XQ6;-;;10.5;22-Nov-2026",
		"119069;INF179K01XQ7;-;Extra;Fields;10.5;22-Nov-2026",
		"119070;INF179K01XQ8;-;HDFC Top 100 - Direct Plan;N.A.;22-Nov-2026",
	}, "\n")
	schemes, skipped, err := market.ParseAMFI(strings.NewReader(file))
	require.NoError(t, err)
	assert.Equal(t, 7, skipped)
	require.Len(t, schemes, 2)
	assert.Equal(t, "119063", schemes[0].Code)
	assert.Equal(t, "119070", schemes[1].Code)
	assert.Nil(t, schemes[1].NAV)
}

func TestParseAMFIWithoutSchemes(t *testing.T) {
	for name, file := range map[string]string{
		"empty":         "",
		"header only":   "Scheme Code;ISIN Div Payout/ ISIN Growth;ISIN Div Reinvestment;Scheme Name;Net Asset Value;Date\r\n \r\n",
		"an HTML page":  "<html><body>Service Unavailable</body></html>",
		"only bad rows": "Open Ended Schemes(Income)\nX;Y;Z\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := market.ParseAMFI(strings.NewReader(file))
			require.ErrorIs(t, err, market.ErrNoSchemes)
			require.ErrorIs(t, err, market.ErrUpstream)
		})
	}
}

func TestAMFIProvider(t *testing.T) {
	var status atomic.Int64
	status.Store(http.StatusOK)
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		switch s := int(status.Load()); s {
		case http.StatusOK:
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write(market.SampleNAVFile)
		case 0: // slow: answers only once the client gave up
			<-r.Context().Done()
		case 1: // empty file
		default:
			w.WriteHeader(s)
		}
	}))
	t.Cleanup(srv.Close)
	a := &market.AMFI{URL: srv.URL, Client: testClient(50 * time.Millisecond)}

	schemes, err := a.Schemes(t.Context())
	require.NoError(t, err)
	assert.Len(t, schemes, 12)

	for _, tt := range []struct {
		name     string
		status   int64
		attempts int64
		is       error
	}{
		{"500", http.StatusInternalServerError, 3, market.ErrUpstream},
		{"429", http.StatusTooManyRequests, 3, market.ErrUpstream},
		{"slow", 0, 3, market.ErrUpstream},
		{"empty file", 1, 1, market.ErrNoSchemes},
		{"404", http.StatusNotFound, 1, market.ErrUpstream},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status.Store(tt.status)
			requests.Store(0)
			_, err := a.Schemes(t.Context())
			require.ErrorIs(t, err, tt.is)
			assert.Equal(t, tt.attempts, requests.Load())
		})
	}
}

func TestAMFIDefaultsToTheEmbeddedSample(t *testing.T) {
	schemes, err := (&market.AMFI{}).Schemes(t.Context())
	require.NoError(t, err)
	assert.Len(t, schemes, 12)
}

// rapidAPIBody is the service's answer for two schemes, one with its NAV
// as a string, plus malformed elements.
const rapidAPIBody = `[
 {"Scheme_Code":119551,"ISIN_Div_Payout_ISIN_Growth":"INF209KA12Z1","ISIN_Div_Reinvestment":"INF209KA13Z9",
  "Scheme_Name":"Aditya Birla Sun Life Banking & PSU Debt Fund  - DIRECT - IDCW","Net_Asset_Value":105.4567,"Date":"22-Nov-2026",
  "Scheme_Type":"Open Ended Schemes","Scheme_Category":"Debt Scheme - Banking and PSU Fund","Mutual_Fund_Family":"Aditya Birla Sun Life Mutual Fund"},
 {"Scheme_Code":"119063","ISIN_Div_Payout_ISIN_Growth":"INF179K01XQ0","ISIN_Div_Reinvestment":"-",
  "Scheme_Name":"HDFC Large Cap Fund - Growth Option - Direct Plan","Net_Asset_Value":"1123.087","Date":"22-Nov-2026",
  "Scheme_Type":"Open Ended Schemes","Scheme_Category":"Equity Scheme - Large Cap Fund","Mutual_Fund_Family":"HDFC Mutual Fund"},
 {"Scheme_Code":119599,"Scheme_Name":"SBI BLUECHIP FUND - DIRECT PLAN - IDCW","Net_Asset_Value":"N.A.","Date":"22-Nov-2026",
  "Scheme_Type":"Open Ended Schemes","Scheme_Category":"Equity Scheme - Large Cap Fund","Mutual_Fund_Family":"SBI Mutual Fund"},
 {"Scheme_Code":"not a code","Scheme_Name":"Bad","Net_Asset_Value":1,"Date":"22-Nov-2026"},
 {"Scheme_Code":1,"Scheme_Name":"Bad date","Net_Asset_Value":1,"Date":"yesterday"},
 {"Scheme_Code":2,"Scheme_Name":["not","a","string"],"Net_Asset_Value":1,"Date":"22-Nov-2026"},
 "not an object"
]`

func TestRapidAPIProvider(t *testing.T) {
	var body atomic.Value
	body.Store(rapidAPIBody)
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.Header.Get("X-RapidAPI-Key") != "rapid-key" || r.Header.Get("X-RapidAPI-Host") == "" {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"message":"You are not subscribed to this API."}`)
			return
		}
		switch b := body.Load().(string); b {
		case "429":
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"message":"Too many requests"}`)
		case "slow":
			<-r.Context().Done()
		default:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, b)
		}
	}))
	t.Cleanup(srv.Close)
	r := &market.RapidAPI{URL: srv.URL + "/latest?Scheme_Type=Open", Key: "rapid-key", Client: testClient(50 * time.Millisecond)}

	schemes, err := r.Schemes(t.Context())
	require.NoError(t, err)
	require.Len(t, schemes, 3)
	assert.Equal(t, market.Scheme{
		Code: "119551", Name: "Aditya Birla Sun Life Banking & PSU Debt Fund - DIRECT - IDCW",
		ISINGrowth: "INF209KA12Z1", ISINReinvestment: "INF209KA13Z9", NAV: schemes[0].NAV, NAVDate: "2026-11-22",
		Category: "Debt Scheme - Banking and PSU Fund", Family: "Aditya Birla Sun Life Mutual Fund",
		Type: "Open Ended Schemes", Symbol: "MF119551",
	}, schemes[0])
	assert.Equal(t, "105.4567", schemes[0].NAV.String())
	assert.Equal(t, "1123.087", schemes[1].NAV.String())
	assert.Empty(t, schemes[1].ISINReinvestment)
	assert.Nil(t, schemes[2].NAV)

	for _, tt := range []struct {
		body     string
		attempts int64
		is       error
	}{
		{"429", 3, market.ErrUpstream},
		{"slow", 3, market.ErrUpstream},
		{"[]", 1, market.ErrNoSchemes},
		{"", 1, market.ErrUpstream},
		{`{"message":"not an array"}`, 1, market.ErrUpstream},
	} {
		t.Run(tt.body, func(t *testing.T) {
			body.Store(tt.body)
			requests.Store(0)
			_, err := r.Schemes(t.Context())
			require.ErrorIs(t, err, tt.is)
			assert.Equal(t, tt.attempts, requests.Load())
		})
	}

	body.Store(rapidAPIBody)
	wrongKey := &market.RapidAPI{URL: srv.URL, Key: "wrong", Client: testClient(time.Second)}
	_, err = wrongKey.Schemes(t.Context())
	require.True(t, errors.Is(err, market.ErrUpstream))
	assert.Contains(t, err.Error(), "HTTP 403")
}
