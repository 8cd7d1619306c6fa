package http

import (
	"context"
	"net/http"
	"time"

	"github.com/shopspring/decimal"

	"github.com/alex-advisor/alex"
)

// Instrument is the instrument of the contract.
type Instrument struct {
	Symbol               string             `json:"symbol"`
	Name                 string             `json:"name"`
	InstrumentType       instrumentType     `json:"instrument_type"`
	Currency             string             `json:"currency" doc:"ISO 4217 code of current_price"`
	CurrentPrice         *float64           `json:"current_price"`
	PriceAsOf            *string            `json:"price_as_of" format:"date" doc:"The day the price is for (a NAV's own date); null without a price"`
	PriceSource          *priceSource       `json:"price_source" doc:"Where the price came from; null without a price"`
	AllocationRegions    map[string]float64 `json:"allocation_regions"`
	AllocationSectors    map[string]float64 `json:"allocation_sectors"`
	AllocationAssetClass map[string]float64 `json:"allocation_asset_class"`
	// The same maps under the names the Alex frontend reads.
	AssetClassAllocation map[string]float64 `json:"asset_class_allocation" doc:"The same as allocation_asset_class"`
	RegionAllocation     map[string]float64 `json:"region_allocation" doc:"The same as allocation_regions"`
	SectorAllocation     map[string]float64 `json:"sector_allocation" doc:"The same as allocation_sectors"`
}

func instrumentOf(in alex.Instrument) Instrument {
	return Instrument{
		Symbol:               in.Symbol,
		Name:                 in.Name,
		InstrumentType:       instrumentType(in.InstrumentType),
		Currency:             in.Currency,
		CurrentPrice:         price(in.CurrentPrice),
		PriceAsOf:            dateString(in.PriceAsOf),
		PriceSource:          (*priceSource)(in.PriceSource),
		AllocationRegions:    in.AllocationRegions,
		AllocationSectors:    in.AllocationSectors,
		AllocationAssetClass: in.AllocationAssetClass,
		AssetClassAllocation: in.AllocationAssetClass,
		RegionAllocation:     in.AllocationRegions,
		SectorAllocation:     in.AllocationSectors,
	}
}

func price(d decimal.NullDecimal) *float64 {
	if !d.Valid {
		return nil
	}
	f := d.Decimal.InexactFloat64()
	return &f
}

func dateString(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.Format(time.DateOnly)
	return &s
}

// Position is the position of the contract.
type Position struct {
	ID             string     `json:"id" format:"uuid"`
	AccountID      string     `json:"account_id" format:"uuid"`
	Symbol         string     `json:"symbol"`
	Quantity       float64    `json:"quantity"`
	AsOfDate       string     `json:"as_of_date" format:"date"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	InstrumentName string     `json:"instrument_name"`
	InstrumentType string     `json:"instrument_type"`
	CurrentPrice   *float64   `json:"current_price"`
	Instrument     Instrument `json:"instrument"`
}

func positionOf(p alex.Position) Position {
	return Position{
		ID:             p.ID,
		AccountID:      p.AccountID,
		Symbol:         p.Symbol,
		Quantity:       p.Quantity.InexactFloat64(),
		AsOfDate:       p.AsOfDate.Format(time.DateOnly),
		CreatedAt:      p.CreatedAt,
		UpdatedAt:      p.UpdatedAt,
		InstrumentName: p.Instrument.Name,
		InstrumentType: p.Instrument.InstrumentType,
		CurrentPrice:   price(p.Instrument.CurrentPrice),
		Instrument:     instrumentOf(p.Instrument),
	}
}

func positionsOf(ps []alex.Position) []Position {
	out := make([]Position, len(ps))
	for i, p := range ps {
		out[i] = positionOf(p)
	}
	return out
}

type positionsOutput struct {
	Body struct {
		Positions []Position `json:"positions"`
	}
}

type positionOutput struct {
	Body Position
}

// PositionPath: see AccountPath.
type PositionPath struct {
	ID string `path:"id" format:"uuid" doc:"Position id"`
}

type upsertPositionInput struct {
	Body struct {
		AccountID string  `json:"account_id" format:"uuid"`
		Symbol    string  `json:"symbol" pattern:"^\\s*[A-Za-z0-9./^=-]{1,20}\\s*$" patternDescription:"a ticker symbol: 1 to 20 letters, digits and . - / ^ =" doc:"Stored upper-cased, e.g. BRK.B, BRK/B, ^GSPC, EURUSD=X"`
		Quantity  float64 `json:"quantity" exclusiveMinimum:"0" maximum:"1000000000000"`
	}
}

// updatePositionInput is a partial update: a missing or null quantity is
// left unchanged. Unknown fields are refused; the Position's read-only
// fields are accepted and ignored (see AccountEcho).
type updatePositionInput struct {
	PositionPath
	Body struct {
		Quantity *float64 `json:"quantity,omitempty" nullable:"true" minimum:"0" maximum:"1000000000000" doc:"0 keeps the position, holding nothing"`
		PositionEcho
	}
}

// PositionEcho are the read-only fields of a Position that a PUT may carry.
type PositionEcho struct {
	ID             any `json:"id,omitempty" readOnly:"true" doc:"Read-only; ignored"`
	AccountID      any `json:"account_id,omitempty" readOnly:"true" doc:"Read-only; ignored"`
	Symbol         any `json:"symbol,omitempty" readOnly:"true" doc:"Read-only; ignored"`
	AsOfDate       any `json:"as_of_date,omitempty" readOnly:"true" doc:"Read-only; ignored"`
	CreatedAt      any `json:"created_at,omitempty" readOnly:"true" doc:"Read-only; ignored"`
	UpdatedAt      any `json:"updated_at,omitempty" readOnly:"true" doc:"Read-only; ignored"`
	InstrumentName any `json:"instrument_name,omitempty" readOnly:"true" doc:"Read-only; ignored"`
	InstrumentType any `json:"instrument_type,omitempty" readOnly:"true" doc:"Read-only; ignored"`
	CurrentPrice   any `json:"current_price,omitempty" readOnly:"true" doc:"Read-only; ignored"`
	Instrument     any `json:"instrument,omitempty" readOnly:"true" doc:"Read-only; ignored"`
}

func (s *Server) registerPositionRoutes() {
	register(s, opGet("list-positions", "/api/v1/accounts/{id}/positions", "List an account's positions by symbol", "positions"), s.listPositions)
	register(s, opPost("upsert-position", "/api/v1/positions", "Set the quantity of a symbol in an account", "positions", http.StatusCreated), s.upsertPosition)
	register(s, opPut("update-position", "/api/v1/positions/{id}", "Change a position's quantity", "positions"), s.updatePosition)
	register(s, opDelete("delete-position", "/api/v1/positions/{id}", "Delete a position", "positions"), s.deletePosition)
}

func (s *Server) listPositions(ctx context.Context, in *AccountPath) (*positionsOutput, error) {
	ps, err := s.cfg.Store.Positions(ctx, userID(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	out := &positionsOutput{}
	out.Body.Positions = positionsOf(ps)
	return out, nil
}

func (s *Server) upsertPosition(ctx context.Context, in *upsertPositionInput) (*positionOutput, error) {
	p, err := s.cfg.Store.UpsertPosition(ctx, userID(ctx), in.Body.AccountID,
		alex.NormalizeSymbol(in.Body.Symbol), decimal.NewFromFloat(in.Body.Quantity))
	if err != nil {
		return nil, err
	}
	return &positionOutput{Body: positionOf(p)}, nil
}

func (s *Server) updatePosition(ctx context.Context, in *updatePositionInput) (*positionOutput, error) {
	if in.Body.Quantity == nil {
		p, err := s.cfg.Store.Position(ctx, userID(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &positionOutput{Body: positionOf(p)}, nil
	}
	p, err := s.cfg.Store.UpdatePositionQuantity(ctx, userID(ctx), in.ID, decimal.NewFromFloat(*in.Body.Quantity))
	if err != nil {
		return nil, err
	}
	return &positionOutput{Body: positionOf(p)}, nil
}

func (s *Server) deletePosition(ctx context.Context, in *PositionPath) (*messageOutput, error) {
	if err := s.cfg.Store.DeletePosition(ctx, userID(ctx), in.ID); err != nil {
		return nil, err
	}
	return &messageOutput{Body: message{"Position deleted"}}, nil
}
