// Package auth verifies bearer tokens (Clerk session tokens or the service's own
// local-mode tokens, through one verification path), issues local-mode tokens and
// hashes passwords. It has no HTTP framework dependency: the HTTP layer maps
// ErrInvalidToken to 401 and ErrKeysUnavailable to 503.
//
// It may import nothing of this module.
package auth

import "errors"

var (
	// ErrInvalidToken is matched (errors.Is) by every token rejection. The error's
	// message adds a short reason that is safe to show; it never contains the token.
	ErrInvalidToken = errors.New("invalid token")
	// ErrKeysUnavailable means the signing keys could not be fetched, so the token
	// could not be judged either way; it is an upstream failure, not a bad token.
	ErrKeysUnavailable = errors.New("signing keys unavailable")
	// ErrInvalidCredentials is returned for a wrong password or an unknown user.
	ErrInvalidCredentials = errors.New("invalid credentials")
	// ErrPasswordTooLong: bcrypt only reads the first 72 bytes, so longer passwords
	// are refused rather than silently truncated.
	ErrPasswordTooLong = errors.New("password must be at most 72 bytes")
	// ErrTokenExpired is matched (errors.Is) by the rejection of an expired
	// token, which some clients word for the person differently.
	ErrTokenExpired error = errExpired
)

// tokenError is a rejection with a fixed reason. The reasons are package-level
// values so rejecting a token allocates nothing.
type tokenError string

func (e tokenError) Error() string        { return "invalid token: " + string(e) }
func (e tokenError) Is(target error) bool { return target == ErrInvalidToken }

const (
	errMissingToken    = tokenError("missing token")
	errTokenTooLarge   = tokenError("token too large")
	errMalformed       = tokenError("malformed token")
	errAlgorithm       = tokenError("unsupported signing algorithm")
	errNoKeyID         = tokenError("token has no key id")
	errUnknownKey      = tokenError("unknown signing key")
	errKeyAlgorithm    = tokenError("signing key is not RS256")
	errSignature       = tokenError("invalid signature")
	errExpired         = tokenError("token expired")
	errNotYetValid     = tokenError("token not yet valid")
	errIssuedInFuture  = tokenError("token issued in the future")
	errNoExpiry        = tokenError("token has no expiry")
	errNoSubject       = tokenError("token has no subject")
	errIssuer          = tokenError("invalid issuer")
	errAuthorizedParty = tokenError("unauthorized party")
)
