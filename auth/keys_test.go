package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alex-advisor/alex/auth/authtest"
	"github.com/go-jose/go-jose/v3"
	"github.com/stretchr/testify/require"
)

// jwksServer serves a replaceable key set and counts requests.
type jwksServer struct {
	*httptest.Server
	hits   atomic.Int32
	body   atomic.Pointer[[]byte]
	status atomic.Int32
}

func newJWKSServer(t testing.TB, pairs ...*authtest.KeyPair) *jwksServer {
	t.Helper()
	s := &jwksServer{}
	s.serve(authtest.JWKS(t, pairs...))
	s.status.Store(http.StatusOK)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s.hits.Add(1)
		w.WriteHeader(int(s.status.Load()))
		_, _ = w.Write(*s.body.Load())
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) serve(body []byte) { s.body.Store(&body) }

// cacheVerifier verifies against srv through a KeyCache whose rate limiter reads
// *now, so tests move time without sleeping.
func cacheVerifier(srv *jwksServer, now *time.Time) *Verifier {
	cache := NewJWKSCache(srv.URL, nil, time.Minute)
	cache.now = func() time.Time { return *now }
	return NewVerifier(cache, VerifierOptions{Issuer: testIssuer, Clock: &fakeClock{now: testNow}})
}

func validToken(t testing.TB, kp *authtest.KeyPair) string {
	t.Helper()
	return kp.Token(t, authtest.Claims(testIssuer, "user_123", testNow))
}

func TestKeyCacheFetchesOnce(t *testing.T) {
	kp := authtest.NewKeyPair(t)
	srv := newJWKSServer(t, kp)
	now := testNow
	v := cacheVerifier(srv, &now)

	for range 20 {
		_, err := v.Verify(context.Background(), validToken(t, kp))
		require.NoError(t, err)
	}
	require.EqualValues(t, 1, srv.hits.Load())
}

func TestKeyCacheUnknownKidRefetchIsRateLimited(t *testing.T) {
	kp, stranger, other := authtest.NewKeyPair(t), authtest.NewKeyPair(t), authtest.NewKeyPair(t)
	srv := newJWKSServer(t, kp)
	now := testNow
	v := cacheVerifier(srv, &now)
	_, err := v.Verify(context.Background(), validToken(t, kp))
	require.NoError(t, err)

	_, err = v.Verify(context.Background(), validToken(t, stranger))
	requireRejected(t, err, errUnknownKey)
	require.EqualValues(t, 2, srv.hits.Load(), "an unknown kid refetches once")

	_, err = v.Verify(context.Background(), validToken(t, other))
	requireRejected(t, err, errUnknownKey)
	require.EqualValues(t, 2, srv.hits.Load(), "no second refetch within the interval")

	now = now.Add(time.Minute + time.Second)
	_, err = v.Verify(context.Background(), validToken(t, other))
	requireRejected(t, err, errUnknownKey)
	require.EqualValues(t, 3, srv.hits.Load(), "the interval has passed")
}

func TestKeyCacheKeyRotation(t *testing.T) {
	oldKey, newKey := authtest.NewKeyPair(t), authtest.NewKeyPair(t)
	srv := newJWKSServer(t, oldKey)
	now := testNow
	v := cacheVerifier(srv, &now)
	_, err := v.Verify(context.Background(), validToken(t, oldKey))
	require.NoError(t, err)

	srv.serve(authtest.JWKS(t, newKey))
	got, err := v.Verify(context.Background(), validToken(t, newKey))

	require.NoError(t, err)
	require.Equal(t, "user_123", got.UserID)
	require.EqualValues(t, 2, srv.hits.Load())
	_, err = v.Verify(context.Background(), validToken(t, oldKey))
	requireRejected(t, err, errUnknownKey) // withdrawn keys stop verifying
}

func TestKeyCacheConcurrentCallersShareOneFetch(t *testing.T) {
	kp, rotated := authtest.NewKeyPair(t), authtest.NewKeyPair(t)
	srv := newJWKSServer(t, kp)
	now := testNow
	v := cacheVerifier(srv, &now)

	verifyConcurrently(t, v, validToken(t, kp))
	require.EqualValues(t, 1, srv.hits.Load(), "cold cache")

	srv.serve(authtest.JWKS(t, kp, rotated))
	verifyConcurrently(t, v, validToken(t, rotated))
	require.EqualValues(t, 2, srv.hits.Load(), "unknown kid on a warm cache")
}

func verifyConcurrently(t *testing.T, v *Verifier, token string) {
	t.Helper()
	start := make(chan struct{})
	errs := make(chan error, 50)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			<-start
			_, err := v.Verify(context.Background(), token)
			errs <- err
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

func TestKeyCacheFetchFailure(t *testing.T) {
	kp := authtest.NewKeyPair(t)
	srv := newJWKSServer(t, kp)
	srv.status.Store(http.StatusBadGateway)
	now := testNow
	v := cacheVerifier(srv, &now)

	for range 5 {
		_, err := v.Verify(context.Background(), validToken(t, kp))
		require.ErrorIs(t, err, ErrKeysUnavailable)
		require.NotErrorIs(t, err, ErrInvalidToken)
	}
	// The first fetch and one retry; then the rate limit holds.
	require.EqualValues(t, 2, srv.hits.Load(), "a failing key server is not hammered")

	srv.status.Store(http.StatusOK)
	now = now.Add(time.Minute + time.Second)
	_, err := v.Verify(context.Background(), validToken(t, kp))
	require.NoError(t, err)
	require.EqualValues(t, 3, srv.hits.Load())
}

func TestKeyCacheKeepsOnlyRS256SigningKeys(t *testing.T) {
	kp, encryption := authtest.NewKeyPair(t), authtest.NewKeyPair(t)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	encJWK := encryption.PublicJWK()
	encJWK.Use = "enc"
	set, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &ec.PublicKey, KeyID: "ec", Algorithm: "ES256", Use: "sig"},
		encJWK,
		kp.PublicJWK(),
	}})
	require.NoError(t, err)
	srv := newJWKSServer(t)
	srv.serve(set)
	cache := NewJWKSCache(srv.URL, nil, 0)

	jwk, err := cache.Key(context.Background(), kp.KID)
	require.NoError(t, err)
	require.Equal(t, rs256, jwk.Algorithm)
	for _, kid := range []string{"ec", encryption.KID} {
		_, err := cache.Key(context.Background(), kid)
		requireRejected(t, err, errUnknownKey)
	}
}

func TestKeyCacheRejectsSetWithoutUsableKeys(t *testing.T) {
	srv := newJWKSServer(t)
	srv.serve([]byte(`{"keys":[]}`))

	_, err := NewJWKSCache(srv.URL, nil, 0).Key(context.Background(), "kid")

	require.ErrorIs(t, err, ErrKeysUnavailable)
	require.ErrorContains(t, err, "no RS256 signing key")
}

func TestKeyCacheTokenWithoutKidFetchesNothing(t *testing.T) {
	kp := authtest.NewKeyPair(t)
	srv := newJWKSServer(t, kp)
	now := testNow
	v := cacheVerifier(srv, &now)
	kp.KID = ""

	_, err := v.Verify(context.Background(), validToken(t, kp))

	requireRejected(t, err, errNoKeyID)
	require.Zero(t, srv.hits.Load())
}

func TestClerkAPIKeys(t *testing.T) {
	kp := authtest.NewKeyPair(t)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Method != http.MethodGet || r.URL.Path != "/v1/jwks" || r.Header.Get("Authorization") != "Bearer sk_test_alex" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"errors":[{"code":"authentication_invalid","message":"Unauthorized"}]}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(authtest.JWKS(t, kp))
	}))
	t.Cleanup(srv.Close)
	verifier := func(secret string) *Verifier {
		keys := NewClerkAPIKeys(secret, srv.URL+"/v1", nil, 0)
		return NewVerifier(keys, VerifierOptions{Issuer: testIssuer, Clock: &fakeClock{now: testNow}})
	}

	v := verifier("sk_test_alex")
	for range 3 {
		got, err := v.Verify(context.Background(), validToken(t, kp))
		require.NoError(t, err)
		require.Equal(t, "user_123", got.UserID)
	}
	require.EqualValues(t, 1, hits.Load())

	_, err := verifier("sk_test_wrong").Verify(context.Background(), validToken(t, kp))
	require.ErrorIs(t, err, ErrKeysUnavailable)
	require.NotContains(t, err.Error(), "sk_test_wrong")
}

func ecPublicKeyPEM(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// The timer refresh drops a key the issuer withdrew, with no token of an
// unknown kid needed; while the key server fails, the set kept stays.
func TestKeyCacheRefreshEveryDropsWithdrawnKeys(t *testing.T) {
	oldKey, newKey := authtest.NewKeyPair(t), authtest.NewKeyPair(t)
	srv := newJWKSServer(t, oldKey, newKey)
	cache := NewJWKSCache(srv.URL, nil, time.Minute)
	v := NewVerifier(cache, VerifierOptions{Issuer: testIssuer, Clock: &fakeClock{now: testNow}})
	_, err := v.Verify(context.Background(), validToken(t, oldKey))
	require.NoError(t, err)

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	failures := make(chan error, 100)
	go cache.RefreshEvery(ctx, 5*time.Millisecond, func(err error) {
		select {
		case failures <- err:
		default:
		}
	})

	srv.status.Store(http.StatusInternalServerError)
	<-failures
	_, err = v.Verify(context.Background(), validToken(t, oldKey))
	require.NoError(t, err, "a failed refresh keeps the set")

	srv.serve(authtest.JWKS(t, newKey))
	srv.status.Store(http.StatusOK)
	require.Eventually(t, func() bool {
		_, err := v.Verify(context.Background(), validToken(t, oldKey))
		return err != nil
	}, 10*time.Second, 5*time.Millisecond, "the withdrawn key stops verifying")
	_, err = v.Verify(context.Background(), validToken(t, newKey))
	require.NoError(t, err)
}
