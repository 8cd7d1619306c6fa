package http

import (
	"context"
	"net/http"
	"time"

	"github.com/shopspring/decimal"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/store"
)

// Transaction is one executed trade, or a deposit of cash (the Mutual Fund
// Broker's purchases are paid by one).
type Transaction struct {
	ID            string    `json:"id" format:"uuid"`
	AccountID     string    `json:"account_id" format:"uuid"`
	Side          string    `json:"side" enum:"buy,sell,deposit" doc:"deposit: cash paid into the account, the contribution that pays for a purchase of POST /v1/buy"`
	Symbol        *string   `json:"symbol" doc:"null on a deposit"`
	Quantity      *float64  `json:"quantity" doc:"Units traded; null on a deposit"`
	Price         *float64  `json:"price" doc:"One unit's price, in price_currency; null on a deposit"`
	PriceCurrency string    `json:"price_currency" doc:"ISO 4217 code of price: the instrument's"`
	FXRate        float64   `json:"fx_rate" doc:"Units of currency per unit of price_currency the trade converted at; 1 when they are the same"`
	FXAsOf        *string   `json:"fx_as_of" format:"date" doc:"The day of the ECB reference rate used; null when nothing was converted"`
	Amount        float64   `json:"amount" doc:"Paid (buy) or received (sell), in currency"`
	Currency      string    `json:"currency" doc:"ISO 4217 code of amount: the account's"`
	CreatedAt     time.Time `json:"created_at"`
}

func transactionOf(t alex.Transaction) Transaction {
	out := Transaction{
		ID: t.ID, AccountID: t.AccountID, Side: t.Side, PriceCurrency: t.PriceCurrency,
		FXRate: t.FXRate.InexactFloat64(), FXAsOf: dateString(t.FXAsOf),
		Amount: t.Amount.InexactFloat64(), Currency: t.Currency, CreatedAt: t.CreatedAt,
	}
	if t.Side != alex.SideDeposit {
		qty, price := t.Quantity.InexactFloat64(), t.Price.InexactFloat64()
		out.Symbol, out.Quantity, out.Price = &t.Symbol, &qty, &price
	}
	return out
}

type tradeInput struct {
	AccountPath
	Body struct {
		Side     string   `json:"side" enum:"buy,sell"`
		Symbol   string   `json:"symbol" pattern:"^\\s*[A-Za-z0-9./^=-]{1,20}\\s*$" patternDescription:"a ticker symbol: 1 to 20 letters, digits and . - / ^ =" doc:"Stored upper-cased, e.g. BRK.B, BRK/B, ^GSPC, EURUSD=X"`
		Quantity *float64 `json:"quantity,omitempty" exclusiveMinimum:"0" maximum:"1000000000000" doc:"Units to trade; give this or amount"`
		Amount   *float64 `json:"amount,omitempty" exclusiveMinimum:"0" maximum:"1000000000000" doc:"Money to trade, in the account's currency; give this or quantity"`
	}
}

type transactionOutput struct {
	Body Transaction
}

type listTransactionsInput struct {
	AccountPath
	Cursor string `query:"cursor" maxLength:"200"`
	Limit  int    `query:"limit" minimum:"1" maximum:"100" default:"50"`
}

type transactionsOutput struct {
	Body struct {
		Transactions []Transaction `json:"transactions"`
		NextCursor   *string       `json:"next_cursor"`
	}
}

func (s *Server) registerTransactionRoutes() {
	register(s, opPost("create-transaction", "/api/v1/accounts/{id}/transactions", "Buy or sell at the current price", "transactions", http.StatusCreated), s.createTransaction)
	register(s, opGet("list-transactions", "/api/v1/accounts/{id}/transactions", "List an account's transactions, newest first", "transactions"), s.listTransactions)
}

func (s *Server) createTransaction(ctx context.Context, in *tradeInput) (*transactionOutput, error) {
	b := in.Body
	if (b.Quantity == nil) == (b.Amount == nil) {
		return nil, alex.Invalid("body", "give exactly one of quantity and amount")
	}
	t := store.Trade{UserID: userID(ctx), AccountID: in.ID, Side: b.Side, Symbol: alex.NormalizeSymbol(b.Symbol), Rates: s.cfg.Rates}
	if b.Side == "buy" {
		fund, err := s.newFundInstrument(ctx, t.Symbol)
		if err != nil {
			return nil, err
		}
		t.NewInstrument = fund
	}
	if b.Quantity != nil {
		q := decimal.NewFromFloat(*b.Quantity)
		t.Quantity = &q
	} else {
		a := money(*b.Amount)
		t.Amount = &a
	}
	tr, err := s.cfg.Store.ExecuteTrade(ctx, t)
	if err != nil {
		return nil, err
	}
	return &transactionOutput{Body: transactionOf(tr)}, nil
}

func (s *Server) listTransactions(ctx context.Context, in *listTransactionsInput) (*transactionsOutput, error) {
	page, err := s.cfg.Store.Transactions(ctx, userID(ctx), in.ID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &transactionsOutput{}
	out.Body.Transactions = make([]Transaction, len(page.Transactions))
	for i, t := range page.Transactions {
		out.Body.Transactions[i] = transactionOf(t)
	}
	if page.NextCursor != "" {
		out.Body.NextCursor = &page.NextCursor
	}
	return out, nil
}
