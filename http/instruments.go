package http

import (
	"context"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/store"
)

type listInstrumentsInput struct {
	Q     string         `query:"q" maxLength:"64" doc:"Prefix of the symbol or the name, case-insensitive; without it, every instrument"`
	Type  instrumentType `query:"type" doc:"Only instruments of this type"`
	Limit int            `query:"limit" minimum:"1" maximum:"1000" default:"1000"`
}

type instrumentsOutput struct {
	Body []Instrument
}

// InstrumentPath: see AccountPath. A symbol with / travels escaped
// (BRK%2FB); unescapePathParams decodes it before this is validated.
type InstrumentPath struct {
	Symbol string `path:"symbol" pattern:"^\\s*[A-Za-z0-9./^=-]{1,20}\\s*$" patternDescription:"a ticker symbol: 1 to 20 letters, digits and . - / ^ =" doc:"Ticker symbol, case-insensitive; escape / as %2F"`
}

type instrumentOutput struct {
	Body Instrument
}

func (s *Server) registerInstrumentRoutes() {
	register(s, opGet("list-instruments", "/api/v1/instruments", "List or search the instruments you may see, by symbol (autocomplete)", "instruments"), s.listInstruments)
	register(s, opGet("get-instrument", "/api/v1/instruments/{symbol}", "Get one instrument by symbol", "instruments"), s.getInstrument)
}

func (s *Server) listInstruments(ctx context.Context, in *listInstrumentsInput) (*instrumentsOutput, error) {
	ins, err := s.cfg.Store.SearchInstruments(ctx, store.InstrumentFilter{UserID: userID(ctx), Prefix: in.Q, Type: string(in.Type), Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	out := &instrumentsOutput{Body: make([]Instrument, len(ins))}
	for i, x := range ins {
		out.Body[i] = instrumentOf(x)
	}
	return out, nil
}

func (s *Server) getInstrument(ctx context.Context, in *InstrumentPath) (*instrumentOutput, error) {
	x, err := s.cfg.Store.VisibleInstrument(ctx, userID(ctx), alex.NormalizeSymbol(in.Symbol))
	if err != nil {
		return nil, err
	}
	return &instrumentOutput{Body: instrumentOf(x)}, nil
}
