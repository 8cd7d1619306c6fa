package http

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/shopspring/decimal"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/store"
)

// Account is the account of the contract.
type Account struct {
	ID             string    `json:"id" format:"uuid"`
	UserID         string    `json:"clerk_user_id"`
	AccountName    string    `json:"account_name"`
	AccountPurpose string    `json:"account_purpose"`
	Currency       string    `json:"currency" doc:"ISO 4217 code of the cash balance and of the account's trades"`
	CashBalance    float64   `json:"cash_balance"`
	CashInterest   float64   `json:"cash_interest"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

func accountOf(a alex.Account) Account {
	return Account{
		ID:             a.ID,
		UserID:         a.UserID,
		AccountName:    a.AccountName,
		AccountPurpose: a.AccountPurpose,
		Currency:       a.Currency,
		CashBalance:    a.CashBalance.InexactFloat64(),
		CashInterest:   a.CashInterest.InexactFloat64(),
		CreatedAt:      a.CreatedAt,
		UpdatedAt:      a.UpdatedAt,
	}
}

func accountsOf(as []alex.Account) []Account {
	out := make([]Account, len(as))
	for i, a := range as {
		out[i] = accountOf(a)
	}
	return out
}

// AccountPath is exported only because huma reads path parameters of embedded
// structs through reflection, which skips unexported fields.
type AccountPath struct {
	ID string `path:"id" format:"uuid" doc:"Account id"`
}

type accountsOutput struct {
	Body []Account
}

type accountOutput struct {
	Body Account
}

type createAccountInput struct {
	Body struct {
		AccountName    string  `json:"account_name" minLength:"1" maxLength:"255"`
		AccountPurpose string  `json:"account_purpose,omitempty" maxLength:"1000"`
		Currency       string  `json:"currency,omitempty" pattern:"^[A-Z]{3}$" patternDescription:"an ISO 4217 code such as USD" default:"USD" doc:"Currency of the cash balance and the account's trades"`
		CashBalance    float64 `json:"cash_balance,omitempty" minimum:"0" maximum:"1000000000000" default:"0"`
		CashInterest   float64 `json:"cash_interest,omitempty" minimum:"0" maximum:"1" default:"0"`
	}
}

// updateAccountInput is a partial update: a missing or null field is left
// unchanged. Unknown fields are refused, but the Account's own read-only
// fields are accepted and ignored, since the Alex frontend may send back
// the account it read.
type updateAccountInput struct {
	AccountPath
	Body struct {
		AccountName    *string  `json:"account_name,omitempty" nullable:"true" minLength:"1" maxLength:"255"`
		AccountPurpose *string  `json:"account_purpose,omitempty" nullable:"true" maxLength:"1000"`
		Currency       *string  `json:"currency,omitempty" nullable:"true" pattern:"^[A-Z]{3}$" patternDescription:"an ISO 4217 code such as USD" doc:"Only while the account holds no positions (else 409)"`
		CashBalance    *float64 `json:"cash_balance,omitempty" nullable:"true" minimum:"0" maximum:"1000000000000"`
		CashInterest   *float64 `json:"cash_interest,omitempty" nullable:"true" minimum:"0" maximum:"1"`
		AccountEcho
	}
}

// AccountEcho are the read-only fields of an Account that a PUT may carry:
// documented so that they pass the unknown-field check, and ignored.
// Exported for huma, as AccountPath is.
type AccountEcho struct {
	ID        any `json:"id,omitempty" readOnly:"true" doc:"Read-only; ignored"`
	UserID    any `json:"clerk_user_id,omitempty" readOnly:"true" doc:"Read-only; ignored"`
	CreatedAt any `json:"created_at,omitempty" readOnly:"true" doc:"Read-only; ignored"`
	UpdatedAt any `json:"updated_at,omitempty" readOnly:"true" doc:"Read-only; ignored"`
}

type resetOutput struct {
	Body struct {
		Message         string `json:"message"`
		AccountsDeleted int64  `json:"accounts_deleted"`
	}
}

func (s *Server) registerAccountRoutes() {
	register(s, opGet("list-accounts", "/api/v1/accounts", "List the user's accounts, newest first", "accounts"), s.listAccounts)
	register(s, opPost("create-account", "/api/v1/accounts", "Create an account", "accounts", http.StatusCreated), s.createAccount)
	register(s, opGet("get-account", "/api/v1/accounts/{id}", "Get one of the user's accounts", "accounts"), s.getAccount)
	register(s, opPut("update-account", "/api/v1/accounts/{id}", "Update an account", "accounts"), s.updateAccount)
	register(s, opDelete("delete-account", "/api/v1/accounts/{id}", "Delete an account and its positions", "accounts"), s.deleteAccount)
	register(s, opDelete("reset-accounts", "/api/v1/reset-accounts", "Delete every account of the user", "accounts"), s.resetAccounts)
	register(s, opPost("populate-test-data", "/api/v1/populate-test-data", "Create the three Alex sample accounts with positions", "accounts", http.StatusCreated), s.populateTestData)
}

func (s *Server) listAccounts(ctx context.Context, _ *struct{}) (*accountsOutput, error) {
	as, err := s.cfg.Store.Accounts(ctx, userID(ctx))
	if err != nil {
		return nil, err
	}
	return &accountsOutput{Body: accountsOf(as)}, nil
}

func (s *Server) createAccount(ctx context.Context, in *createAccountInput) (*accountOutput, error) {
	if _, _, err := s.ensureUser(ctx); err != nil {
		return nil, err
	}
	a, err := s.cfg.Store.CreateAccount(ctx, alex.Account{
		UserID:         userID(ctx),
		AccountName:    in.Body.AccountName,
		AccountPurpose: in.Body.AccountPurpose,
		Currency:       cmp.Or(in.Body.Currency, alex.BaseCurrencyDefault),
		CashBalance:    money(in.Body.CashBalance),
		CashInterest:   decimal.NewFromFloat(in.Body.CashInterest).Round(6),
	})
	if err != nil {
		return nil, err
	}
	return &accountOutput{Body: accountOf(a)}, nil
}

func (s *Server) updateAccount(ctx context.Context, in *updateAccountInput) (*accountOutput, error) {
	b := in.Body
	upd := store.AccountUpdate{AccountName: b.AccountName, AccountPurpose: b.AccountPurpose, Currency: b.Currency}
	if b.CashBalance != nil {
		d := money(*b.CashBalance)
		upd.CashBalance = &d
	}
	if b.CashInterest != nil {
		d := decimal.NewFromFloat(*b.CashInterest).Round(6)
		upd.CashInterest = &d
	}
	a, err := s.cfg.Store.UpdateAccount(ctx, userID(ctx), in.ID, upd)
	if err != nil {
		return nil, err
	}
	return &accountOutput{Body: accountOf(a)}, nil
}

func (s *Server) getAccount(ctx context.Context, in *AccountPath) (*accountOutput, error) {
	a, err := s.cfg.Store.Account(ctx, userID(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return &accountOutput{Body: accountOf(a)}, nil
}

func (s *Server) deleteAccount(ctx context.Context, in *AccountPath) (*messageOutput, error) {
	if err := s.cfg.Store.DeleteAccount(ctx, userID(ctx), in.ID); err != nil {
		return nil, err
	}
	return &messageOutput{Body: message{"Account deleted successfully"}}, nil
}

func (s *Server) resetAccounts(ctx context.Context, _ *struct{}) (*resetOutput, error) {
	n, err := s.cfg.Store.DeleteAccounts(ctx, userID(ctx))
	if err != nil {
		return nil, err
	}
	out := &resetOutput{}
	out.Body.Message = fmt.Sprintf("Deleted %d account(s)", n)
	out.Body.AccountsDeleted = n
	return out, nil
}

// money turns a JSON number of dollars into an exact amount in cents.
func money(f float64) decimal.Decimal { return decimal.NewFromFloat(f).Round(2) }
