package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/alex-advisor/alex"
)

// MaxPrivateInstruments is how many unconfirmed symbols one user may hold
// at once: each is a row every user's search skips and, while held, a
// candidate for the market provider's quota.
const MaxPrivateInstruments = 100

// visibleTo is the condition on instruments of what one user (its two
// arguments) may see: public instruments, the ones the user added, and the
// unconfirmed ones the user holds (a second user who adds an unconfirmed
// symbol holds the same row; it carries nothing of the first: its name and
// type come from the symbol). No user ("") sees the public ones only.
const visibleTo = `(instruments.owner_user_id IS NULL OR instruments.owner_user_id = ? OR instruments.symbol IN
	(SELECT p.symbol FROM positions p JOIN accounts a ON a.id = p.account_id WHERE a.user_id = ?))`

// InstrumentFilter narrows SearchInstruments.
type InstrumentFilter struct {
	// UserID sees its private instruments too; "" sees the public ones.
	UserID string
	// Prefix matches the start of the symbol or the name, case-insensitive.
	Prefix string
	Type   string
	Limit  int
}

// SearchInstruments lists the instruments the filter's user may see by symbol.
func (s *Store) SearchInstruments(ctx context.Context, f InstrumentFilter) ([]Instrument, error) {
	q := s.db.WithContext(ctx).Where(visibleTo, f.UserID, f.UserID).Order("symbol")
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

// Instrument returns one instrument by symbol, public or not: for the
// service's own use. What a user asks for goes through VisibleInstrument.
func (s *Store) Instrument(ctx context.Context, symbol string) (Instrument, error) {
	var in Instrument
	err := s.db.WithContext(ctx).First(&in, "symbol = ?", symbol).Error
	return in, translate(err, "Instrument "+symbol)
}

// VisibleInstrument returns one instrument by symbol if the user may see
// it; another user's unconfirmed symbol is not found, as an unknown one is.
func (s *Store) VisibleInstrument(ctx context.Context, userID, symbol string) (Instrument, error) {
	var in Instrument
	err := s.db.WithContext(ctx).Where(visibleTo, userID, userID).First(&in, "symbol = ?", symbol).Error
	return in, translate(err, "Instrument "+symbol)
}

// ensureInstrument makes symbol an instrument the user may hold: a public
// one as it is; otherwise (unknown, or unconfirmed) one of the user's
// private symbols, of which they hold at most MaxPrivateInstruments. An
// unknown symbol becomes "SYM - User Added", private to the user; the
// planner fills in its allocations later, and the first quote a provider
// returns for it makes it public.
func ensureInstrument(tx *gorm.DB, userID, symbol string) error {
	var owners []sql.NullString
	if err := tx.Model(&Instrument{}).Where("symbol = ?", symbol).Pluck("owner_user_id", &owners).Error; err != nil {
		return err
	}
	if len(owners) == 1 && !owners[0].Valid {
		return nil
	}
	if err := checkPrivateInstrumentCap(tx, userID, symbol); err != nil {
		return err
	}
	if len(owners) == 1 {
		return nil
	}
	in := Instrument{
		Symbol:               symbol,
		Name:                 symbol + " - User Added",
		InstrumentType:       alex.GuessInstrumentType(symbol),
		AllocationRegions:    Allocation{},
		AllocationSectors:    Allocation{},
		AllocationAssetClass: Allocation{},
		OwnerUserID:          &userID,
	}
	return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&in).Error
}

// checkPrivateInstrumentCap refuses a private symbol the user does not hold
// yet when they hold MaxPrivateInstruments already. The user's row is
// locked first, so two additions at once cannot both take the last place.
func checkPrivateInstrumentCap(tx *gorm.DB, userID, symbol string) error {
	if err := tx.Exec("SELECT 1 FROM users WHERE id = ?"+lockRow(tx, "FOR UPDATE"), userID).Error; err != nil {
		return err
	}
	var held []string
	err := tx.Raw(`SELECT DISTINCT p.symbol FROM positions p
		JOIN accounts a ON a.id = p.account_id
		JOIN instruments i ON i.symbol = p.symbol
		WHERE a.user_id = ? AND i.owner_user_id IS NOT NULL`, userID).Scan(&held).Error
	if err != nil {
		return err
	}
	for _, h := range held {
		if h == symbol {
			return nil
		}
	}
	if len(held) < MaxPrivateInstruments {
		return nil
	}
	return alex.Invalid("body.symbol", fmt.Sprintf(
		"%s is not a symbol the service knows, and you already hold %d such symbols, the most one person may; "+
			"remove one of them, or use a listed symbol", symbol, MaxPrivateInstruments))
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// HeldInstrument is an instrument someone holds, as the price refresher
// ranks it.
type HeldInstrument struct {
	Symbol         string
	InstrumentType string
	// Holders is how many users hold it; an unconfirmed symbol counts as
	// one however many hold it.
	Holders int
}

// MostHeldInstruments lists the instruments held (quantity above 0), most
// held first: by holders, a public instrument before an unconfirmed one
// held by as many, then by value held (quantity × current price, in the
// instrument's currency; unpriced counts 0), then by symbol. Counting an
// unconfirmed symbol once keeps made-up symbols, however many accounts
// hold them, from taking the place of a public instrument more people hold.
func (s *Store) MostHeldInstruments(ctx context.Context) ([]HeldInstrument, error) {
	held := []HeldInstrument{}
	err := s.db.WithContext(ctx).Raw(`SELECT i.symbol, i.instrument_type,
			CASE WHEN i.owner_user_id IS NULL THEN count(DISTINCT a.user_id) ELSE 1 END AS holders
		FROM positions p
		JOIN accounts a ON a.id = p.account_id
		JOIN instruments i ON i.symbol = p.symbol
		WHERE p.quantity > 0
		GROUP BY i.symbol, i.instrument_type, i.owner_user_id
		ORDER BY holders DESC, CASE WHEN i.owner_user_id IS NULL THEN 0 ELSE 1 END,
			sum(p.quantity * coalesce(i.current_price, 0)) DESC, i.symbol`).Scan(&held).Error
	return held, translate(err, "Held instruments")
}
