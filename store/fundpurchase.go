package store

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/alex-advisor/alex"
)

// FundPurchase is a purchase of fund units for a client that knows no cash
// (the Mutual Fund Broker's frontend): its cost is deposited into the user's
// fund account and spent at once.
type FundPurchase struct {
	UserID string
	Symbol string
	Units  decimal.Decimal
	// Currency is that of a fund account created by this purchase.
	Currency string
	// NewInstrument and Rates are those of Trade.
	NewInstrument *Instrument
	Rates         func(context.Context) (alex.Rates, error)
}

const (
	fundAccountName    = "Mutual funds"
	fundAccountPurpose = "Mutual fund units bought through the Mutual Fund Broker"
)

// BuyFundUnits records, in one database transaction, a deposit of the
// purchase's cost into the user's fund account (created on first use) and
// the buy at the instrument's current price, through the trade path of
// ExecuteTrade: the ledger explains every unit and the cash never goes
// negative. It returns the fund account and the buy.
func (s *Store) BuyFundUnits(ctx context.Context, p FundPurchase) (Account, Transaction, error) {
	var acct Account
	var tr Transaction
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if acct, err = fundAccount(tx, p.UserID, p.Currency); err != nil {
			return err
		}
		t := Trade{UserID: p.UserID, AccountID: acct.ID, Side: alex.SideBuy, Symbol: p.Symbol,
			Quantity: &p.Units, Rates: p.Rates, NewInstrument: p.NewInstrument}
		if tr, err = priceTrade(ctx, tx, t, acct.Currency); err != nil {
			return err
		}
		if !tr.Amount.IsPositive() {
			return alex.Invalid("body.quantity", "too few units: they cost less than one cent")
		}
		at, err := deposit(tx, tr)
		if err != nil {
			return err
		}
		tr.CreatedAt = at.Add(time.Microsecond) // the ledger lists the buy after its deposit
		return applyTrade(tx, t, &tr)
	})
	if err != nil {
		if alex.ErrorCode(err) == alex.EINVALID {
			return Account{}, Transaction{}, err
		}
		return Account{}, Transaction{}, translate(err, "Transaction")
	}
	return acct, tr, nil
}

// fundAccount is the user's fund account, created when there is none. The
// unique index on fund accounts makes a concurrent first purchase wait for
// this one and then find its account.
func fundAccount(tx *gorm.DB, userID, currency string) (Account, error) {
	a := Account{ID: uuid.NewString(), UserID: userID, AccountName: fundAccountName,
		AccountPurpose: fundAccountPurpose, Currency: currency, FundAccount: true}
	err := tx.Clauses(clause.OnConflict{
		Columns:     []clause.Column{{Name: "user_id"}},
		TargetWhere: clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "fund_account"}}},
		DoNothing:   true,
	}).Create(&a).Error
	if err != nil {
		return Account{}, err
	}
	var found Account
	return found, tx.First(&found, "user_id = ? AND fund_account", userID).Error
}

// deposit records a deposit of what the priced buy tr costs and adds it to
// the account's cash; it returns when the deposit was made.
func deposit(tx *gorm.DB, tr Transaction) (time.Time, error) {
	d := Transaction{
		ID: uuid.NewString(), AccountID: tr.AccountID, UserID: tr.UserID, Side: alex.SideDeposit,
		PriceCurrency: tr.Currency, FXRate: decimal.NewFromInt(1), Amount: tr.Amount, Currency: tr.Currency,
		CreatedAt: now(),
	}
	if err := tx.Omit("Symbol", "Quantity", "Price").Create(&d).Error; err != nil {
		return time.Time{}, err
	}
	err := tx.Model(&Account{}).Where("id = ?", tr.AccountID).
		Updates(map[string]any{"cash_balance": gorm.Expr("round(cash_balance + ?, 2)", tr.Amount), "updated_at": d.CreatedAt}).Error
	return d.CreatedAt, err
}

// FundHolding is one position of the fund account with what its units cost.
type FundHolding struct {
	Position Position // with its Instrument
	// Cost is what the units held cost, in the account's currency, at
	// average cost; not Valid when the ledger does not explain the units
	// (a quantity set through the positions routes): unknown, not zero.
	Cost decimal.NullDecimal
}

// FundHoldings reads the user's fund account and its positions by symbol
// with their cost, in one read transaction; found is false while the user
// has bought no fund units.
func (s *Store) FundHoldings(ctx context.Context, userID string) (acct Account, holdings []FundHolding, found bool, err error) {
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.First(&acct, "user_id = ? AND fund_account", userID).Error
		if err != nil {
			return err
		}
		var positions []Position
		if err := tx.Preload("Instrument").Where("account_id = ?", acct.ID).Order("symbol").Find(&positions).Error; err != nil {
			return err
		}
		var trades []Transaction
		if err := tx.Select(transactionColumns).Where("account_id = ? AND side IN ?", acct.ID, []string{alex.SideBuy, alex.SideSell}).
			Order("created_at, id").Find(&trades).Error; err != nil {
			return err
		}
		ledger := averageCosts(trades)
		for _, p := range positions {
			h := FundHolding{Position: p}
			if l, ok := ledger[p.Symbol]; ok && l.units.Equal(p.Quantity) {
				h.Cost = decimal.NewNullDecimal(l.cost.Round(2))
			}
			holdings = append(holdings, h)
		}
		return nil
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Account{}, nil, false, nil
	}
	if err != nil {
		return Account{}, nil, false, translate(err, "Fund holdings")
	}
	return acct, holdings, true, nil
}

// heldCost is the units of one symbol the ledger explains and their cost.
type heldCost struct {
	units, cost decimal.Decimal
}

// averageCosts replays trades, oldest first: a buy adds its units and its
// amount, a sell takes away its share of the cost at the average cost.
func averageCosts(trades []Transaction) map[string]heldCost {
	out := map[string]heldCost{}
	for _, t := range trades {
		h := out[t.Symbol]
		switch t.Side {
		case alex.SideBuy:
			h.units, h.cost = h.units.Add(t.Quantity), h.cost.Add(t.Amount)
		case alex.SideSell:
			if h.units.IsPositive() {
				h.cost = h.cost.Sub(h.cost.Mul(t.Quantity).Div(h.units))
			}
			h.units = h.units.Sub(t.Quantity)
		}
		out[t.Symbol] = h
	}
	return out
}
