package market

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/shopspring/decimal"

	"github.com/alex-advisor/alex"
)

// ECBDailyURL is where the European Central Bank publishes its euro
// reference rates, once a working day around 16:00 CET.
const ECBDailyURL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"

// SampleRatesFile is a day of the ECB's reference rates in its real format:
// the rates when FX_RATES_URL is unset, and the tests' fixture.
//
//go:embed data/eurofxref-daily.xml
var SampleRatesFile []byte

// RatesSource gives the latest table of exchange rates it has.
type RatesSource interface {
	Fetch(ctx context.Context) (alex.Rates, error)
}

// NewRatesSource is the source FX_RATES_URL names: the ECB file at url, or
// the bundled sample when url is "". A nil client gets the defaults.
func NewRatesSource(url string, client *Client) RatesSource {
	if url == "" {
		return SampleRates{}
	}
	if client == nil {
		client = NewClient(ClientOptions{})
	}
	return &ECBRates{URL: url, Client: client}
}

// ECBRates reads the ECB's reference rates file (eurofxref-daily.xml, or
// the 90-day file, of which it takes the latest day) from URL.
type ECBRates struct {
	URL    string
	Client *Client
}

// Fetch downloads and parses the file. Every error wraps ErrUpstream: a
// file that does not parse is an upstream fault like a 500.
func (e *ECBRates) Fetch(ctx context.Context) (alex.Rates, error) {
	if e.URL == "" {
		return alex.Rates{}, errors.New("ecb rates: no URL")
	}
	body, err := e.Client.Get(ctx, e.URL, http.Header{"Accept": {"application/xml, text/xml"}})
	if err != nil {
		return alex.Rates{}, fmt.Errorf("ecb rates: %w", err)
	}
	return ParseECB(body)
}

// SampleRates serves the bundled sample, marked Stale: it is an offline
// day of rates, not today's, and whoever shows a conversion says so.
type SampleRates struct{}

// Fetch parses the sample.
func (SampleRates) Fetch(context.Context) (alex.Rates, error) {
	r, err := ParseECB(SampleRatesFile)
	r.Stale = true
	return r, err
}

// ecbEnvelope is the file's shape:
//
//	<gesmes:Envelope ...><Cube><Cube time="2026-11-20">
//	  <Cube currency="USD" rate="1.1650"/> ...
//
// Element names match whatever their namespace.
type ecbEnvelope struct {
	XMLName xml.Name `xml:"Envelope"`
	Days    []struct {
		Time  string `xml:"time,attr"`
		Rates []struct {
			Currency string `xml:"currency,attr"`
			Rate     string `xml:"rate,attr"`
		} `xml:"Cube"`
	} `xml:"Cube>Cube"`
}

// ParseECB reads a reference rates file. The rates are parsed from their
// text, so they are exact. The newest day is taken; a file without a dated
// day of rates, or with a rate that is not a positive number, is an error
// (never a partial table: a missing currency would look like no rate, but a
// wrong one would be used).
func ParseECB(body []byte) (alex.Rates, error) {
	var env ecbEnvelope
	if err := xml.NewDecoder(bytes.NewReader(body)).Decode(&env); err != nil {
		return alex.Rates{}, fmt.Errorf("%w: ecb rates: %w", ErrUpstream, err)
	}
	var out alex.Rates
	for _, day := range env.Days {
		at, err := time.Parse(time.DateOnly, day.Time)
		if err != nil {
			return alex.Rates{}, fmt.Errorf("%w: ecb rates: day %q: %w", ErrUpstream, day.Time, err)
		}
		if !out.AsOf.IsZero() && !at.After(out.AsOf) {
			continue
		}
		out = alex.Rates{AsOf: at, PerEUR: map[string]decimal.Decimal{"EUR": decimal.NewFromInt(1)}}
		for _, c := range day.Rates {
			v, err := decimal.NewFromString(c.Rate)
			if err != nil {
				return alex.Rates{}, fmt.Errorf("%w: ecb rates: %s rate %q: %w", ErrUpstream, c.Currency, c.Rate, err)
			}
			if _, dup := out.PerEUR[c.Currency]; dup {
				return alex.Rates{}, fmt.Errorf("%w: ecb rates: %s twice on %s", ErrUpstream, c.Currency, day.Time)
			}
			out.PerEUR[c.Currency] = v
		}
	}
	if err := out.Validate(); err != nil {
		return alex.Rates{}, fmt.Errorf("%w: ecb %w", ErrUpstream, err)
	}
	return out, nil
}
