package store

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Allocation is a percentage map stored as jsonb, e.g. {"equity":70}.
type Allocation map[string]float64

// Value implements driver.Valuer.
func (a Allocation) Value() (driver.Value, error) {
	if a == nil {
		return "{}", nil
	}
	b, err := json.Marshal(map[string]float64(a))
	return string(b), err
}

// Scan implements sql.Scanner.
func (a *Allocation) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		*a = Allocation{}
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("allocation: cannot scan %T", src)
	}
	m := map[string]float64{}
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("allocation: %w", err)
	}
	*a = m
	return nil
}

// User is a row of users.
type User struct {
	ID                     string `gorm:"primaryKey"`
	DisplayName            string
	YearsUntilRetirement   int
	TargetRetirementIncome decimal.Decimal
	BaseCurrency           string `gorm:"default:USD"`
	AssetClassTargets      Allocation
	RegionTargets          Allocation
	CreatedAt              time.Time
	UpdatedAt              time.Time
}

// Credential is a row of user_credentials (local auth mode).
type Credential struct {
	Email        string `gorm:"primaryKey"`
	UserID       string
	PasswordHash string
	CreatedAt    time.Time
}

func (Credential) TableName() string { return "user_credentials" }

// Instrument is a row of instruments.
type Instrument struct {
	Symbol               string `gorm:"primaryKey"`
	Name                 string
	InstrumentType       string
	Currency             string `gorm:"default:USD"` // of the price
	CurrentPrice         decimal.NullDecimal
	PriceUpdatedAt       *time.Time // when the price was recorded
	PriceAsOf            *time.Time `gorm:"type:date"` // the day the price is for
	PriceSource          *string    // seed, market, amfi or user
	AllocationRegions    Allocation
	AllocationSectors    Allocation
	AllocationAssetClass Allocation
	AllocationInferred   bool
	// OwnerUserID is the user who added an instrument no provider has
	// confirmed yet; nil for a public one (see visibleTo).
	OwnerUserID *string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Account is a row of accounts.
type Account struct {
	ID             string `gorm:"primaryKey"`
	UserID         string
	AccountName    string
	AccountPurpose string
	Currency       string `gorm:"default:USD"`
	CashBalance    decimal.Decimal
	CashInterest   decimal.Decimal
	// FundAccount marks the account the Mutual Fund Broker's purchases go
	// to; a user has at most one.
	FundAccount bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Position is a row of positions, with its instrument when loaded.
type Position struct {
	ID         string `gorm:"primaryKey"`
	AccountID  string
	Symbol     string
	Quantity   decimal.Decimal
	AsOfDate   time.Time `gorm:"type:date"`
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Instrument Instrument `gorm:"foreignKey:Symbol;references:Symbol"`
}

// Transaction is a row of transactions: one executed buy or sell, or a
// deposit of cash (SideDeposit), which has no Symbol, Quantity or Price:
// they are NULL in the row and read as zero values.
type Transaction struct {
	ID        string `gorm:"primaryKey"`
	AccountID string
	UserID    string
	Side      string
	Symbol    string
	Quantity  decimal.Decimal
	// Price is in PriceCurrency; Amount in Currency, the account's, at
	// FXRate (units of Currency per unit of PriceCurrency) as of FXAsOf.
	Price         decimal.Decimal
	PriceCurrency string
	FXRate        decimal.Decimal `gorm:"column:fx_rate"`
	FXAsOf        *time.Time      `gorm:"column:fx_as_of;type:date"`
	Amount        decimal.Decimal
	Currency      string
	CreatedAt     time.Time
}

// Sides of a transaction.
const (
	SideBuy     = "buy"
	SideSell    = "sell"
	SideDeposit = "deposit"
)

// transactionColumns reads a transaction row; a deposit's NULL symbol,
// quantity and price read as zero values.
const transactionColumns = "id, account_id, user_id, side, COALESCE(symbol, '') AS symbol, " +
	"COALESCE(quantity, 0) AS quantity, COALESCE(price, 0) AS price, price_currency, fx_rate, fx_as_of, " +
	"amount, currency, created_at"

// Price sources of an instrument's price.
const (
	PriceSeed   = "seed"
	PriceMarket = "market"
	PriceAMFI   = "amfi"
	PriceUser   = "user"
)
