package alex

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// The records of the domain, declared once: the store reads and writes them
// (their field names are the column names, the gorm tags say what the
// schema cannot), the HTTP layer maps each to its contract shape in one
// function, and the planner maps them to the analysis model in one function
// (tasks.portfolioOf). They carry no JSON tags: the two frontends' shapes
// differ from the rows (numbers for decimals, mirrored maps, dates as days).

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

// User is a person using the service: their retirement goals and targets (a row of users).
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

// Instrument is a security or fund that positions hold, with its latest price and allocation breakdowns (a row of instruments).
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

// Account is one of a user's accounts: a cash balance in its currency (a row of accounts).
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

// Position is a quantity of one instrument held in an account, with its instrument when loaded (a row of positions).
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

// Price sources of an instrument's price.
const (
	PriceSeed   = "seed"
	PriceMarket = "market"
	PriceAMFI   = "amfi"
	PriceUser   = "user"
)

// PriceSources are the price sources in the order a report lists them:
// Name as stored and served (price_source), Phrase as a report reads it
// ("14 holdings at market prices").
var PriceSources = []struct{ Name, Phrase string }{
	{PriceSeed, "reference prices"},
	{PriceMarket, "market prices"},
	{PriceAMFI, "AMFI net asset values"},
	{PriceUser, "prices you entered"},
}

// PriceSourceNames are the names of PriceSources, in their order.
func PriceSourceNames() []string {
	names := make([]string, len(PriceSources))
	for i, s := range PriceSources {
		names[i] = s.Name
	}
	return names
}
