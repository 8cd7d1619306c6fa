package http

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/auth"
	"github.com/alex-advisor/alex/store"
)

type registerInput struct {
	Body struct {
		Email       string `json:"email" format:"email" maxLength:"254"`
		Password    string `json:"password" minLength:"8" maxLength:"72" doc:"8 to 72 characters"`
		DisplayName string `json:"display_name,omitempty" maxLength:"255"`
	}
}

type loginInput struct {
	Body struct {
		Email    string `json:"email" format:"email" maxLength:"254"`
		Password string `json:"password" minLength:"1" maxLength:"72"`
	}
}

type tokenBody struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

type registerOutput struct {
	Body struct {
		User User `json:"user"`
		tokenBody
	}
}

type loginOutput struct {
	Body tokenBody
}

type jwksOutput struct {
	ContentType string `header:"Content-Type"`
	Body        []byte
}

func (s *Server) registerAuthRoutes() {
	register(s, signInOp(opPost("register", "/api/v1/auth/register", "Register a user (local auth mode)", "auth", http.StatusCreated)), s.register)
	register(s, signInOp(opPost("login", "/api/v1/auth/login", "Log in and get a bearer token (local auth mode)", "auth", http.StatusOK)), s.login)
	register(s, opGet("jwks", "/.well-known/jwks.json", "Public keys of local auth mode", "auth"), s.jwks)
}

// signInOp documents the answers of the sign-in limits: 429 past a client's
// or an email's allowance (limitSignIns), 503 when every password slot is
// busy.
func signInOp(op huma.Operation) huma.Operation {
	op.Errors = append(op.Errors, http.StatusTooManyRequests, http.StatusServiceUnavailable)
	return op
}

var errLocalAuthOff = alex.Errorf(alex.ENOTFOUND, "Local login is off: this service authenticates with Clerk.")

// errSignInsBusy answers a password check refused for want of a free slot
// (auth.ErrBusy).
var errSignInsBusy = alex.Errorf(alex.EUNAVAILABLE, "Too many sign-ins at once; try again in a moment.")

func (s *Server) register(ctx context.Context, in *registerInput) (*registerOutput, error) {
	if s.cfg.Issuer == nil {
		return nil, errLocalAuthOff
	}
	hash, err := auth.HashPassword(in.Body.Password)
	if errors.Is(err, auth.ErrBusy) {
		return nil, errSignInsBusy
	}
	if err != nil {
		return nil, alex.Invalid("body.password", err.Error())
	}
	name := strings.TrimSpace(in.Body.DisplayName)
	if name == "" {
		name = in.Body.Email
	}
	u, err := s.cfg.Store.CreateLocalUser(ctx, store.NewUser("user_"+uuid.NewString(), name), in.Body.Email, hash)
	if err != nil {
		return nil, err
	}
	token, exp, err := s.cfg.Issuer.Sign(u.ID, strings.ToLower(in.Body.Email), u.DisplayName, time.Now())
	if err != nil {
		return nil, err
	}
	out := &registerOutput{}
	out.Body.User = userOf(u)
	out.Body.Token, out.Body.ExpiresAt = token, exp
	return out, nil
}

func (s *Server) login(ctx context.Context, in *loginInput) (*loginOutput, error) {
	if s.cfg.Issuer == nil {
		return nil, errLocalAuthOff
	}
	badLogin := alex.Errorf(alex.EUNAUTHORIZED, "The email or password is wrong.")
	cred, err := s.cfg.Store.CredentialByEmail(ctx, in.Body.Email)
	if alex.ErrorCode(err) == alex.ENOTFOUND {
		// Spend the time a real check takes, and answer as it would: no
		// user enumeration.
		err = auth.DummyCheck(in.Body.Password)
	} else if err == nil {
		err = auth.CheckPassword(cred.PasswordHash, in.Body.Password)
	}
	switch {
	case errors.Is(err, auth.ErrInvalidCredentials):
		return nil, badLogin
	case errors.Is(err, auth.ErrBusy):
		return nil, errSignInsBusy
	case err != nil:
		return nil, err
	}
	u, err := s.cfg.Store.User(ctx, cred.UserID)
	if err != nil {
		return nil, err
	}
	token, exp, err := s.cfg.Issuer.Sign(u.ID, cred.Email, u.DisplayName, time.Now())
	if err != nil {
		return nil, err
	}
	return &loginOutput{Body: tokenBody{Token: token, ExpiresAt: exp}}, nil
}

func (s *Server) jwks(ctx context.Context, _ *struct{}) (*jwksOutput, error) {
	if s.cfg.Issuer == nil {
		return nil, errLocalAuthOff
	}
	b, err := s.cfg.Issuer.JWKS()
	if err != nil {
		return nil, err
	}
	return &jwksOutput{ContentType: "application/json", Body: b}, nil
}
