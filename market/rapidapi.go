package market

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
)

// RapidAPINAVURL is the RapidAPI "latest mutual fund NAV" service.
const RapidAPINAVURL = "https://latest-mutual-fund-nav.p.rapidapi.com/latest?Scheme_Type=Open"

// RapidAPI reads the latest NAVs from the RapidAPI service: a JSON array of
// schemes, authenticated with the X-RapidAPI-Key header.
type RapidAPI struct {
	URL    string
	Key    string
	Client *Client
	Log    *slog.Logger
}

// rapidAPIScheme is one element of the answer. Codes and NAVs come as
// numbers or as strings ("N.A."), so they are read raw.
type rapidAPIScheme struct {
	SchemeCode       json.RawMessage `json:"Scheme_Code"`
	SchemeName       string          `json:"Scheme_Name"`
	NetAssetValue    json.RawMessage `json:"Net_Asset_Value"`
	Date             string          `json:"Date"`
	SchemeCategory   string          `json:"Scheme_Category"`
	MutualFundFamily string          `json:"Mutual_Fund_Family"`
	ISINGrowth       string          `json:"ISIN_Div_Payout_ISIN_Growth"`
	ISINReinvestment string          `json:"ISIN_Div_Reinvestment"`
	SchemeType       string          `json:"Scheme_Type"`
}

// Schemes fetches the latest NAVs. Elements that do not parse are skipped
// and logged; an answer without any scheme is ErrNoSchemes.
func (r *RapidAPI) Schemes(ctx context.Context) ([]Scheme, error) {
	u := r.URL
	if u == "" {
		u = RapidAPINAVURL
	}
	h := http.Header{"X-Rapidapi-Key": {r.Key}, "Accept": {"application/json"}}
	if parsed, err := url.Parse(u); err == nil {
		h.Set("X-RapidAPI-Host", parsed.Host)
	}
	body, err := r.Client.Get(ctx, u, h)
	if err != nil {
		return nil, fmt.Errorf("rapidapi nav: %w", err)
	}
	schemes, skipped, err := ParseRapidAPI(body)
	if err != nil {
		return nil, fmt.Errorf("rapidapi nav: %w", err)
	}
	if skipped > 0 && r.Log != nil {
		r.Log.WarnContext(ctx, "rapidapi nav: malformed schemes skipped", "skipped", skipped, "schemes", len(schemes))
	}
	return schemes, nil
}

// ParseRapidAPI reads the service's JSON array.
func ParseRapidAPI(body []byte) (schemes []Scheme, skipped int, err error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, 0, fmt.Errorf("%w: malformed answer: %w", ErrUpstream, err)
	}
	for _, item := range raw {
		var e rapidAPIScheme
		if err := json.Unmarshal(item, &e); err != nil {
			skipped++
			continue
		}
		s, err := newScheme(jsonScalar(e.SchemeCode), e.SchemeName, jsonScalar(e.NetAssetValue), e.Date)
		if err != nil {
			skipped++
			continue
		}
		s.ISINGrowth, s.ISINReinvestment = isin(e.ISINGrowth), isin(e.ISINReinvestment)
		s.Category, s.Family, s.Type = strings.TrimSpace(e.SchemeCategory), strings.TrimSpace(e.MutualFundFamily), strings.TrimSpace(e.SchemeType)
		schemes = append(schemes, s)
	}
	if len(schemes) == 0 {
		return nil, skipped, ErrNoSchemes
	}
	return schemes, skipped, nil
}

// jsonScalar is a JSON number or string as text; anything else is "".
func jsonScalar(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(v, &n) == nil {
		return n.String()
	}
	return ""
}
