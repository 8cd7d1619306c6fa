package store

import (
	"context"
	"strings"
)

// InstrumentFilter narrows SearchInstruments.
type InstrumentFilter struct {
	// Prefix matches the start of the symbol or the name, case-insensitive.
	Prefix string
	Type   string
	Limit  int
}

// SearchInstruments lists instruments by symbol.
func (s *Store) SearchInstruments(ctx context.Context, f InstrumentFilter) ([]Instrument, error) {
	q := s.db.WithContext(ctx).Order("symbol")
	if f.Prefix != "" {
		p := escapeLike(strings.ToLower(f.Prefix)) + "%"
		q = q.Where("lower(symbol) LIKE ? OR lower(name) LIKE ?", p, p)
	}
	if f.Type != "" {
		q = q.Where("instrument_type = ?", f.Type)
	}
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	instruments := []Instrument{}
	err := q.Find(&instruments).Error
	return instruments, translate(err, "Instruments")
}

// Instrument returns one instrument by symbol.
func (s *Store) Instrument(ctx context.Context, symbol string) (Instrument, error) {
	var in Instrument
	err := s.db.WithContext(ctx).First(&in, "symbol = ?", symbol).Error
	return in, translate(err, "Instrument "+symbol)
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
