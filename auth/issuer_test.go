package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alex-advisor/alex/auth/authtest"
	"github.com/go-jose/go-jose/v3"
	"github.com/stretchr/testify/require"
)

const localIssuer = "https://alex.test"

func newTestIssuer(t *testing.T) *Issuer {
	t.Helper()
	keyPEM, err := GenerateKeyPEM()
	require.NoError(t, err)
	iss, err := NewIssuer(context.Background(), keyPEM, localIssuer, 0)
	require.NoError(t, err)
	return iss
}

func localVerifier(keys KeySource, now time.Time) *Verifier {
	return NewVerifier(keys, VerifierOptions{Issuer: localIssuer, Clock: &fakeClock{now: now}})
}

func TestIssuerRoundTrip(t *testing.T) {
	iss := newTestIssuer(t)

	token, expiresAt, err := iss.Sign("user_42", "ada@example.com", "Ada", testNow)
	require.NoError(t, err)
	require.Equal(t, testNow.Add(24*time.Hour), expiresAt)

	got, err := localVerifier(iss.KeySource(), testNow).Verify(context.Background(), token)
	require.NoError(t, err)
	require.Equal(t, Claims{
		UserID:    "user_42",
		Email:     "ada@example.com",
		Name:      "Ada",
		Issuer:    localIssuer,
		ExpiresAt: expiresAt,
	}, got)

	_, err = localVerifier(iss.KeySource(), expiresAt.Add(6*time.Second)).Verify(context.Background(), token)
	requireRejected(t, err, errExpired)
}

func TestIssuerTokenHeaderAndClaims(t *testing.T) {
	iss := newTestIssuer(t)
	token, _, err := iss.Sign("user_42", "", "", testNow)
	require.NoError(t, err)
	parts := strings.Split(token, ".")
	var header, claims map[string]any
	decodeSegment(t, parts[0], &header)
	decodeSegment(t, parts[1], &claims)

	require.Equal(t, "RS256", header["alg"])
	require.Equal(t, "JWT", header["typ"])
	require.Equal(t, rfc7638(t, iss.public.Key.(*rsa.PublicKey)), header["kid"])
	require.Equal(t, map[string]any{
		"iss": localIssuer,
		"sub": "user_42",
		"iat": float64(testNow.Unix()),
		"nbf": float64(testNow.Unix()),
		"exp": float64(testNow.Add(24 * time.Hour).Unix()),
	}, claims)
}

func decodeSegment(t *testing.T, segment string, v any) {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(segment)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, v))
}

func rfc7638(t *testing.T, pub *rsa.PublicKey) string {
	t.Helper()
	sum, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(sum)
}

func TestIssuerRejectsForeignTokens(t *testing.T) {
	iss := newTestIssuer(t)
	foreign := authtest.NewKeyPair(t)

	_, err := localVerifier(iss.KeySource(), testNow).Verify(context.Background(),
		foreign.Token(t, authtest.Claims(localIssuer, "user_42", testNow)))

	requireRejected(t, err, errUnknownKey)
}

func TestIssuerJWKS(t *testing.T) {
	iss := newTestIssuer(t)
	body, err := iss.JWKS()
	require.NoError(t, err)

	var doc struct {
		Keys []map[string]string `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(body, &doc))
	require.Len(t, doc.Keys, 1)
	key := doc.Keys[0]
	require.Equal(t, "RSA", key["kty"])
	require.Equal(t, "sig", key["use"])
	require.Equal(t, "RS256", key["alg"])
	require.Equal(t, iss.public.KeyID, key["kid"])
	require.NotEmpty(t, key["n"])
	require.Equal(t, "AQAB", key["e"])
	require.NotContains(t, key, "d", "private material must not be published")

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(body) }))
	t.Cleanup(srv.Close)
	token, _, err := iss.Sign("user_42", "", "", testNow)
	require.NoError(t, err)
	got, err := localVerifier(NewJWKSCache(srv.URL, nil, 0), testNow).Verify(context.Background(), token)
	require.NoError(t, err)
	require.Equal(t, "user_42", got.UserID)
}

func TestIssuerSignRequiresUser(t *testing.T) {
	_, _, err := newTestIssuer(t).Sign("", "a@example.com", "", testNow)
	require.Error(t, err)
}

func TestNewIssuerKeyFormats(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	pkcs1 := x509.MarshalPKCS1PrivateKey(key)

	fromPKCS8, err := NewIssuer(context.Background(), pemBlock("PRIVATE KEY", pkcs8), localIssuer, time.Hour)
	require.NoError(t, err)
	fromPKCS1, err := NewIssuer(context.Background(), pemBlock("RSA PRIVATE KEY", pkcs1), localIssuer, time.Hour)
	require.NoError(t, err)
	require.Equal(t, fromPKCS8.public.KeyID, fromPKCS1.public.KeyID, "kid depends on the key only")

	_, expiresAt, err := fromPKCS1.Sign("user_1", "", "", testNow)
	require.NoError(t, err)
	require.Equal(t, testNow.Add(time.Hour), expiresAt)
}

func TestNewIssuerRejects(t *testing.T) {
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ecDER, err := x509.MarshalPKCS8PrivateKey(ec)
	require.NoError(t, err)
	good, err := GenerateKeyPEM()
	require.NoError(t, err)

	tests := map[string]struct {
		pem    []byte
		issuer string
		want   string
	}{
		"not PEM":        {[]byte("nope"), localIssuer, "not PEM"},
		"public key":     {pemBlock("PUBLIC KEY", []byte{1}), localIssuer, "unsupported PEM block"},
		"corrupt PKCS#8": {pemBlock("PRIVATE KEY", []byte{1, 2, 3}), localIssuer, "parse PKCS#8"},
		"EC key":         {pemBlock("PRIVATE KEY", ecDER), localIssuer, "want RSA"},
		"1024-bit key":   {pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(weak)), localIssuer, "at least 2048"},
		"no issuer URL":  {good, "", "issuer URL is required"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := NewIssuer(context.Background(), tc.pem, tc.issuer, 0)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// memKeyStore persists like the real store: generate once, then return it.
type memKeyStore struct {
	key       []byte
	generated int
	err       error
}

func (s *memKeyStore) SigningKey(_ context.Context, generate func() ([]byte, error)) ([]byte, error) {
	if s.err != nil {
		return nil, s.err
	}
	if s.key == nil {
		key, err := generate()
		if err != nil {
			return nil, err
		}
		s.key, s.generated = key, s.generated+1
	}
	return s.key, nil
}

func TestLoadOrCreateIssuer(t *testing.T) {
	store := &memKeyStore{}

	first, err := LoadOrCreateIssuer(context.Background(), store, localIssuer, 0)
	require.NoError(t, err)
	second, err := LoadOrCreateIssuer(context.Background(), store, localIssuer, 0)
	require.NoError(t, err)

	require.Equal(t, 1, store.generated)
	token, _, err := first.Sign("user_1", "", "", testNow)
	require.NoError(t, err)
	_, err = localVerifier(second.KeySource(), testNow).Verify(context.Background(), token)
	require.NoError(t, err, "a restart keeps verifying earlier tokens")

	_, err = LoadOrCreateIssuer(context.Background(), &memKeyStore{err: errors.New("db down")}, localIssuer, 0)
	require.ErrorContains(t, err, "db down")
}
