package store

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/alex-advisor/alex"
)

// Trade is a buy or sell order; exactly one of Quantity and Amount is set.
type Trade struct {
	UserID    string
	AccountID string
	Side      string // buy or sell
	Symbol    string
	Quantity  *decimal.Decimal
	Amount    *decimal.Decimal // in the account's currency; converted to units at the price
	// Rates gives today's exchange rates; it is asked only when the
	// instrument's currency is not the account's. nil knows no rate.
	Rates func(context.Context) (alex.Rates, error)
	// NewInstrument, when set, is created with the trade if Symbol is not yet
	// an instrument: a fund scheme bought for the first time.
	NewInstrument *Instrument
}

// unitsScale is the precision of quantities bought by amount (fund units);
// quantityScale that of the quantity columns.
const (
	unitsScale    = 6
	quantityScale = 8
)

// ExecuteTrade executes a trade at the instrument's current price, moving
// units and cash in one database transaction. Conditional updates keep cash
// and units from going negative under concurrent trades without locks held
// across round trips. A trade with a NewInstrument creates that instrument
// in the same transaction when its symbol is not yet known.
func (s *Store) ExecuteTrade(ctx context.Context, t Trade) (Transaction, error) {
	acct, err := s.Account(ctx, t.UserID, t.AccountID)
	if err != nil {
		return Transaction{}, err
	}
	var tr Transaction
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		tr, err = executeTrade(ctx, tx, t, acct.Currency)
		return err
	})
	if err != nil {
		if alex.ErrorCode(err) == alex.EINVALID {
			return Transaction{}, err
		}
		return Transaction{}, translate(err, "Transaction")
	}
	return tr, nil
}

func executeTrade(ctx context.Context, tx *gorm.DB, t Trade, currency string) (Transaction, error) {
	tr, err := priceTrade(ctx, tx, t, currency)
	if err != nil {
		return Transaction{}, err
	}
	err = applyTrade(tx, t, &tr)
	return tr, err
}

// priceTrade is the trade's transaction row, priced at the instrument's
// current price in the account's currency; nothing moves yet.
func priceTrade(ctx context.Context, tx *gorm.DB, t Trade, currency string) (Transaction, error) {
	if t.NewInstrument != nil {
		in := *t.NewInstrument
		in.Symbol = t.Symbol
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&in).Error; err != nil {
			return Transaction{}, err
		}
	}
	var in Instrument
	if err := tx.Where(visibleTo, t.UserID, t.UserID).First(&in, "symbol = ?", t.Symbol).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return Transaction{}, alex.Invalid("body.symbol", fmt.Sprintf("unknown symbol %s", t.Symbol))
		}
		return Transaction{}, err
	}
	if !in.CurrentPrice.Valid || !in.CurrentPrice.Decimal.IsPositive() {
		return Transaction{}, alex.Invalid("body.symbol", fmt.Sprintf("%s has no current price to trade at", t.Symbol))
	}
	price := in.CurrentPrice.Decimal
	rates, err := tradeRates(ctx, t, in.Currency, currency)
	if err != nil {
		return Transaction{}, err
	}
	// One unit's price in the account's currency, exact: the amount is
	// quantity × unit, rounded once to cents.
	unit, err := alex.Convert(price, in.Currency, currency, rates)
	if err != nil {
		return Transaction{}, noRate(in.Currency, currency)
	}
	qty, err := tradeQuantity(t, unit.Amount)
	if err != nil {
		return Transaction{}, err
	}
	tr := Transaction{
		ID: uuid.NewString(), AccountID: t.AccountID, UserID: t.UserID, Side: t.Side,
		Symbol: t.Symbol, Quantity: qty, Price: price, PriceCurrency: in.Currency,
		FXRate: unit.Rate, Amount: qty.Mul(unit.Amount).Round(2), Currency: currency,
	}
	if in.Currency != currency {
		asOf := dateOf(unit.RateAsOf)
		tr.FXAsOf = &asOf
	}
	return tr, nil
}

// applyTrade moves the units and the cash of a priced trade and records it
// (which sets its CreatedAt).
func applyTrade(tx *gorm.DB, t Trade, tr *Transaction) error {
	field := "body.quantity"
	if t.Amount != nil {
		field = "body.amount"
	}
	var err error
	if t.Side == "buy" {
		err = buy(tx, *tr, field)
	} else {
		err = sell(tx, *tr, field)
	}
	if err != nil {
		return err
	}
	return tx.Create(tr).Error
}

// tradeRates are the rates a trade converts at: none when the instrument is
// priced in the account's currency.
func tradeRates(ctx context.Context, t Trade, from, to string) (alex.Rates, error) {
	if from == to {
		return alex.Rates{}, nil
	}
	if t.Rates == nil {
		return alex.Rates{}, noRate(from, to)
	}
	rates, err := t.Rates(ctx)
	if err != nil {
		return alex.Rates{}, noRate(from, to)
	}
	return rates, nil
}

// noRate refuses a trade that would need an exchange rate nobody knows:
// a missing rate is never taken as 1.
func noRate(from, to string) error {
	return &alex.Error{Code: alex.EINVALID,
		Message: fmt.Sprintf("No exchange rate from %s to %s is available right now, so the trade was not made; please try again later.", from, to),
		Fields:  []alex.FieldError{{Location: "body.symbol", Message: fmt.Sprintf("priced in %s; the account is in %s and no rate converts them", from, to)}}}
}

// tradeQuantity is the units a trade moves; price is one unit's price in
// the account's currency.
func tradeQuantity(t Trade, price decimal.Decimal) (decimal.Decimal, error) {
	if t.Quantity != nil {
		// Reported as stored: the column keeps eight places.
		qty := t.Quantity.Round(quantityScale)
		if !qty.IsPositive() {
			return qty, alex.Invalid("body.quantity", "quantity is too small: eight decimal places at most")
		}
		return qty, nil
	}
	qty := t.Amount.DivRound(price, unitsScale+2).Truncate(unitsScale)
	if !qty.IsPositive() {
		return qty, alex.Invalid("body.amount", "amount is too small to buy any units at the current price")
	}
	return qty, nil
}

// buy and sell both lock the account row before the position row: the same
// order in both keeps concurrent buys and sells from deadlocking.
func buy(tx *gorm.DB, tr Transaction, field string) error {
	res := tx.Model(&Account{}).
		Where("id = ? AND cash_balance >= ?", tr.AccountID, tr.Amount).
		Updates(map[string]any{"cash_balance": gorm.Expr("round(cash_balance - ?, 2)", tr.Amount), "updated_at": now()})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return alex.Invalid(field, fmt.Sprintf("not enough cash: the trade costs %s %s", tr.Amount.StringFixed(2), tr.Currency))
	}
	p := Position{ID: uuid.NewString(), AccountID: tr.AccountID, Symbol: tr.Symbol, Quantity: tr.Quantity, AsOfDate: today()}
	return tx.Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "account_id"}, {Name: "symbol"}},
		DoUpdates: clause.Assignments(map[string]any{
			"quantity":   gorm.Expr("round(positions.quantity + excluded.quantity, 8)"),
			"as_of_date": p.AsOfDate, "updated_at": now(),
		}),
	}).Omit("Instrument").Create(&p).Error
}

func sell(tx *gorm.DB, tr Transaction, field string) error {
	at := now()
	if err := tx.Model(&Account{}).Where("id = ?", tr.AccountID).
		Updates(map[string]any{"cash_balance": gorm.Expr("round(cash_balance + ?, 2)", tr.Amount), "updated_at": at}).Error; err != nil {
		return err
	}
	res := tx.Model(&Position{}).
		Where("account_id = ? AND symbol = ? AND quantity > ?", tr.AccountID, tr.Symbol, tr.Quantity).
		Updates(map[string]any{"quantity": gorm.Expr("round(quantity - ?, 8)", tr.Quantity), "as_of_date": today(), "updated_at": at})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		// Selling every unit closes the position.
		res = tx.Where("account_id = ? AND symbol = ? AND quantity = ?", tr.AccountID, tr.Symbol, tr.Quantity).Delete(&Position{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return alex.Invalid(field, fmt.Sprintf("not enough units of %s to sell", tr.Symbol))
		}
	}
	return nil
}

// TransactionPage is one page of an account's transactions, newest first.
type TransactionPage struct {
	Transactions []Transaction
	NextCursor   string
}

// Transactions lists an account's transactions, newest first, after cursor.
func (s *Store) Transactions(ctx context.Context, userID, accountID, cursor string, limit int) (TransactionPage, error) {
	if _, err := s.Account(ctx, userID, accountID); err != nil {
		return TransactionPage{}, err
	}
	q := s.db.WithContext(ctx).Select(transactionColumns).Where("account_id = ?", accountID)
	txs, next, err := newestFirst(q, cursor, limit, "Transactions",
		func(t Transaction) (time.Time, string) { return t.CreatedAt, t.ID })
	return TransactionPage{Transactions: txs, NextCursor: next}, err
}

// newestFirst reads the page of limit rows of q after cursor, newest first
// by (created_at, id), and the cursor of the page after it ("" on the last).
func newestFirst[T any](q *gorm.DB, cursor string, limit int, what string, key func(T) (time.Time, string)) ([]T, string, error) {
	q = q.Order("created_at DESC, id DESC").Limit(limit + 1)
	if cursor != "" {
		at, id, err := DecodeCursor(cursor)
		if err != nil {
			return nil, "", err
		}
		q = q.Where("(created_at, id) < (?, ?)", at, id)
	}
	rows := []T{}
	if err := q.Find(&rows).Error; err != nil {
		return nil, "", translate(err, what)
	}
	if len(rows) <= limit {
		return rows, "", nil
	}
	rows = rows[:limit]
	return rows, EncodeCursor(key(rows[limit-1])), nil
}

// EncodeCursor makes an opaque keyset cursor of a row's (created_at, id).
func EncodeCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(at.UTC().Format(time.RFC3339Nano) + "|" + id))
}

// DecodeCursor reads a cursor of EncodeCursor.
func DecodeCursor(cursor string) (time.Time, string, error) {
	invalid := alex.Invalid("query.cursor", "invalid cursor")
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return time.Time{}, "", invalid
	}
	at, id, ok := strings.Cut(string(b), "|")
	t, err := time.Parse(time.RFC3339Nano, at)
	if !ok || err != nil || !isUUID(id) {
		return time.Time{}, "", invalid
	}
	return t, id, nil
}
