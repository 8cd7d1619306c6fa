package http

// The Mutual Fund Broker's frontend calls /v1/... (no /api prefix) with the
// shapes of its own backend: AMFI column names, {status: "success"}
// envelopes, and errors it reads as detail or message. These routes are
// thin adapters over the services of /api/v1: the same register and login
// handlers, the same fund cache, the same trade path in the store.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/market"
	"github.com/alex-advisor/alex/store"
)

const v1Tag = "Mutual Fund Broker (v1)"

// v1Problem is a problem as /v1 answers it: message repeats detail.
type v1Problem struct {
	huma.ErrorModel
	Message string `json:"message" doc:"The same sentence as detail (the Mutual Fund Broker's frontend reads one or the other)"`
}

// withMessage gives every problem answered under /v1 a message equal to its
// detail, whoever wrote it (huma, the middleware, Fiber's 404).
func withMessage(c *fiber.Ctx) error {
	if err := c.Next(); err != nil {
		if herr := c.App().ErrorHandler(c, err); herr != nil {
			return herr
		}
	}
	if !strings.HasPrefix(string(c.Response().Header.ContentType()), "application/problem+json") {
		return nil
	}
	var p map[string]json.RawMessage
	if err := json.Unmarshal(c.Response().Body(), &p); err != nil || p["detail"] == nil {
		return nil
	}
	p["message"] = p["detail"]
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // as huma writes the problem
	if err := enc.Encode(p); err != nil {
		return nil
	}
	c.Response().SetBodyRaw(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
	return nil
}

// registerV1 registers a /v1 operation under its tag, with the bearer
// security of every route but register and login, and documents its errors
// as v1Problem.
func registerV1[I, O any](s *Server, op huma.Operation, h func(context.Context, *I) (*O, error)) {
	op.Tags = []string{v1Tag}
	if !tokenless(op.Path) {
		op.Security = bearer
		op.Errors = append(op.Errors, http.StatusUnauthorized)
	}
	if op.Path == "/v1/buy" && s.rateLimiter != nil {
		op.Errors = append(op.Errors, http.StatusTooManyRequests)
	}
	register(s, op, h)
	oapi := s.api.OpenAPI()
	schema := oapi.Components.Schemas.Schema(reflect.TypeOf(v1Problem{}), true, "V1Problem")
	registered := oapi.Paths[op.Path].Get
	if op.Method == http.MethodPost {
		registered = oapi.Paths[op.Path].Post
	}
	for code, resp := range registered.Responses {
		if code != "default" && code < "400" {
			continue
		}
		for _, media := range resp.Content {
			media.Schema = schema
		}
	}
}

func (s *Server) registerV1Routes() {
	s.api.OpenAPI().Tags = append(s.api.OpenAPI().Tags, &huma.Tag{Name: v1Tag,
		Description: "The routes the Mutual Fund Broker's frontend calls, in its shapes, over the same services as /api/v1. " +
			"Errors carry `message` beside `detail`. Register and login are local auth mode's: in Clerk mode every /v1/auth route answers 404."})

	registerV1(s, opPost("v1-register", "/v1/auth/register", "Register a user (local auth mode)", v1Tag, http.StatusCreated), s.v1Register)
	registerV1(s, opPost("v1-login", "/v1/auth/login", "Log in and get a bearer token (local auth mode)", v1Tag, http.StatusOK), s.v1Login)
	registerV1(s, opGet("v1-check-login", "/v1/auth/check_login", "Check that a token is valid", v1Tag), s.v1CheckLogin)

	families := opGet("v1-fund-families", "/v1/fund_families", "List mutual fund families", v1Tag)
	families.Description = fundsDescription
	families.Errors = append(families.Errors, http.StatusServiceUnavailable)
	registerV1(s, families, s.v1FundFamilies)
	schemes := opPost("v1-open-ended-schemes", "/v1/fund_schemes/latest/open_ended", "List a family's open-ended schemes with their latest NAV", v1Tag, http.StatusOK)
	schemes.Description = fundsDescription + " Schemes without a published NAV are left out: they cannot be bought."
	schemes.Errors = append(schemes.Errors, http.StatusServiceUnavailable)
	registerV1(s, schemes, s.v1OpenEndedSchemes)

	buy := opPost("v1-buy", "/v1/buy", "Buy units of a scheme at its current NAV", v1Tag, http.StatusOK)
	buy.Description = "Buys `units` at the service's current NAV (the request's `nav` is only compared: the message names the NAV used) " +
		"into the user's fund account (INR, created on first use). The cost is recorded as a deposit followed by the buy, " +
		"in one database transaction; both are in the account's ledger (GET /api/v1/accounts/{id}/transactions). " +
		"The other fields the frontend sends are accepted and ignored."
	buy.Errors = append(buy.Errors, http.StatusNotFound, http.StatusServiceUnavailable)
	registerV1(s, buy, s.v1Buy)
	registerV1(s, opGet("v1-portfolio", "/v1/portfolio", "List the fund account's holdings, one row per scheme", v1Tag), s.v1Portfolio)
}

type v1MessageOutput struct {
	Body struct {
		Message string `json:"message"`
	}
}

func v1Message(msg string) *v1MessageOutput {
	out := &v1MessageOutput{}
	out.Body.Message = msg
	return out
}

func (s *Server) v1Register(ctx context.Context, in *registerInput) (*v1MessageOutput, error) {
	if _, err := s.register(ctx, in); err != nil {
		return nil, err
	}
	return v1Message("User registered successfully."), nil
}

type v1LoginOutput struct {
	Body struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type" enum:"bearer"`
	}
}

func (s *Server) v1Login(ctx context.Context, in *loginInput) (*v1LoginOutput, error) {
	token, err := s.login(ctx, in)
	if err != nil {
		return nil, err
	}
	out := &v1LoginOutput{}
	out.Body.AccessToken, out.Body.TokenType = token.Body.Token, "bearer"
	return out, nil
}

// v1CheckLogin is reached only with a valid token: the middleware answers
// 401 otherwise ("Token has expired." for an expired one).
func (s *Server) v1CheckLogin(context.Context, *struct{}) (*v1MessageOutput, error) {
	if s.cfg.Issuer == nil {
		return nil, errLocalAuthOff
	}
	return v1Message("Token is valid"), nil
}

type v1FamiliesOutput struct {
	CacheHeaders
	Body struct {
		Status       string   `json:"status" enum:"success"`
		FundFamilies []string `json:"fund_families" example:"[\"HDFC Mutual Fund\",\"SBI Mutual Fund\"]"`
	}
}

func (s *Server) v1FundFamilies(ctx context.Context, in *struct{}) (*v1FamiliesOutput, error) {
	families, err := s.listFundFamilies(ctx, in)
	if err != nil {
		return nil, err
	}
	out := &v1FamiliesOutput{CacheHeaders: families.CacheHeaders}
	out.Body.Status, out.Body.FundFamilies = "success", families.Body.Families
	return out, nil
}

// V1Scheme is a scheme in the columns of AMFI's NAV file.
type V1Scheme struct {
	SchemeCode       int64   `json:"Scheme_Code" example:"119598"`
	ISINGrowth       string  `json:"ISIN_Div_Payout_ISIN_Growth" example:"INF200K01QX4" doc:"Empty when AMFI publishes none"`
	ISINReinvestment string  `json:"ISIN_Div_Reinvestment" example:"" doc:"Empty when AMFI publishes none"`
	Name             string  `json:"Scheme_Name" example:"SBI BLUECHIP FUND - DIRECT PLAN - GROWTH"`
	NAV              float64 `json:"Net_Asset_Value" example:"98.7612"`
	Date             string  `json:"Date" example:"22-Nov-2026" doc:"The day of the NAV, as AMFI writes it"`
	Type             string  `json:"Scheme_Type" example:"Open Ended Schemes"`
	Category         string  `json:"Scheme_Category" example:"Equity Scheme - Large Cap Fund"`
	Family           string  `json:"Mutual_Fund_Family" example:"SBI Mutual Fund"`
}

type v1SchemesInput struct {
	Body struct {
		FundFamily string `json:"fund_family" minLength:"1" maxLength:"200" example:"SBI Mutual Fund" doc:"A name of GET /v1/fund_families"`
	}
}

type v1SchemesOutput struct {
	CacheHeaders
	Body struct {
		Status string     `json:"status" enum:"success"`
		Data   []V1Scheme `json:"data"`
	}
}

func (s *Server) v1OpenEndedSchemes(ctx context.Context, in *v1SchemesInput) (*v1SchemesOutput, error) {
	funds, err := s.funds()
	if err != nil {
		return nil, err
	}
	schemes, f, err := funds.Schemes(ctx, in.Body.FundFamily)
	if err != nil {
		return nil, err
	}
	out := &v1SchemesOutput{CacheHeaders: cacheHeaders(f)}
	out.Body.Status, out.Body.Data = "success", make([]V1Scheme, 0, len(schemes))
	for _, sc := range schemes {
		if v, ok := v1SchemeOf(sc); ok && sc.OpenEnded() {
			out.Body.Data = append(out.Body.Data, v)
		}
	}
	return out, nil
}

// v1SchemeOf is false for a scheme without a NAV: it cannot be bought.
func v1SchemeOf(sc market.Scheme) (V1Scheme, bool) {
	code, err := strconv.ParseInt(sc.Code, 10, 64)
	if err != nil || sc.NAV == nil {
		return V1Scheme{}, false
	}
	return V1Scheme{
		SchemeCode: code, ISINGrowth: sc.ISINGrowth, ISINReinvestment: sc.ISINReinvestment, Name: sc.Name,
		NAV: sc.NAV.InexactFloat64(), Date: amfiDate(sc.NAVAsOf()), Type: sc.Type,
		Category: sc.Category, Family: sc.Family,
	}, true
}

// amfiDate writes a day as AMFI does ("22-Nov-2026"); "" when unknown.
func amfiDate(day time.Time, ok bool) string {
	if !ok {
		return ""
	}
	return day.Format(market.NAVDateLayout)
}

type v1BuyInput struct {
	Body struct {
		SchemeCode int64    `json:"Scheme_Code" minimum:"1" maximum:"999999999" example:"119598" doc:"AMFI's scheme code"`
		Units      float64  `json:"units" exclusiveMinimum:"0" maximum:"1000000000000" example:"3" doc:"Units to buy"`
		NAV        *float64 `json:"nav,omitempty" exclusiveMinimum:"0" maximum:"1000000000000" example:"98.7612" doc:"The NAV the buyer saw; the purchase is made at the current NAV all the same"`
		// Sent by the frontend from the scheme row; the scheme's own data wins.
		SchemeName       string   `json:"Scheme_Name,omitempty" maxLength:"1000"`
		Date             string   `json:"Date,omitempty" maxLength:"100"`
		SchemeCategory   string   `json:"Scheme_Category,omitempty" maxLength:"1000"`
		Family           string   `json:"Mutual_Fund_Family,omitempty" maxLength:"1000"`
		ISINGrowth       string   `json:"ISIN_Div_Payout_ISIN_Growth,omitempty" maxLength:"100"`
		ISINReinvestment string   `json:"ISIN_Div_Reinvestment,omitempty" maxLength:"100"`
		_                struct{} `additionalProperties:"true"`
	}
}

func (s *Server) v1Buy(ctx context.Context, in *v1BuyInput) (*v1MessageOutput, error) {
	code := strconv.FormatInt(in.Body.SchemeCode, 10)
	symbol, err := alex.FundSymbol(code)
	if err != nil {
		return nil, alex.Invalid("body.Scheme_Code", "not a scheme code")
	}
	if _, _, err := s.ensureUser(ctx); err != nil {
		return nil, err
	}
	fund, err := s.newFundInstrument(ctx, symbol)
	if err != nil {
		return nil, v1Fields(err)
	}
	_, tr, err := s.cfg.Store.BuyFundUnits(ctx, store.FundPurchase{
		UserID: userID(ctx), Symbol: symbol, Units: decimal.NewFromFloat(in.Body.Units),
		Currency: market.FundCurrency, NewInstrument: fund, Rates: s.cfg.Rates,
	})
	if err != nil {
		return nil, v1Fields(err)
	}
	return v1Message(boughtMessage(code, tr, in.Body.NAV)), nil
}

// boughtMessage tells the buyer what was bought at which NAV, and, when the
// NAV they saw is not the one used, says so.
func boughtMessage(code string, tr alex.Transaction, seen *float64) string {
	nav := fmt.Sprintf("NAV %s %s", tr.Price.String(), tr.PriceCurrency)
	if seen != nil && !decimal.NewFromFloat(*seen).Equal(tr.Price) {
		nav = fmt.Sprintf("the current NAV %s %s (not %s, the NAV sent)", tr.Price.String(), tr.PriceCurrency,
			decimal.NewFromFloat(*seen).String())
	}
	return fmt.Sprintf("Bought %s units of scheme %s at %s for %s %s.",
		tr.Quantity.String(), code, nav, tr.Amount.StringFixed(2), tr.Currency)
}

// v1Fields names the fields of a trade's validation error as /v1's request
// calls them.
func v1Fields(err error) error {
	var e *alex.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	renamed := *e
	renamed.Fields = make([]alex.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		switch f.Location {
		case "body.symbol":
			f.Location = "body.Scheme_Code"
		case "body.quantity":
			f.Location = "body.units"
		}
		renamed.Fields[i] = f
	}
	return &renamed
}

// V1Holding is one scheme of the fund account.
type V1Holding struct {
	SchemeCode   int64    `json:"Scheme_Code" example:"119598"`
	SchemeName   string   `json:"Scheme_Name" example:"SBI BLUECHIP FUND - DIRECT PLAN - GROWTH"`
	Category     string   `json:"Scheme_Category" example:"Equity Scheme - Large Cap Fund" doc:"From the fund data; empty when it cannot be read now"`
	Family       string   `json:"Mutual_Fund_Family" example:"SBI Mutual Fund" doc:"From the fund data; empty when it cannot be read now"`
	Units        float64  `json:"units" example:"3"`
	NAV          *float64 `json:"Net_Asset_Value" example:"98.7612" doc:"The latest NAV the service knows, in currency; null without one"`
	TotalCost    *float64 `json:"total_cost" example:"296.28" doc:"What the units cost, in currency, at average cost; null when the ledger does not explain them"`
	CurrentValue *float64 `json:"current_value" example:"296.28" doc:"units × Net_Asset_Value, in currency; null without a NAV"`
	Date         *string  `json:"Date" example:"22-Nov-2026" doc:"The day of Net_Asset_Value, as AMFI writes it"`
	Currency     string   `json:"currency" example:"INR" doc:"ISO 4217 code of Net_Asset_Value, total_cost and current_value: the fund account's"`
}

type v1PortfolioOutput struct {
	Body struct {
		Status    string      `json:"status" enum:"success"`
		Portfolio []V1Holding `json:"portfolio"`
	}
}

func (s *Server) v1Portfolio(ctx context.Context, _ *struct{}) (*v1PortfolioOutput, error) {
	acct, holdings, _, err := s.cfg.Store.FundHoldings(ctx, userID(ctx))
	if err != nil {
		return nil, err
	}
	out := &v1PortfolioOutput{}
	out.Body.Status, out.Body.Portfolio = "success", make([]V1Holding, 0, len(holdings))
	for _, h := range holdings {
		if row, ok := s.v1HoldingOf(ctx, acct, h); ok {
			out.Body.Portfolio = append(out.Body.Portfolio, row)
		}
	}
	return out, nil
}

// v1HoldingOf is false for a position that is no fund scheme's (one added
// to the fund account through /api).
func (s *Server) v1HoldingOf(ctx context.Context, acct alex.Account, h store.FundHolding) (V1Holding, bool) {
	p, in := h.Position, h.Position.Instrument
	code, ok := alex.FundSchemeCode(p.Symbol)
	if !ok {
		return V1Holding{}, false
	}
	n, err := strconv.ParseInt(code, 10, 64)
	if err != nil {
		return V1Holding{}, false
	}
	row := V1Holding{SchemeCode: n, SchemeName: in.Name, Units: p.Quantity.InexactFloat64(), Currency: acct.Currency}
	row.Category, row.Family = s.schemeFamily(ctx, code)
	if h.Cost.Valid {
		row.TotalCost = ptr(h.Cost.Decimal.InexactFloat64())
	}
	// The instrument is priced in the account's currency: fund accounts and
	// fund NAVs are both INR.
	if in.CurrentPrice.Valid && in.Currency == acct.Currency {
		row.NAV = ptr(in.CurrentPrice.Decimal.InexactFloat64())
		row.CurrentValue = ptr(p.Quantity.Mul(in.CurrentPrice.Decimal).Round(2).InexactFloat64())
	}
	if in.PriceAsOf != nil {
		row.Date = ptr(amfiDate(*in.PriceAsOf, true))
	}
	return row, true
}

// schemeFamily is the category and family of a scheme from the fund data,
// empty when the data cannot be read now: the holding is still listed.
func (s *Server) schemeFamily(ctx context.Context, code string) (category, family string) {
	if s.cfg.Funds == nil {
		return "", ""
	}
	sc, _, err := s.cfg.Funds.Scheme(ctx, code)
	if err != nil {
		if alex.ErrorCode(err) != alex.ENOTFOUND {
			s.log.WarnContext(ctx, "portfolio: fund data not read", "err", err, "scheme_code", code, "request_id", requestID(ctx))
		}
		return "", ""
	}
	return sc.Category, sc.Family
}

func ptr[T any](v T) *T { return &v }
