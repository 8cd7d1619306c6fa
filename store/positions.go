package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Positions lists the positions of one of the user's accounts by symbol,
// with their instruments.
func (s *Store) Positions(ctx context.Context, userID, accountID string) ([]Position, error) {
	if _, err := s.Account(ctx, userID, accountID); err != nil {
		return nil, err
	}
	positions := []Position{}
	err := s.db.WithContext(ctx).Preload("Instrument").
		Where("account_id = ?", accountID).Order("symbol").Find(&positions).Error
	return positions, translate(err, "Positions")
}

// Position returns one position of the user's.
func (s *Store) Position(ctx context.Context, userID, id string) (Position, error) {
	var p Position
	if !isUUID(id) {
		return p, notFound("Position")
	}
	err := s.db.WithContext(ctx).Preload("Instrument").
		Joins("JOIN accounts a ON a.id = positions.account_id AND a.user_id = ?", userID).
		First(&p, "positions.id = ?", id).Error
	return p, translate(err, "Position")
}

// UpsertPosition sets the quantity of symbol in one of the user's accounts,
// creating the position (and a user-added instrument for an unknown symbol).
func (s *Store) UpsertPosition(ctx context.Context, userID, accountID, symbol string, qty decimal.Decimal) (Position, error) {
	if _, err := s.Account(ctx, userID, accountID); err != nil {
		return Position{}, err
	}
	var id string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		id, err = upsertPosition(tx, userID, accountID, symbol, qty)
		return err
	})
	if err != nil {
		return Position{}, translate(err, "Position")
	}
	return s.Position(ctx, userID, id)
}

func upsertPosition(tx *gorm.DB, userID, accountID, symbol string, qty decimal.Decimal) (string, error) {
	if err := ensureInstrument(tx, userID, symbol); err != nil {
		return "", err
	}
	p := Position{ID: uuid.NewString(), AccountID: accountID, Symbol: symbol, Quantity: qty, AsOfDate: today()}
	err := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "account_id"}, {Name: "symbol"}},
		DoUpdates: clause.Assignments(map[string]any{"quantity": qty, "as_of_date": p.AsOfDate, "updated_at": now()}),
	}, clause.Returning{Columns: []clause.Column{{Name: "id"}}}).Omit("Instrument").Create(&p).Error
	return p.ID, err
}

// UpdatePositionQuantity replaces the quantity of one of the user's positions.
func (s *Store) UpdatePositionQuantity(ctx context.Context, userID, id string, qty decimal.Decimal) (Position, error) {
	if !isUUID(id) {
		return Position{}, notFound("Position")
	}
	res := s.db.WithContext(ctx).Model(&Position{}).
		Where("id = ? AND account_id IN (SELECT id FROM accounts WHERE user_id = ?)", id, userID).
		Updates(map[string]any{"quantity": qty, "as_of_date": today(), "updated_at": now()})
	if res.Error != nil {
		return Position{}, translate(res.Error, "Position")
	}
	if res.RowsAffected == 0 {
		return Position{}, notFound("Position")
	}
	return s.Position(ctx, userID, id)
}

// DeletePosition deletes one of the user's positions.
func (s *Store) DeletePosition(ctx context.Context, userID, id string) error {
	if !isUUID(id) {
		return notFound("Position")
	}
	res := s.db.WithContext(ctx).
		Where("id = ? AND account_id IN (SELECT id FROM accounts WHERE user_id = ?)", id, userID).
		Delete(&Position{})
	if res.Error != nil {
		return translate(res.Error, "Position")
	}
	if res.RowsAffected == 0 {
		return notFound("Position")
	}
	return nil
}

func today() time.Time { return dateOf(now()) }

// dateOf is the UTC day of t, as date columns keep it.
func dateOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
