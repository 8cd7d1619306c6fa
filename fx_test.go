package alex_test

import (
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// sampleRates is a part of the bundled ECB sample (market/data).
func sampleRates() alex.Rates {
	return alex.Rates{
		AsOf: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC),
		PerEUR: map[string]decimal.Decimal{
			"USD": d("1.1650"), "JPY": d("178.45"), "GBP": d("0.8745"),
			"INR": d("103.2450"), "CHF": d("0.9342"),
		},
	}
}

func TestFXValidCurrency(t *testing.T) {
	for code, ok := range map[string]bool{
		"USD": true, "EUR": true, "JPY": true,
		"usd": false, "US": false, "USDT": false, "": false, "U1D": false, "ÜSD": false,
	} {
		assert.Equal(t, ok, alex.ValidCurrency(code), code)
	}
}

func TestFXRate(t *testing.T) {
	r := sampleRates()
	tests := []struct {
		from, to, want string
	}{
		{"USD", "USD", "1"},
		{"EUR", "EUR", "1"},
		{"EUR", "USD", "1.165"},          // the table's own figure, not divided
		{"USD", "EUR", "0.8583690987"},   // 1 / 1.1650
		{"JPY", "USD", "0.0065284393"},   // 1.1650 / 178.45
		{"INR", "USD", "0.0112838394"},   // 1.1650 / 103.2450
		{"USD", "INR", "88.6223175966"},  // 103.2450 / 1.1650
		{"USD", "GBP", "0.7506437768"},   // 0.8745 / 1.1650, the EUR cross
		{"GBP", "CHF", "1.0682675815"},   // 0.9342 / 0.8745
		{"CHF", "JPY", "191.0190537358"}, // 178.45 / 0.9342
	}
	for _, tt := range tests {
		got, err := r.Rate(tt.from, tt.to)
		require.NoError(t, err, "%s→%s", tt.from, tt.to)
		assert.Equal(t, tt.want, got.String(), "%s→%s", tt.from, tt.to)
	}
}

func TestFXRateMissingCurrencyIsNeverOne(t *testing.T) {
	r := sampleRates()
	for _, pair := range [][2]string{{"USD", "AED"}, {"AED", "USD"}, {"EUR", "AED"}, {"usd", "USD"}, {"USD", ""}} {
		got, err := r.Rate(pair[0], pair[1])
		require.Error(t, err, pair)
		assert.True(t, errors.Is(err, alex.ErrNoRate), pair)
		assert.Equal(t, alex.EINVALID, alex.ErrorCode(err))
		assert.True(t, got.IsZero(), "no rate is invented")
	}
	assert.Equal(t, "No exchange rate from USD to AED is available.", alex.ErrorMessage(mustErr(r.Rate("USD", "AED"))))

	_, err := alex.Rates{}.Rate("USD", "JPY")
	assert.ErrorIs(t, err, alex.ErrNoRate, "an empty table has no rates")
	zero := sampleRates()
	zero.PerEUR["JPY"] = decimal.Zero
	_, err = zero.Rate("USD", "JPY")
	assert.ErrorIs(t, err, alex.ErrNoRate, "a zero rate is no rate")
}

func mustErr(_ decimal.Decimal, err error) error { return err }

func TestFXConvert(t *testing.T) {
	r := sampleRates()
	c, err := alex.Convert(d("1000"), "INR", "USD", r)
	require.NoError(t, err)
	// 1000 × 0.0112838394: exact, not rounded to cents.
	assert.Equal(t, "11.2838394", c.Amount.String())
	assert.Equal(t, "USD", c.Currency)
	assert.Equal(t, "0.0112838394", c.Rate.String())
	assert.Equal(t, r.AsOf, c.RateAsOf, "the rate's day is recorded with the result")

	c, err = alex.Convert(d("10000"), "JPY", "USD", r)
	require.NoError(t, err)
	assert.Equal(t, "65.284393", c.Amount.String())

	c, err = alex.Convert(d("123.45"), "USD", "USD", r)
	require.NoError(t, err)
	assert.Equal(t, "123.45", c.Amount.String())
	assert.Equal(t, "1", c.Rate.String())
	assert.Equal(t, r.AsOf, c.RateAsOf)

	_, err = alex.Convert(d("5"), "USD", "XAU", r)
	assert.ErrorIs(t, err, alex.ErrNoRate)
}

func TestFXRatesFor(t *testing.T) {
	r := sampleRates()
	got, err := r.For("USD")
	require.NoError(t, err)
	assert.Len(t, got, 6, "the table's five and the euro")
	for code, want := range map[string]string{
		"USD": "1", "EUR": "0.8583690987", "INR": "88.6223175966", "GBP": "0.7506437768", "JPY": "153.1759656652",
	} {
		assert.Equal(t, want, got[code].String(), code)
	}

	got, err = r.For("EUR")
	require.NoError(t, err)
	assert.Equal(t, "1", got["EUR"].String())
	assert.Equal(t, "178.45", got["JPY"].String())

	_, err = r.For("AED")
	assert.ErrorIs(t, err, alex.ErrNoRate)
}

func TestFXRatesValidate(t *testing.T) {
	require.NoError(t, sampleRates().Validate())
	for name, edit := range map[string]func(*alex.Rates){
		"no date":         func(r *alex.Rates) { r.AsOf = time.Time{} },
		"no currencies":   func(r *alex.Rates) { r.PerEUR = nil },
		"only the euro":   func(r *alex.Rates) { r.PerEUR = map[string]decimal.Decimal{"EUR": d("1")} },
		"zero rate":       func(r *alex.Rates) { r.PerEUR["USD"] = decimal.Zero },
		"negative rate":   func(r *alex.Rates) { r.PerEUR["USD"] = d("-1.1") },
		"bad code":        func(r *alex.Rates) { r.PerEUR["usd"] = d("1.1") },
		"euro is not one": func(r *alex.Rates) { r.PerEUR["EUR"] = d("1.01") },
	} {
		r := sampleRates()
		edit(&r)
		assert.Error(t, r.Validate(), name)
	}
}
