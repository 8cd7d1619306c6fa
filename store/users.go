package store

import (
	"context"
	"errors"
	"strings"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/alex-advisor/alex"
)

// NewUser returns a user with the defaults of the contract.
func NewUser(id, displayName string) User {
	return User{
		ID:                     id,
		DisplayName:            displayName,
		YearsUntilRetirement:   20,
		TargetRetirementIncome: decimal.NewFromInt(60000),
		BaseCurrency:           alex.BaseCurrencyDefault,
		AssetClassTargets:      Allocation{"equity": 70, "fixed_income": 30},
		RegionTargets:          Allocation{"north_america": 50, "international": 50},
	}
}

// GetOrCreateUser returns the user, creating it with the defaults on the
// first call. created tells which happened.
func (s *Store) GetOrCreateUser(ctx context.Context, id, displayName string) (u User, created bool, err error) {
	u = NewUser(id, displayName)
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&u)
	if res.Error != nil {
		return User{}, false, translate(res.Error, "User")
	}
	if res.RowsAffected == 1 {
		return u, true, nil
	}
	u, err = s.User(ctx, id)
	return u, false, err
}

// User returns one user.
func (s *Store) User(ctx context.Context, id string) (User, error) {
	var u User
	err := s.db.WithContext(ctx).First(&u, "id = ?", id).Error
	return u, translate(err, "User")
}

// UserUpdate holds the fields of a partial update; nil fields stay.
type UserUpdate struct {
	DisplayName            *string
	YearsUntilRetirement   *int
	TargetRetirementIncome *decimal.Decimal
	BaseCurrency           *string
	AssetClassTargets      Allocation
	RegionTargets          Allocation
}

// UpdateUser applies a partial update and returns the user.
func (s *Store) UpdateUser(ctx context.Context, id string, upd UserUpdate) (User, error) {
	set := map[string]any{"updated_at": now()}
	if upd.DisplayName != nil {
		set["display_name"] = *upd.DisplayName
	}
	if upd.YearsUntilRetirement != nil {
		set["years_until_retirement"] = *upd.YearsUntilRetirement
	}
	if upd.TargetRetirementIncome != nil {
		set["target_retirement_income"] = *upd.TargetRetirementIncome
	}
	if upd.BaseCurrency != nil {
		set["base_currency"] = *upd.BaseCurrency
	}
	if upd.AssetClassTargets != nil {
		set["asset_class_targets"] = upd.AssetClassTargets
	}
	if upd.RegionTargets != nil {
		set["region_targets"] = upd.RegionTargets
	}
	var u User
	res := s.db.WithContext(ctx).Model(&u).Clauses(clause.Returning{}).
		Where("id = ?", id).Updates(set)
	if res.Error != nil {
		return User{}, translate(res.Error, "User")
	}
	if res.RowsAffected == 0 {
		return User{}, notFound("User")
	}
	return u, nil
}

// CreateLocalUser registers a user of local auth mode with its credentials.
func (s *Store) CreateLocalUser(ctx context.Context, u User, email, passwordHash string) (User, error) {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&u).Error; err != nil {
			return err
		}
		return tx.Create(&Credential{Email: strings.ToLower(email), UserID: u.ID, PasswordHash: passwordHash}).Error
	})
	if err != nil {
		err = translate(err, "An account with this email")
		if alex.ErrorCode(err) == alex.ECONFLICT {
			return User{}, alex.Errorf(alex.ECONFLICT, "An account with this email already exists.")
		}
		return User{}, err
	}
	return u, nil
}

// CredentialByEmail finds the credentials of a local user.
func (s *Store) CredentialByEmail(ctx context.Context, email string) (Credential, error) {
	var c Credential
	err := s.db.WithContext(ctx).First(&c, "email = ?", strings.ToLower(email)).Error
	return c, translate(err, "Credential")
}

// SigningKey returns the persisted local signing key, storing the one
// generate makes when there is none yet. Replicas starting together agree on
// one key: the first insert wins and everyone reads it back.
func (s *Store) SigningKey(ctx context.Context, generate func() ([]byte, error)) ([]byte, error) {
	type signingKey struct {
		Name       string `gorm:"primaryKey"`
		PrivatePEM string `gorm:"column:private_pem"`
	}
	var k signingKey
	err := s.db.WithContext(ctx).Table("signing_keys").First(&k, "name = ?", "local").Error
	if err == nil {
		return []byte(k.PrivatePEM), nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, translate(err, "Signing key")
	}
	pem, err := generate()
	if err != nil {
		return nil, err
	}
	k = signingKey{Name: "local", PrivatePEM: string(pem)}
	if err := s.db.WithContext(ctx).Table("signing_keys").Clauses(clause.OnConflict{DoNothing: true}).Create(&k).Error; err != nil {
		return nil, translate(err, "Signing key")
	}
	if err := s.db.WithContext(ctx).Table("signing_keys").First(&k, "name = ?", "local").Error; err != nil {
		return nil, translate(err, "Signing key")
	}
	return []byte(k.PrivatePEM), nil
}
