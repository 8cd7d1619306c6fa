package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/alex-advisor/alex"
)

// Holdings is everything the planner snapshots of a user: the user, the
// accounts newest first, and each account's positions held (quantity above
// 0) with instruments.
type Holdings struct {
	User      User
	Accounts  []Account
	Positions map[string][]Position // by account id, each by symbol
}

// HoldingsOf reads a user's holdings in one read-only transaction, so the
// snapshot is consistent.
func (s *Store) HoldingsOf(ctx context.Context, userID string) (Holdings, error) {
	h := Holdings{Positions: map[string][]Position{}}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.First(&h.User, "id = ?", userID).Error; err != nil {
			return err
		}
		if err := tx.Where("user_id = ?", userID).Order("created_at DESC, id DESC").Find(&h.Accounts).Error; err != nil {
			return err
		}
		// A position at 0 is kept for its owner to edit but holds nothing:
		// no analysis values, prices or warns about it.
		var positions []Position
		if err := tx.Joins("Instrument").
			Where("positions.quantity > 0 AND positions.account_id IN (SELECT id FROM accounts WHERE user_id = ?)", userID).
			Order("positions.symbol").Find(&positions).Error; err != nil {
			return err
		}
		for _, p := range positions {
			h.Positions[p.AccountID] = append(h.Positions[p.AccountID], p)
		}
		return nil
	}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	return h, translate(err, "Holdings")
}

// InstrumentUpdate is what the planner learned of an instrument.
type InstrumentUpdate struct {
	Symbol string
	// Price, when set, is a fresh quote in Currency recorded at PriceAt,
	// for the day AsOf, from Source.
	Price    *decimal.Decimal
	Currency string
	PriceAt  time.Time
	AsOf     time.Time
	Source   string
	// Allocations, when set, were inferred for an instrument that had none.
	Regions, Sectors, AssetClasses Allocation
}

// UpdateInstruments records fresh prices and inferred allocations. Inferred
// allocations never overwrite ones an instrument already has. A price from
// a provider confirms the symbol: a private instrument becomes public.
func (s *Store) UpdateInstruments(ctx context.Context, updates []InstrumentUpdate) error {
	if len(updates) == 0 {
		return nil
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, u := range updates {
			if u.Price != nil {
				if err := tx.Exec(`UPDATE instruments SET current_price = ?, currency = ?, price_updated_at = ?,
					price_as_of = ?, price_source = ?, updated_at = ?,
					owner_user_id = CASE WHEN ? THEN owner_user_id END WHERE symbol = ?`,
					*u.Price, u.Currency, u.PriceAt, dateOf(u.AsOf), u.Source, now(),
					u.Source == alex.PriceUser, u.Symbol).Error; err != nil {
					return err
				}
			}
			if u.AssetClasses != nil {
				if err := tx.Exec(`UPDATE instruments SET allocation_regions = ?, allocation_sectors = ?,
					allocation_asset_class = ?, allocation_inferred = true, updated_at = ?
					WHERE symbol = ? AND allocation_asset_class = '{}'`,
					u.Regions, u.Sectors, u.AssetClasses, now(), u.Symbol).Error; err != nil {
					return err
				}
			}
		}
		return nil
	})
	return translate(err, "Instruments")
}
