// Package authtest mints real RS256 keys, key sets and tokens (including attack
// tokens) for tests of code that verifies bearer tokens.
//
// It may import nothing of this module (tests only).
package authtest

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v3"
	"github.com/stretchr/testify/require"
)

// KeyPair is an RSA signing key and the kid its tokens carry. Tests may change
// KID, e.g. to sign with a foreign key under a trusted kid.
type KeyPair struct {
	Private *rsa.PrivateKey
	KID     string
}

// NewKeyPair generates a 2048-bit key whose kid is its RFC 7638 thumbprint.
func NewKeyPair(t testing.TB) *KeyPair {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	sum, err := (&jose.JSONWebKey{Key: &key.PublicKey}).Thumbprint(crypto.SHA256)
	require.NoError(t, err)
	return &KeyPair{Private: key, KID: base64.RawURLEncoding.EncodeToString(sum)}
}

// PublicJWK is the public key as a JWK (use sig, alg RS256).
func (k *KeyPair) PublicJWK() jose.JSONWebKey {
	return jose.JSONWebKey{Key: &k.Private.PublicKey, KeyID: k.KID, Algorithm: "RS256", Use: "sig"}
}

// PublicKeyPEM is the public key as PKIX "PUBLIC KEY" PEM, the CLERK_JWT_KEY format.
func (k *KeyPair) PublicKeyPEM(t testing.TB) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&k.Private.PublicKey)
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// JWKS is the standard {"keys":[...]} document holding the pairs' public keys.
func JWKS(t testing.TB, pairs ...*KeyPair) []byte {
	t.Helper()
	set := jose.JSONWebKeySet{}
	for _, k := range pairs {
		set.Keys = append(set.Keys, k.PublicJWK())
	}
	body, err := json.Marshal(set)
	require.NoError(t, err)
	return body
}

// JWKSServer serves the pair's JWKS on every path; it is closed with the test.
func (k *KeyPair) JWKSServer(t testing.TB) *httptest.Server {
	t.Helper()
	body := JWKS(t, k)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Claims returns a valid claim set: iss, sub, iat and nbf now, exp in an hour.
func Claims(issuer, subject string, now time.Time) map[string]any {
	return map[string]any{
		"iss": issuer,
		"sub": subject,
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": now.Add(time.Hour).Unix(),
	}
}

// Token signs claims with RS256 under the pair's kid.
func (k *KeyPair) Token(t testing.TB, claims map[string]any) string {
	t.Helper()
	return k.SignWith(t, "RS256", claims)
}

// SignWith signs claims under the pair's kid with alg: "RS256"; "HS256" with the
// public key PEM as HMAC secret (the algorithm-confusion attack); or "none".
func (k *KeyPair) SignWith(t testing.TB, alg string, claims map[string]any) string {
	t.Helper()
	input := segment(t, map[string]any{"alg": alg, "kid": k.KID, "typ": "JWT"}) + "." + segment(t, claims)
	var sig []byte
	switch alg {
	case "RS256":
		digest := sha256.Sum256([]byte(input))
		var err error
		sig, err = rsa.SignPKCS1v15(nil, k.Private, crypto.SHA256, digest[:])
		require.NoError(t, err)
	case "HS256":
		mac := hmac.New(sha256.New, []byte(k.PublicKeyPEM(t)))
		mac.Write([]byte(input))
		sig = mac.Sum(nil)
	case "none":
	default:
		t.Fatalf("authtest: unsupported alg %q", alg)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func segment(t testing.TB, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(raw)
}
