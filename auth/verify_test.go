package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alex-advisor/alex/auth/authtest"
	"github.com/clerk/clerk-sdk-go/v2"
	"github.com/stretchr/testify/require"
)

const testIssuer = "https://clerk.alex.test"

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

type keySourceFunc func(ctx context.Context, kid string) (*clerk.JSONWebKey, error)

func (f keySourceFunc) Key(ctx context.Context, kid string) (*clerk.JSONWebKey, error) {
	return f(ctx, kid)
}

func staticVerifier(t testing.TB, kp *authtest.KeyPair, opts VerifierOptions) *Verifier {
	t.Helper()
	keys, err := StaticKeyFromPEM(kp.PublicKeyPEM(t))
	require.NoError(t, err)
	if opts.Clock == nil {
		opts.Clock = &fakeClock{now: testNow}
	}
	return NewVerifier(keys, opts)
}

// claimsWith returns valid claims for user_123 changed by edit.
func claimsWith(edit func(c map[string]any)) map[string]any {
	c := authtest.Claims(testIssuer, "user_123", testNow)
	edit(c)
	return c
}

func requireRejected(t *testing.T, err, reason error) {
	t.Helper()
	require.ErrorIs(t, err, ErrInvalidToken)
	require.ErrorIs(t, err, reason)
}

func TestVerifyValidToken(t *testing.T) {
	kp := authtest.NewKeyPair(t)
	v := staticVerifier(t, kp, VerifierOptions{Issuer: testIssuer, AuthorizedParties: []string{"https://app.alex.test"}})
	token := kp.Token(t, claimsWith(func(c map[string]any) {
		c["email"] = "ada@example.com"
		c["name"] = "Ada Lovelace"
		c["azp"] = "https://app.alex.test"
	}))

	got, err := v.Verify(context.Background(), token)

	require.NoError(t, err)
	require.Equal(t, Claims{
		UserID:          "user_123",
		Email:           "ada@example.com",
		Name:            "Ada Lovelace",
		Issuer:          testIssuer,
		AuthorizedParty: "https://app.alex.test",
		ExpiresAt:       testNow.Add(time.Hour),
	}, got)
}

func TestVerifyRejects(t *testing.T) {
	kp := authtest.NewKeyPair(t)
	impostor := authtest.NewKeyPair(t)
	impostor.KID = kp.KID
	v := staticVerifier(t, kp, VerifierOptions{Issuer: testIssuer})
	valid := claimsWith(func(map[string]any) {})
	parts := strings.Split(kp.Token(t, valid), ".")
	header, signature := parts[0], parts[2]
	adminPayload := strings.Split(kp.Token(t, claimsWith(func(c map[string]any) { c["sub"] = "user_admin" })), ".")[1]

	tests := []struct {
		name   string
		token  string
		reason error
	}{
		{"expired", kp.Token(t, claimsWith(func(c map[string]any) { c["exp"] = testNow.Add(-6 * time.Second).Unix() })), errExpired},
		{"no exp", kp.Token(t, claimsWith(func(c map[string]any) { delete(c, "exp") })), errNoExpiry},
		{"nbf in future", kp.Token(t, claimsWith(func(c map[string]any) { c["nbf"] = testNow.Add(6 * time.Second).Unix() })), errNotYetValid},
		{"iat in future", kp.Token(t, claimsWith(func(c map[string]any) { c["iat"] = testNow.Add(6 * time.Second).Unix() })), errIssuedInFuture},
		{"no sub", kp.Token(t, claimsWith(func(c map[string]any) { delete(c, "sub") })), errNoSubject},
		{"empty sub", kp.Token(t, claimsWith(func(c map[string]any) { c["sub"] = "" })), errNoSubject},
		{"wrong issuer", kp.Token(t, claimsWith(func(c map[string]any) { c["iss"] = "https://clerk.evil.test" })), errIssuer},
		{"no issuer", kp.Token(t, claimsWith(func(c map[string]any) { delete(c, "iss") })), errIssuer},
		{"alg none", kp.SignWith(t, "none", valid), errAlgorithm},
		{"HS256 keyed with the public key", kp.SignWith(t, "HS256", valid), errAlgorithm},
		{"other key with the same kid", impostor.Token(t, valid), errSignature},
		{"payload swapped", header + "." + adminPayload + "." + signature, errSignature},
		{"empty", "", errMissingToken},
		{"one segment", "abc", errMalformed},
		{"a.b.c", "a.b.c", errMalformed},
		{"garbage base64", "!!!.???.***", errMalformed},
		{"four segments", kp.Token(t, valid) + ".x", errMalformed},
		{"header not JSON", b64("not json") + ".e30.", errMalformed},
		{"payload not base64", header + ".!!!." + signature, errMalformed},
		{"too large", strings.Repeat("a", maxTokenBytes+1), errTokenTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), tc.token)

			requireRejected(t, err, tc.reason)
			if tc.token != "" {
				require.NotContains(t, err.Error(), tc.token)
			}
		})
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestVerifyLeeway(t *testing.T) {
	kp := authtest.NewKeyPair(t)
	skewed := map[string]map[string]any{
		"exp just passed": claimsWith(func(c map[string]any) { c["exp"] = testNow.Add(-4 * time.Second).Unix() }),
		"nbf just ahead":  claimsWith(func(c map[string]any) { c["nbf"] = testNow.Add(4 * time.Second).Unix() }),
		"iat just ahead":  claimsWith(func(c map[string]any) { c["iat"] = testNow.Add(4 * time.Second).Unix() }),
	}
	v := staticVerifier(t, kp, VerifierOptions{Issuer: testIssuer})
	for name, claims := range skewed {
		t.Run(name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), kp.Token(t, claims))
			require.NoError(t, err)
		})
	}

	t.Run("custom leeway", func(t *testing.T) {
		wide := staticVerifier(t, kp, VerifierOptions{Issuer: testIssuer, Leeway: time.Minute})
		token := kp.Token(t, claimsWith(func(c map[string]any) { c["nbf"] = testNow.Add(50 * time.Second).Unix() }))

		_, err := wide.Verify(context.Background(), token)
		require.NoError(t, err)
	})
}

func TestVerifyIssuerPolicy(t *testing.T) {
	kp := authtest.NewKeyPair(t)
	tokenFrom := func(iss string) string {
		return kp.Token(t, claimsWith(func(c map[string]any) { c["iss"] = iss }))
	}
	clerkOnly := staticVerifier(t, kp, VerifierOptions{RequireClerkIssuer: true})
	unchecked := staticVerifier(t, kp, VerifierOptions{})

	for _, iss := range []string{"https://clerk.alex.test", "https://happy-otter-1.clerk.accounts.dev"} {
		_, err := clerkOnly.Verify(context.Background(), tokenFrom(iss))
		require.NoError(t, err, iss)
	}
	_, err := clerkOnly.Verify(context.Background(), tokenFrom("https://evil.test"))
	requireRejected(t, err, errIssuer)

	_, err = unchecked.Verify(context.Background(), tokenFrom("https://anything.test"))
	require.NoError(t, err)
}

func TestVerifyAuthorizedParties(t *testing.T) {
	kp := authtest.NewKeyPair(t)
	v := staticVerifier(t, kp, VerifierOptions{Issuer: testIssuer, AuthorizedParties: []string{"https://a.test", "https://b.test"}})
	tokenFor := func(azp string) string {
		return kp.Token(t, claimsWith(func(c map[string]any) {
			if azp != "" {
				c["azp"] = azp
			}
		}))
	}

	got, err := v.Verify(context.Background(), tokenFor("https://b.test"))
	require.NoError(t, err)
	require.Equal(t, "https://b.test", got.AuthorizedParty)

	_, err = v.Verify(context.Background(), tokenFor("https://evil.test"))
	requireRejected(t, err, errAuthorizedParty)

	_, err = v.Verify(context.Background(), tokenFor(""))
	requireRejected(t, err, errAuthorizedParty)
}

func TestVerifyKeySourceOutcomes(t *testing.T) {
	kp := authtest.NewKeyPair(t)
	token := kp.Token(t, claimsWith(func(map[string]any) {}))
	verify := func(keys KeySource) error {
		_, err := NewVerifier(keys, VerifierOptions{Issuer: testIssuer, Clock: &fakeClock{now: testNow}}).Verify(context.Background(), token)
		return err
	}

	t.Run("source failure is not a bad token", func(t *testing.T) {
		err := verify(keySourceFunc(func(context.Context, string) (*clerk.JSONWebKey, error) {
			return nil, errors.New("disk on fire")
		}))
		require.ErrorIs(t, err, ErrKeysUnavailable)
		require.NotErrorIs(t, err, ErrInvalidToken)
	})
	t.Run("key for another algorithm", func(t *testing.T) {
		err := verify(StaticKey(&clerk.JSONWebKey{Key: &kp.Private.PublicKey, Algorithm: "RS512"}))
		requireRejected(t, err, errKeyAlgorithm)
	})
	t.Run("source gets the token's kid", func(t *testing.T) {
		var seen string
		err := verify(keySourceFunc(func(_ context.Context, kid string) (*clerk.JSONWebKey, error) {
			seen = kid
			return &clerk.JSONWebKey{Key: &kp.Private.PublicKey, KeyID: kid, Algorithm: rs256}, nil
		}))
		require.NoError(t, err)
		require.Equal(t, kp.KID, seen)
	})
}

func TestStaticKeyFromPEM(t *testing.T) {
	kp := authtest.NewKeyPair(t)
	oneLine := strings.ReplaceAll(kp.PublicKeyPEM(t), "\n", `\n`)

	keys, err := StaticKeyFromPEM(oneLine)
	require.NoError(t, err)
	_, err = NewVerifier(keys, VerifierOptions{Issuer: testIssuer, Clock: &fakeClock{now: testNow}}).
		Verify(context.Background(), kp.Token(t, claimsWith(func(map[string]any) {})))
	require.NoError(t, err)

	_, err = StaticKeyFromPEM("not a pem")
	require.Error(t, err)
	_, err = StaticKeyFromPEM(ecPublicKeyPEM(t))
	require.ErrorContains(t, err, "not an RSA key")
}

func BenchmarkVerify(b *testing.B) {
	kp := authtest.NewKeyPair(b)
	token := kp.Token(b, authtest.Claims(testIssuer, "user_123", testNow))
	static, err := StaticKeyFromPEM(kp.PublicKeyPEM(b))
	require.NoError(b, err)
	srv := newJWKSServer(b, kp)
	sources := []struct {
		name string
		keys KeySource
	}{
		{"static_key", static},
		{"jwks_cache", NewJWKSCache(srv.URL, nil, 0)},
	}
	for _, src := range sources {
		b.Run(src.name, func(b *testing.B) {
			v := NewVerifier(src.keys, VerifierOptions{Issuer: testIssuer, Clock: &fakeClock{now: testNow}})
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(context.Background(), token); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	require.EqualValues(b, 1, srv.hits.Load(), "the cached source must fetch once")
}

// A token verified once is not checked again for a while, but never past
// its expiry: the remembered answer expires with the token.
func TestRememberedTokenExpiresWithTheToken(t *testing.T) {
	kp := authtest.NewKeyPair(t)
	clock := &fakeClock{now: testNow}
	var lookups int
	keys, err := StaticKeyFromPEM(kp.PublicKeyPEM(t))
	require.NoError(t, err)
	v := NewVerifier(keySourceFunc(func(ctx context.Context, kid string) (*clerk.JSONWebKey, error) {
		lookups++
		return keys.Key(ctx, kid)
	}), VerifierOptions{Issuer: testIssuer, Clock: clock})
	token := kp.Token(t, claimsWith(func(map[string]any) {}))

	first, err := v.Verify(context.Background(), token)
	require.NoError(t, err)
	again, err := v.Verify(context.Background(), token)
	require.NoError(t, err)
	require.Equal(t, first, again)
	require.Equal(t, 2, lookups, "the second call only checks that the key is still served")

	clock.now = first.ExpiresAt.Add(defaultLeeway + time.Second)
	_, err = v.Verify(context.Background(), token)
	requireRejected(t, err, errExpired)
}
