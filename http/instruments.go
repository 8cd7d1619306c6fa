package http

import (
	"context"

	"github.com/alex-advisor/alex/store"
)

type listInstrumentsInput struct {
	Q     string `query:"q" maxLength:"64" doc:"Prefix of the symbol or the name, case-insensitive"`
	Type  string `query:"type" enum:"etf,stock,mutual_fund,bond_fund,bond,commodity,reit" doc:"Only instruments of this type"`
	Limit int    `query:"limit" minimum:"1" maximum:"500" default:"100"`
}

type instrumentsOutput struct {
	Body []Instrument
}

func (s *Server) registerInstrumentRoutes() {
	register(s, opGet("list-instruments", "/api/v1/instruments", "Search instruments (autocomplete)", "instruments"), s.listInstruments)
}

func (s *Server) listInstruments(ctx context.Context, in *listInstrumentsInput) (*instrumentsOutput, error) {
	ins, err := s.cfg.Store.SearchInstruments(ctx, store.InstrumentFilter{Prefix: in.Q, Type: in.Type, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	out := &instrumentsOutput{Body: make([]Instrument, len(ins))}
	for i, x := range ins {
		out.Body[i] = instrumentOf(x)
	}
	return out, nil
}
