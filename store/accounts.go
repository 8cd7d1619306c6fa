package store

import (
	"context"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/alex-advisor/alex"
)

// Accounts lists a user's accounts, newest first.
func (s *Store) Accounts(ctx context.Context, userID string) ([]Account, error) {
	accounts := []Account{}
	err := s.db.WithContext(ctx).Where("user_id = ?", userID).
		Order("created_at DESC, id DESC").Find(&accounts).Error
	return accounts, translate(err, "Accounts")
}

// Account returns one of the user's accounts; another user's is not found.
func (s *Store) Account(ctx context.Context, userID, id string) (Account, error) {
	var a Account
	if !isUUID(id) {
		return a, notFound("Account")
	}
	err := s.db.WithContext(ctx).First(&a, "id = ? AND user_id = ?", id, userID).Error
	return a, translate(err, "Account")
}

// CreateAccount stores a new account of a.UserID.
func (s *Store) CreateAccount(ctx context.Context, a Account) (Account, error) {
	a.ID = uuid.NewString()
	err := s.db.WithContext(ctx).Create(&a).Error
	return a, translate(err, "Account")
}

// AccountUpdate holds the fields of a partial update; nil fields stay.
type AccountUpdate struct {
	AccountName    *string
	AccountPurpose *string
	CashBalance    *decimal.Decimal
	CashInterest   *decimal.Decimal
	// Currency can change only while the account holds no positions: their
	// prices were paid in the old one.
	Currency *string
}

// UpdateAccount applies a partial update to one of the user's accounts.
func (s *Store) UpdateAccount(ctx context.Context, userID, id string, upd AccountUpdate) (Account, error) {
	if !isUUID(id) {
		return Account{}, notFound("Account")
	}
	set := map[string]any{"updated_at": now()}
	if upd.AccountName != nil {
		set["account_name"] = *upd.AccountName
	}
	if upd.AccountPurpose != nil {
		set["account_purpose"] = *upd.AccountPurpose
	}
	if upd.CashBalance != nil {
		set["cash_balance"] = *upd.CashBalance
	}
	if upd.CashInterest != nil {
		set["cash_interest"] = *upd.CashInterest
	}
	q := s.db.WithContext(ctx).Where("id = ? AND user_id = ?", id, userID)
	if upd.Currency != nil {
		set["currency"] = *upd.Currency
		q = q.Where("(currency = ? OR NOT EXISTS (SELECT 1 FROM positions p WHERE p.account_id = accounts.id))", *upd.Currency)
	}
	var a Account
	res := q.Model(&a).Clauses(clause.Returning{}).Updates(set)
	if res.Error != nil {
		return Account{}, translate(res.Error, "Account")
	}
	if res.RowsAffected == 0 {
		if _, err := s.Account(ctx, userID, id); err != nil || upd.Currency == nil {
			return Account{}, notFound("Account")
		}
		return Account{}, alex.Errorf(alex.ECONFLICT, "The account's currency cannot change while it holds positions; sell or delete them first.")
	}
	return a, nil
}

// DeleteAccount deletes one of the user's accounts with its positions.
func (s *Store) DeleteAccount(ctx context.Context, userID, id string) error {
	if !isUUID(id) {
		return notFound("Account")
	}
	res := s.db.WithContext(ctx).Where("id = ? AND user_id = ?", id, userID).Delete(&Account{})
	if res.Error != nil {
		return translate(res.Error, "Account")
	}
	if res.RowsAffected == 0 {
		return notFound("Account")
	}
	return nil
}

// DeleteAccounts deletes every account of the user and says how many.
func (s *Store) DeleteAccounts(ctx context.Context, userID string) (int64, error) {
	res := s.db.WithContext(ctx).Where("user_id = ?", userID).Delete(&Account{})
	return res.RowsAffected, translate(res.Error, "Accounts")
}

// SeedAccount is an account with its positions, created together.
type SeedAccount struct {
	Account   Account
	Positions map[string]decimal.Decimal
}

// CreateAccountsWithPositions creates accounts and their positions in one
// transaction; unknown symbols become user-added instruments.
func (s *Store) CreateAccountsWithPositions(ctx context.Context, userID string, seeds []SeedAccount) ([]Account, error) {
	var created []Account
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, seed := range seeds {
			a := seed.Account
			a.ID = uuid.NewString()
			a.UserID = userID
			if err := tx.Create(&a).Error; err != nil {
				return err
			}
			for symbol, qty := range seed.Positions {
				if _, err := upsertPosition(tx, userID, a.ID, symbol, qty); err != nil {
					return err
				}
			}
			created = append(created, a)
		}
		return nil
	})
	return created, translate(err, "Account")
}

func isUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}
