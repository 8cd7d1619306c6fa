package auth

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"
	"github.com/go-jose/go-jose/v3"
	josejwt "github.com/go-jose/go-jose/v3/jwt"
)

const (
	defaultTokenTTL = 24 * time.Hour
	minRSABits      = 2048
)

// KeyStore persists the local-mode signing key: SigningKey returns the stored
// PEM, or calls generate, stores its result and returns it on first start.
type KeyStore interface {
	SigningKey(ctx context.Context, generate func() ([]byte, error)) ([]byte, error)
}

// Issuer signs local-mode session tokens (AUTH_MODE=local). Safe for concurrent use.
type Issuer struct {
	issuer string
	ttl    time.Duration
	signer jose.Signer
	public *clerk.JSONWebKey
}

// localClaims is the local token's payload.
type localClaims struct {
	josejwt.Claims
	Email string `json:"email,omitempty"`
	Name  string `json:"name,omitempty"`
}

// LoadOrCreateIssuer builds an Issuer from the store's key, generating and
// persisting one on first start.
func LoadOrCreateIssuer(ctx context.Context, store KeyStore, issuerURL string, ttl time.Duration) (*Issuer, error) {
	keyPEM, err := store.SigningKey(ctx, GenerateKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("auth: load signing key: %w", err)
	}
	return NewIssuer(ctx, keyPEM, issuerURL, ttl)
}

// NewIssuer builds an Issuer from an RSA private key PEM (PKCS#1 or PKCS#8, at
// least 2048 bits). Tokens carry iss=issuerURL and live ttl (zero means 24 h).
func NewIssuer(_ context.Context, privateKeyPEM []byte, issuerURL string, ttl time.Duration) (*Issuer, error) {
	if issuerURL == "" {
		return nil, errors.New("auth: new issuer: issuer URL is required")
	}
	if ttl <= 0 {
		ttl = defaultTokenTTL
	}
	key, err := parseRSAPrivateKey(privateKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("auth: new issuer: %w", err)
	}
	kid, err := thumbprint(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("auth: new issuer: %w", err)
	}
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"),
	)
	if err != nil {
		return nil, fmt.Errorf("auth: new issuer: %w", err)
	}
	return &Issuer{
		issuer: issuerURL,
		ttl:    ttl,
		signer: signer,
		public: &clerk.JSONWebKey{Key: &key.PublicKey, KeyID: kid, Algorithm: rs256, Use: "sig"},
	}, nil
}

// GenerateKeyPEM returns a new RSA 2048 private key as PKCS#8 PEM.
func GenerateKeyPEM() ([]byte, error) {
	key, err := rsa.GenerateKey(rand.Reader, minRSABits)
	if err != nil {
		return nil, fmt.Errorf("auth: generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("auth: generate key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

func parseRSAPrivateKey(keyPEM []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return nil, errors.New("signing key is not PEM")
	}
	key, err := parsePrivateKeyBlock(block)
	if err != nil {
		return nil, err
	}
	if key.N.BitLen() < minRSABits {
		return nil, fmt.Errorf("signing key has %d bits, want at least %d", key.N.BitLen(), minRSABits)
	}
	return key, nil
}

func parsePrivateKeyBlock(block *pem.Block) (*rsa.PrivateKey, error) {
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse PKCS#1 key: %w", err)
		}
		return key, nil
	case "PRIVATE KEY":
		key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse PKCS#8 key: %w", err)
		}
		rsaKey, ok := key.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("signing key is %T, want RSA", key)
		}
		return rsaKey, nil
	default:
		return nil, fmt.Errorf("unsupported PEM block %q", block.Type)
	}
}

// thumbprint is the RFC 7638 SHA-256 thumbprint, used as kid so the same key
// always gets the same kid across restarts and instances.
func thumbprint(pub *rsa.PublicKey) (string, error) {
	sum, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("key thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}

// Sign returns an RS256 token for the user, valid from now for the issuer's ttl,
// and its expiry (whole seconds, as in the token).
func (i *Issuer) Sign(userID, email, name string, now time.Time) (string, time.Time, error) {
	if userID == "" {
		return "", time.Time{}, errors.New("auth: sign token: empty user id")
	}
	expiresAt := time.Unix(now.Add(i.ttl).Unix(), 0).UTC()
	claims := localClaims{
		Claims: josejwt.Claims{
			Issuer:    i.issuer,
			Subject:   userID,
			IssuedAt:  josejwt.NewNumericDate(now),
			NotBefore: josejwt.NewNumericDate(now),
			Expiry:    josejwt.NewNumericDate(expiresAt),
		},
		Email: email,
		Name:  name,
	}
	token, err := josejwt.Signed(i.signer).Claims(claims).CompactSerialize()
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: sign token: %w", err)
	}
	return token, expiresAt, nil
}

// JWKS returns the public key set for GET /.well-known/jwks.json.
func (i *Issuer) JWKS() ([]byte, error) {
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key:       i.public.Key,
		KeyID:     i.public.KeyID,
		Algorithm: i.public.Algorithm,
		Use:       i.public.Use,
	}}}
	body, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("auth: marshal jwks: %w", err)
	}
	return body, nil
}

// KeySource lets a Verifier check this issuer's tokens on the shared path.
func (i *Issuer) KeySource() KeySource { return pinnedKey{jwk: i.public} }
