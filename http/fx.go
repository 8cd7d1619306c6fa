package http

import (
	"context"
	"time"

	"github.com/alex-advisor/alex"
)

type fxRatesInput struct {
	Base string `query:"base" pattern:"^[A-Z]{3}$" patternDescription:"an ISO 4217 code such as USD" default:"USD" doc:"The currency the rates are quoted against: 1 base = rate units"`
}

type fxRatesOutput struct {
	Body struct {
		Base  string             `json:"base"`
		AsOf  string             `json:"as_of" format:"date" doc:"The day of the ECB's reference rates"`
		Stale bool               `json:"stale" doc:"true for the bundled offline sample or an old copy kept while the source is down"`
		Rates map[string]float64 `json:"rates" doc:"Units of each currency per one base"`
	}
}

func (s *Server) registerFXRoutes() {
	register(s, opGet("fx-rates", "/api/v1/fx/rates", "Today's exchange rates (ECB daily reference rates)", "fx"), s.fxRates)
}

func (s *Server) fxRates(ctx context.Context, in *fxRatesInput) (*fxRatesOutput, error) {
	if s.cfg.Rates == nil {
		return nil, alex.Errorf(alex.EUNAVAILABLE, "No exchange rates are available.")
	}
	rates, err := s.cfg.Rates(ctx)
	if err != nil {
		return nil, err
	}
	per, err := rates.For(in.Base)
	if err != nil {
		return nil, alex.Invalid("query.base", "no exchange rate is published for "+in.Base)
	}
	out := &fxRatesOutput{}
	out.Body.Base, out.Body.AsOf, out.Body.Stale = in.Base, rates.AsOf.Format(time.DateOnly), rates.Stale
	out.Body.Rates = make(map[string]float64, len(per))
	for code, r := range per {
		out.Body.Rates[code] = r.InexactFloat64()
	}
	return out, nil
}
