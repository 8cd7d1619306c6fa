package market_test

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex/market"
)

// ecbUpstream serves body (the sample unless set) as the ECB does and
// counts requests; down makes it answer 500.
type ecbUpstream struct {
	srv      *httptest.Server
	requests atomic.Int64
	down     atomic.Bool
	body     atomic.Value // []byte
}

func newECBUpstream(t *testing.T) *ecbUpstream {
	u := &ecbUpstream{}
	u.body.Store(market.SampleRatesFile)
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		u.requests.Add(1)
		if u.down.Load() {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write(u.body.Load().([]byte))
	}))
	t.Cleanup(u.srv.Close)
	return u
}

func TestECBRatesParsesTheRealFormat(t *testing.T) {
	up := newECBUpstream(t)
	r, err := (&market.ECBRates{URL: up.srv.URL, Client: testClient(time.Second)}).Fetch(t.Context())
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), r.AsOf)
	assert.False(t, r.Stale, "the ECB's own file is today's")
	assert.Len(t, r.PerEUR, 30, "29 currencies and the euro")
	for code, want := range map[string]string{"EUR": "1", "USD": "1.165", "JPY": "178.45", "GBP": "0.8745",
		"INR": "103.245", "IDR": "19420.55", "THB": "37.815"} {
		assert.Equal(t, want, r.PerEUR[code].String(), code)
	}
	rate, err := r.Rate("INR", "USD")
	require.NoError(t, err)
	assert.Equal(t, "0.0112838394", rate.String())
}

func TestECBRatesTakesTheNewestDay(t *testing.T) {
	// The 90-day file lists days newest first, each as the daily file does.
	r, err := market.ParseECB([]byte(`<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
	<gesmes:subject>Reference rates</gesmes:subject>
	<Cube>
		<Cube time="2026-11-19"><Cube currency="USD" rate="1.1602"/><Cube currency="JPY" rate="177.90"/></Cube>
		<Cube time="2026-11-20"><Cube currency="USD" rate="1.1650"/><Cube currency="JPY" rate="178.45"/></Cube>
		<Cube time="2026-11-18"><Cube currency="USD" rate="1.1590"/></Cube>
	</Cube>
</gesmes:Envelope>`))
	require.NoError(t, err)
	assert.Equal(t, "2026-11-20", r.AsOf.Format(time.DateOnly))
	assert.Equal(t, "1.165", r.PerEUR["USD"].String())
}

func TestECBRatesRejectsBadAnswers(t *testing.T) {
	envelope := func(cube string) string {
		return `<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
	<gesmes:subject>Reference rates</gesmes:subject><Cube>` + cube + `</Cube></gesmes:Envelope>`
	}
	for name, body := range map[string]string{
		"malformed xml":  `<gesmes:Envelope><Cube><Cube time='2026-11-20'><Cube currency='USD' rate='1.1650'>`,
		"html":           `<html><body>Service unavailable</body></html>`,
		"empty body":     ``,
		"empty cube":     envelope(``),
		"empty day":      envelope(`<Cube time='2026-11-20'></Cube>`),
		"no date":        envelope(`<Cube><Cube currency='USD' rate='1.1650'/></Cube>`),
		"bad date":       envelope(`<Cube time='20.11.2026'><Cube currency='USD' rate='1.1650'/></Cube>`),
		"zero rate":      envelope(`<Cube time='2026-11-20'><Cube currency='USD' rate='0'/></Cube>`),
		"negative rate":  envelope(`<Cube time='2026-11-20'><Cube currency='USD' rate='-1.1'/></Cube>`),
		"text rate":      envelope(`<Cube time='2026-11-20'><Cube currency='USD' rate='n/a'/></Cube>`),
		"missing rate":   envelope(`<Cube time='2026-11-20'><Cube currency='USD'/></Cube>`),
		"bad currency":   envelope(`<Cube time='2026-11-20'><Cube currency='us dollar' rate='1.1'/></Cube>`),
		"twice a rate":   envelope(`<Cube time='2026-11-20'><Cube currency='USD' rate='1.1'/><Cube currency='USD' rate='1.2'/></Cube>`),
		"euro not at 1":  envelope(`<Cube time='2026-11-20'><Cube currency='EUR' rate='1.1'/><Cube currency='USD' rate='1.2'/></Cube>`),
		"wrong document": `<?xml version="1.0"?><Rates><Cube time='2026-11-20'/></Rates>`,
	} {
		up := newECBUpstream(t)
		up.body.Store([]byte(body))
		_, err := (&market.ECBRates{URL: up.srv.URL, Client: testClient(time.Second)}).Fetch(t.Context())
		require.Error(t, err, name)
		assert.ErrorIs(t, err, market.ErrUpstream, name)
	}
}

func TestECBRatesServerError(t *testing.T) {
	up := newECBUpstream(t)
	up.down.Store(true)
	_, err := (&market.ECBRates{URL: up.srv.URL, Client: testClient(time.Second)}).Fetch(t.Context())
	require.Error(t, err)
	assert.ErrorIs(t, err, market.ErrUpstream)
	assert.EqualValues(t, 3, up.requests.Load(), "a 500 is retried")
	assert.NotContains(t, err.Error(), up.srv.URL)
}

func TestNewRatesSource(t *testing.T) {
	src := market.NewRatesSource("", nil)
	r, err := src.Fetch(t.Context())
	require.NoError(t, err)
	assert.True(t, r.Stale, "the bundled sample is not today's rates")
	assert.Equal(t, "178.45", r.PerEUR["JPY"].String())
	require.NoError(t, r.Validate())

	up := newECBUpstream(t)
	ecb, ok := market.NewRatesSource(up.srv.URL, nil).(*market.ECBRates)
	require.True(t, ok)
	assert.NotNil(t, ecb.Client)
}
