package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"
	"github.com/clerk/clerk-sdk-go/v2/jwt"
	"github.com/go-jose/go-jose/v3"
	josejson "github.com/go-jose/go-jose/v3/json"
	josejwt "github.com/go-jose/go-jose/v3/jwt"
	"github.com/hashicorp/golang-lru/v2/expirable"
)

const (
	rs256         = "RS256"
	defaultLeeway = 5 * time.Second
	// maxTokenBytes bounds the work an anonymous caller can make us do; real
	// session tokens are well under 4 KiB.
	maxTokenBytes = 16 << 10
)

// Claims is what the API needs from a verified token.
type Claims struct {
	UserID          string // sub
	Email           string // email claim, when present
	Name            string // name claim, when present
	Issuer          string
	AuthorizedParty string // azp
	ExpiresAt       time.Time
}

// VerifierOptions configures the checks beyond signature and lifetime.
type VerifierOptions struct {
	// Issuer, when set, must equal iss exactly (JWT_ISSUER; in local mode the
	// service's own issuer URL).
	Issuer string
	// AuthorizedParties, when set, must contain azp; a token without azp fails.
	AuthorizedParties []string
	// Leeway absorbs clock skew on exp, nbf and iat; zero or less means 5 s.
	Leeway time.Duration
	// Clock is the time source; nil means the wall clock.
	Clock clerk.Clock
	// RequireClerkIssuer, without Issuer, requires a Clerk-hosted iss
	// (https://clerk.… or ….clerk.accounts…). Without either, iss is not checked.
	RequireClerkIssuer bool
}

// Verifier checks bearer tokens. Clerk and local-mode tokens take the same path;
// only the KeySource differs. Safe for concurrent use.
type Verifier struct {
	keys   KeySource
	params jwt.VerifyParams // per-call template: Token and JWK are filled in
	// verified remembers the claims of tokens that passed, by their hash, so
	// that a client's next requests skip the RSA check (the largest cost of
	// an authenticated read). An entry lives a minute at most, is never used
	// past the token's expiry, and only while its key is still the one the
	// key source serves: a withdrawn key stops its tokens at once.
	verified *expirable.LRU[[sha256.Size]byte, verifiedToken]
}

type verifiedToken struct {
	claims Claims
	kid    string
	key    *clerk.JSONWebKey
}

const (
	verifiedTokens   = 10_000
	verifiedTokenTTL = time.Minute
)

// NewVerifier returns a Verifier that takes public keys from keys.
func NewVerifier(keys KeySource, opts VerifierOptions) *Verifier {
	if opts.Leeway <= 0 {
		opts.Leeway = defaultLeeway
	}
	if opts.Clock == nil {
		opts.Clock = clerk.NewClock()
	}
	params := jwt.VerifyParams{
		Clock:                   opts.Clock,
		Leeway:                  opts.Leeway,
		CustomClaimsConstructor: newProfileClaims,
		// IsSatellite is clerk's only switch for skipping its issuer check.
		IsSatellite: opts.Issuer == "" && !opts.RequireClerkIssuer,
	}
	if opts.Issuer != "" {
		params.ProxyURL = &opts.Issuer // clerk compares iss to ProxyURL exactly
	}
	if len(opts.AuthorizedParties) > 0 {
		parties := slices.Clone(opts.AuthorizedParties)
		params.AuthorizedPartyHandler = func(azp string) bool { return slices.Contains(parties, azp) }
	}
	return &Verifier{keys: keys, params: params,
		verified: expirable.NewLRU[[sha256.Size]byte, verifiedToken](verifiedTokens, nil, verifiedTokenTTL)}
}

// profileClaims are the custom claims copied into Claims.
type profileClaims struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

func newProfileClaims(context.Context) any { return &profileClaims{} }

// Verify checks token and returns its claims. Rejections match ErrInvalidToken;
// ErrKeysUnavailable means the key set could not be fetched.
func (v *Verifier) Verify(ctx context.Context, token string) (Claims, error) {
	hash := sha256.Sum256([]byte(token))
	if t, ok := v.verified.Get(hash); ok && v.stillValid(ctx, t) {
		return t.claims, nil
	}
	t, err := v.verify(ctx, token)
	if err != nil {
		return Claims{}, err
	}
	v.verified.Add(hash, t)
	return t.claims, nil
}

func (v *Verifier) stillValid(ctx context.Context, t verifiedToken) bool {
	if !v.params.Clock.Now().Before(t.claims.ExpiresAt.Add(v.params.Leeway)) {
		return false
	}
	key, err := v.keys.Key(ctx, t.kid)
	return err == nil && key == t.key
}

func (v *Verifier) verify(ctx context.Context, token string) (verifiedToken, error) {
	kid, err := checkHeader(token)
	if err != nil {
		return verifiedToken{}, err
	}
	jwk, err := v.keys.Key(ctx, kid)
	if err != nil {
		return verifiedToken{}, keySourceError(err)
	}
	if jwk == nil || jwk.Algorithm != rs256 {
		return verifiedToken{}, errKeyAlgorithm
	}
	params := v.params
	params.Token, params.JWK = token, jwk
	session, err := jwt.Verify(ctx, &params)
	if err != nil {
		return verifiedToken{}, rejection(err)
	}
	claims, err := claimsOf(session)
	return verifiedToken{claims: claims, kid: kid, key: jwk}, err
}

type joseHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
}

// checkHeader rejects tokens by shape and algorithm before any key lookup, so junk
// and algorithm-confusion tokens never cause a key fetch. It decodes with go-jose's
// JSON (case-sensitive, no duplicate members) so it reads the header exactly as
// the signature check will. Returns the kid.
func checkHeader(token string) (string, error) {
	if token == "" {
		return "", errMissingToken
	}
	if len(token) > maxTokenBytes {
		return "", errTokenTooLarge
	}
	if strings.Count(token, ".") != 2 {
		return "", errMalformed
	}
	encoded, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil {
		return "", errMalformed
	}
	var h joseHeader
	if err := josejson.Unmarshal(raw, &h); err != nil {
		return "", errMalformed
	}
	if h.Alg != rs256 {
		return "", errAlgorithm
	}
	return h.Kid, nil
}

// keySourceError keeps the KeySource's verdict and treats anything else as the
// keys being unavailable rather than the token being bad.
func keySourceError(err error) error {
	if errors.Is(err, ErrInvalidToken) || errors.Is(err, ErrKeysUnavailable) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrKeysUnavailable, err)
}

// rejection maps clerk's and go-jose's errors to fixed, safe reasons.
func rejection(err error) error {
	switch {
	case errors.Is(err, josejwt.ErrExpired):
		return errExpired
	case errors.Is(err, josejwt.ErrNotValidYet):
		return errNotYetValid
	case errors.Is(err, josejwt.ErrIssuedInTheFuture):
		return errIssuedInFuture
	case errors.Is(err, jose.ErrCryptoFailure):
		return errSignature
	}
	// clerk reports its own checks as unwrapped errors; the prefix is the only handle.
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "invalid issuer"):
		return errIssuer
	case strings.HasPrefix(msg, "invalid authorized party"):
		return errAuthorizedParty
	case strings.HasPrefix(msg, "invalid signing algorithm"):
		return errAlgorithm
	}
	return errMalformed
}

// claimsOf enforces what clerk leaves optional: exp and sub must be present.
func claimsOf(session *clerk.SessionClaims) (Claims, error) {
	if session.Expiry == nil {
		return Claims{}, errNoExpiry
	}
	if session.Subject == "" {
		return Claims{}, errNoSubject
	}
	profile := session.Custom.(*profileClaims)
	return Claims{
		UserID:          session.Subject,
		Email:           profile.Email,
		Name:            profile.Name,
		Issuer:          session.Issuer,
		AuthorizedParty: session.AuthorizedParty,
		ExpiresAt:       time.Unix(*session.Expiry, 0).UTC(),
	}, nil
}
