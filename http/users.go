package http

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/shopspring/decimal"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/store"
)

// User is the user of the contract.
type User struct {
	UserID                 string             `json:"clerk_user_id"`
	DisplayName            string             `json:"display_name"`
	YearsUntilRetirement   int                `json:"years_until_retirement"`
	TargetRetirementIncome float64            `json:"target_retirement_income"`
	BaseCurrency           string             `json:"base_currency" doc:"ISO 4217 code an analysis values everything in"`
	AssetClassTargets      map[string]float64 `json:"asset_class_targets"`
	RegionTargets          map[string]float64 `json:"region_targets"`
	CreatedAt              time.Time          `json:"created_at"`
	UpdatedAt              time.Time          `json:"updated_at"`
}

func userOf(u alex.User) User {
	return User{
		UserID:                 u.ID,
		DisplayName:            u.DisplayName,
		YearsUntilRetirement:   u.YearsUntilRetirement,
		TargetRetirementIncome: u.TargetRetirementIncome.InexactFloat64(),
		BaseCurrency:           u.BaseCurrency,
		AssetClassTargets:      u.AssetClassTargets,
		RegionTargets:          u.RegionTargets,
		CreatedAt:              u.CreatedAt,
		UpdatedAt:              u.UpdatedAt,
	}
}

type getUserOutput struct {
	Body struct {
		User    User `json:"user"`
		Created bool `json:"created" doc:"Whether this call created the user."`
	}
}

// updateUserInput is a partial update: a missing or null field is left
// unchanged. Unknown fields are refused; the User's read-only fields, which
// the Alex frontend may send back, are accepted and ignored.
type updateUserInput struct {
	Body struct {
		DisplayName            *string            `json:"display_name,omitempty" nullable:"true" minLength:"1" maxLength:"255"`
		YearsUntilRetirement   *int               `json:"years_until_retirement,omitempty" nullable:"true" minimum:"0" maximum:"100"`
		TargetRetirementIncome *float64           `json:"target_retirement_income,omitempty" nullable:"true" minimum:"0" maximum:"1000000000"`
		BaseCurrency           *string            `json:"base_currency,omitempty" nullable:"true" pattern:"^[A-Z]{3}$" patternDescription:"an ISO 4217 code such as USD"`
		AssetClassTargets      map[string]float64 `json:"asset_class_targets,omitempty" nullable:"true" doc:"Percent per asset class; keys from the asset class enumeration, values adding up to 100."`
		RegionTargets          map[string]float64 `json:"region_targets,omitempty" nullable:"true" doc:"Percent per region; keys from the region enumeration, values adding up to 100."`
		UserEcho
	}
}

// UserEcho are the read-only fields of a User that a PUT may carry: see
// AccountEcho.
type UserEcho struct {
	UserID    any `json:"clerk_user_id,omitempty" readOnly:"true" doc:"Read-only; ignored"`
	CreatedAt any `json:"created_at,omitempty" readOnly:"true" doc:"Read-only; ignored"`
	UpdatedAt any `json:"updated_at,omitempty" readOnly:"true" doc:"Read-only; ignored"`
}

// Resolve checks the targets along with the schema's checks, so that a 422
// lists every failing field at once.
func (in *updateUserInput) Resolve(huma.Context) []error {
	var fields []alex.FieldError
	if in.Body.AssetClassTargets != nil {
		fields = append(fields, alex.ValidateTargets("body.asset_class_targets", in.Body.AssetClassTargets, alex.AssetClasses)...)
	}
	if in.Body.RegionTargets != nil {
		fields = append(fields, alex.ValidateTargets("body.region_targets", in.Body.RegionTargets, alex.Regions)...)
	}
	errs := make([]error, len(fields))
	for i, f := range fields {
		errs[i] = &huma.ErrorDetail{Location: f.Location, Message: f.Message}
	}
	return errs
}

type userOutput struct {
	Body User
}

func (s *Server) registerUserRoutes() {
	register(s, opGet("get-user", "/api/v1/user", "Get the current user, creating it on first call", "users"), s.getUser)
	register(s, opPut("update-user", "/api/v1/user", "Update the current user's retirement settings and targets", "users"), s.updateUser)
}

// displayName is the name a new user starts with: from the token's name,
// else its email, else "New User".
func displayName(ctx context.Context) string {
	c := claims(ctx)
	switch {
	case c.Name != "":
		return c.Name
	case c.Email != "":
		return c.Email
	}
	return "New User"
}

func (s *Server) ensureUser(ctx context.Context) (alex.User, bool, error) {
	return s.cfg.Store.GetOrCreateUser(ctx, userID(ctx), displayName(ctx))
}

func (s *Server) getUser(ctx context.Context, _ *struct{}) (*getUserOutput, error) {
	u, created, err := s.ensureUser(ctx)
	if err != nil {
		return nil, err
	}
	out := &getUserOutput{}
	out.Body.User, out.Body.Created = userOf(u), created
	return out, nil
}

func (s *Server) updateUser(ctx context.Context, in *updateUserInput) (*userOutput, error) {
	b := in.Body
	if _, _, err := s.ensureUser(ctx); err != nil {
		return nil, err
	}
	upd := store.UserUpdate{
		DisplayName:          b.DisplayName,
		YearsUntilRetirement: b.YearsUntilRetirement,
		BaseCurrency:         b.BaseCurrency,
		AssetClassTargets:    b.AssetClassTargets,
		RegionTargets:        b.RegionTargets,
	}
	if b.TargetRetirementIncome != nil {
		d := decimal.NewFromFloat(*b.TargetRetirementIncome).Round(2)
		upd.TargetRetirementIncome = &d
	}
	u, err := s.cfg.Store.UpdateUser(ctx, userID(ctx), upd)
	if err != nil {
		return nil, err
	}
	return &userOutput{Body: userOf(u)}, nil
}

type message struct {
	Message string `json:"message"`
}

type messageOutput struct {
	Body message
}

func opGet(id, path, summary, tag string) huma.Operation {
	return huma.Operation{OperationID: id, Method: http.MethodGet, Path: path, Summary: summary, Tags: []string{tag}}
}

func opPut(id, path, summary, tag string) huma.Operation {
	return huma.Operation{OperationID: id, Method: http.MethodPut, Path: path, Summary: summary, Tags: []string{tag}}
}

func opPost(id, path, summary, tag string, status int) huma.Operation {
	return huma.Operation{OperationID: id, Method: http.MethodPost, Path: path, Summary: summary, Tags: []string{tag}, DefaultStatus: status}
}

func opDelete(id, path, summary, tag string) huma.Operation {
	return huma.Operation{OperationID: id, Method: http.MethodDelete, Path: path, Summary: summary, Tags: []string{tag}}
}
