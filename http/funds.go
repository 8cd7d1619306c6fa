package http

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/market"
)

// FundScheme is a mutual fund scheme with its latest NAV; buy it through
// the transactions route with its symbol.
type FundScheme struct {
	SchemeCode string   `json:"scheme_code" example:"119551"`
	Name       string   `json:"name"`
	NAV        *float64 `json:"nav" doc:"Latest net asset value per unit; null when the provider publishes none (N.A.)"`
	NAVDate    string   `json:"nav_date" format:"date"`
	Category   string   `json:"category" example:"Debt Scheme - Banking and PSU Fund"`
	Family     string   `json:"family" example:"Aditya Birla Sun Life Mutual Fund"`
	Symbol     string   `json:"symbol" example:"MF119551" doc:"The instrument symbol to trade the scheme with"`
}

func fundSchemeOf(s market.Scheme) FundScheme {
	out := FundScheme{SchemeCode: s.Code, Name: s.Name, NAVDate: s.NAVDate, Category: s.Category, Family: s.Family, Symbol: s.Symbol}
	if s.NAV != nil {
		nav := s.NAV.InexactFloat64()
		out.NAV = &nav
	}
	return out
}

// CacheHeaders tell where fund data came from. A stale copy, served when the
// fund data provider fails, carries Warning and X-Data-Stale.
type CacheHeaders struct {
	Cache     string `header:"X-Cache" enum:"HIT,MISS,STALE" doc:"HIT: a fresh cached copy; MISS: fetched from the fund data provider just now; STALE: the provider failed and this is the last copy"`
	Stale     string `header:"X-Data-Stale" doc:"\"true\" when the data is a stale copy served during a provider outage; absent otherwise"`
	Warning   string `header:"Warning" doc:"110 - \"Response is Stale\" on a stale copy (RFC 7234); absent otherwise"`
	FetchedAt string `header:"X-Data-Fetched-At" doc:"When the data was fetched from the provider (RFC 3339)"`
}

func cacheHeaders(f market.Freshness) CacheHeaders {
	h := CacheHeaders{Cache: f.Cache}
	if !f.FetchedAt.IsZero() {
		h.FetchedAt = f.FetchedAt.UTC().Format(time.RFC3339)
	}
	if f.Stale() {
		h.Stale, h.Warning = "true", `110 - "Response is Stale"`
	}
	return h
}

type familiesOutput struct {
	CacheHeaders
	Body struct {
		Families []string `json:"families"`
	}
}

// maxSchemesPage is the most schemes one page lists (AMFI publishes some
// 15,000).
const maxSchemesPage = 500

type listSchemesInput struct {
	Family    string `query:"family" maxLength:"200" doc:"Only the schemes of this fund family (a name of GET /funds/families)"`
	OpenEnded bool   `query:"open_ended" doc:"Only open-ended schemes, whose units can be bought any day"`
	Limit     int    `query:"limit" minimum:"1" maximum:"500" default:"500" doc:"Schemes per page"`
	Cursor    string `query:"cursor" maxLength:"20" doc:"The next_cursor of the previous page"`
}

type schemesOutput struct {
	CacheHeaders
	Body struct {
		Schemes    []FundScheme `json:"schemes"`
		NextCursor *string      `json:"next_cursor" doc:"Pass as cursor for the next page; null on the last"`
	}
}

const fundsDescription = "Served from a cache of the fund data provider's data. When the provider fails, " +
	"the last copy is served with `Warning: 110 - \"Response is Stale\"` and `X-Data-Stale: true`; " +
	"without any copy the answer is 503."

func (s *Server) registerFundRoutes() {
	families := opGet("list-fund-families", "/api/v1/funds/families", "List mutual fund families", "funds")
	families.Description = fundsDescription
	families.Errors = append(families.Errors, http.StatusServiceUnavailable)
	register(s, families, s.listFundFamilies)
	schemes := opGet("list-fund-schemes", "/api/v1/funds/schemes", "List mutual fund schemes with their latest NAV", "funds")
	schemes.Description = fundsDescription + " Buy a scheme through POST /accounts/{id}/transactions with its `symbol`."
	schemes.Errors = append(schemes.Errors, http.StatusServiceUnavailable)
	register(s, schemes, s.listFundSchemes)
}

func (s *Server) funds() (*market.FundCache, error) {
	if s.cfg.Funds == nil {
		return nil, alex.Errorf(alex.EUNAVAILABLE, "Fund data is not configured on this server.")
	}
	return s.cfg.Funds, nil
}

func (s *Server) listFundFamilies(ctx context.Context, _ *struct{}) (*familiesOutput, error) {
	funds, err := s.funds()
	if err != nil {
		return nil, err
	}
	families, f, err := funds.Families(ctx)
	if err != nil {
		return nil, err
	}
	out := &familiesOutput{CacheHeaders: cacheHeaders(f)}
	out.Body.Families = families
	if out.Body.Families == nil {
		out.Body.Families = []string{}
	}
	return out, nil
}

func (s *Server) listFundSchemes(ctx context.Context, in *listSchemesInput) (*schemesOutput, error) {
	funds, err := s.funds()
	if err != nil {
		return nil, err
	}
	schemes, f, err := funds.Schemes(ctx, in.Family)
	if err != nil {
		return nil, err
	}
	if in.OpenEnded {
		schemes = slices.DeleteFunc(slices.Clone(schemes), func(sc market.Scheme) bool { return !sc.OpenEnded() })
	}
	// The cursor is the code of the last scheme sent: the next page starts
	// after it, in the provider's order.
	start := 0
	if in.Cursor != "" {
		i := slices.IndexFunc(schemes, func(sc market.Scheme) bool { return sc.Code == in.Cursor })
		if i < 0 {
			return nil, alex.Invalid("query.cursor", "The cursor names no scheme of this list; start again without it.")
		}
		start = i + 1
	}
	limit := cmp.Or(in.Limit, maxSchemesPage)
	page := schemes[start:min(start+limit, len(schemes))]
	out := &schemesOutput{CacheHeaders: cacheHeaders(f)}
	out.Body.Schemes = make([]FundScheme, 0, len(page))
	for _, sc := range page {
		out.Body.Schemes = append(out.Body.Schemes, fundSchemeOf(sc))
	}
	if start+len(page) < len(schemes) {
		out.Body.NextCursor = &page[len(page)-1].Code
	}
	return out, nil
}

// newFundInstrument is the instrument a fund symbol becomes when it is
// first traded: nil for a symbol that is not a fund's or already known.
func (s *Server) newFundInstrument(ctx context.Context, symbol string) (*alex.Instrument, error) {
	code, ok := alex.FundSchemeCode(symbol)
	if !ok || s.cfg.Funds == nil {
		return nil, nil
	}
	if _, err := s.cfg.Store.Instrument(ctx, symbol); alex.ErrorCode(err) != alex.ENOTFOUND {
		return nil, err // known, or the database failed
	}
	scheme, _, err := s.cfg.Funds.Scheme(ctx, code)
	switch {
	case alex.ErrorCode(err) == alex.ENOTFOUND:
		return nil, alex.Invalid("body.symbol", fmt.Sprintf("unknown symbol %s: no fund scheme has the code %s", symbol, code))
	case err != nil:
		return nil, err
	case scheme.NAV == nil:
		return nil, alex.Invalid("body.symbol", fmt.Sprintf("%s has no NAV to trade at", symbol))
	case !scheme.OpenEnded():
		return nil, alex.Invalid("body.symbol", fmt.Sprintf("%s is not an open-ended scheme: its units cannot be bought", symbol))
	}
	return fundInstrument(scheme), nil
}

// fundInstrument maps a scheme to its instrument row: price = NAV,
// allocations inferred from its category.
func fundInstrument(sc market.Scheme) *alex.Instrument {
	in := sc.Instrument()
	at := time.Now().UTC()
	asOf, ok := sc.NAVAsOf()
	if !ok {
		asOf = at
	}
	source := alex.PriceAMFI
	return &alex.Instrument{
		Symbol: sc.Symbol, Name: sc.Name, InstrumentType: in.Type, Currency: market.FundCurrency,
		CurrentPrice: decimal.NewNullDecimal(*sc.NAV), PriceUpdatedAt: &at, PriceAsOf: &asOf, PriceSource: &source,
		AllocationRegions: in.Regions, AllocationSectors: in.Sectors, AllocationAssetClass: in.AssetClasses,
		AllocationInferred: in.Inferred,
	}
}
