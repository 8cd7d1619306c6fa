package store

import (
	"time"

	"github.com/alex-advisor/alex"
)

// The store's rows of the domain records, declared in package alex.
type (
	User        = alex.User
	Account     = alex.Account
	Position    = alex.Position
	Instrument  = alex.Instrument
	Transaction = alex.Transaction
	Allocation  = alex.Allocation
)

// Credential is a row of user_credentials (local auth mode).
type Credential struct {
	Email        string `gorm:"primaryKey"`
	UserID       string
	PasswordHash string
	CreatedAt    time.Time
}

func (Credential) TableName() string { return "user_credentials" }

// transactionColumns reads a transaction row; a deposit's NULL symbol,
// quantity and price read as zero values.
const transactionColumns = "id, account_id, user_id, side, COALESCE(symbol, '') AS symbol, " +
	"COALESCE(quantity, 0) AS quantity, COALESCE(price, 0) AS price, price_currency, fx_rate, fx_as_of, " +
	"amount, currency, created_at"
