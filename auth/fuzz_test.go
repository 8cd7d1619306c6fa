package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/alex-advisor/alex/auth"
	"github.com/alex-advisor/alex/auth/authtest"
)

// FuzzVerify feeds the verifier arbitrary tokens: it never panics, and
// whatever it rejects it rejects as an invalid token (a 401), never as
// something else. Only the claims of the one signed seed may pass.
//
//	go test -run x -fuzz FuzzVerify -fuzztime 30s ./auth/
func FuzzVerify(f *testing.F) {
	keys := authtest.NewKeyPair(f)
	now := time.Now()
	valid := keys.Token(f, authtest.Claims("https://clerk.test.example", "user_ada", now))
	for _, seed := range []string{
		valid,
		valid[:len(valid)-3],
		keys.SignWith(f, "none", authtest.Claims("https://clerk.test.example", "user_ada", now)),
		keys.SignWith(f, "HS256", authtest.Claims("https://clerk.test.example", "user_ada", now)),
		"", ".", "..", "a.b.c", "e30.e30.", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
		"eyJhbGciOiJSUzI1NiIsImtpZCI6WzFdfQ.e30.c2ln", // kid of the wrong type
	} {
		f.Add(seed)
	}
	key, err := auth.StaticKeyFromPEM(keys.PublicKeyPEM(f))
	if err != nil {
		f.Fatal(err)
	}
	v := auth.NewVerifier(key, auth.VerifierOptions{RequireClerkIssuer: true})
	f.Fuzz(func(t *testing.T, token string) {
		claims, err := v.Verify(context.Background(), token)
		if err == nil {
			if claims.UserID != "user_ada" {
				t.Fatalf("accepted claims nobody signed: %q", token)
			}
			return
		}
		if !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("rejected %q with %v, not ErrInvalidToken", token, err)
		}
	})
}
