package auth

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"
	"github.com/clerk/clerk-sdk-go/v2/jwks"
	"golang.org/x/sync/singleflight"
	"golang.org/x/time/rate"
)

const (
	defaultMinRefetchInterval = time.Minute
	defaultFetchTimeout       = 10 * time.Second
	maxJWKSBytes              = 1 << 20
)

// KeySource returns the public key that verifies tokens carrying the given kid.
// Errors are ErrInvalidToken (unknown key) or ErrKeysUnavailable (cannot tell).
type KeySource interface {
	Key(ctx context.Context, kid string) (*clerk.JSONWebKey, error)
}

type staticKey struct{ jwk *clerk.JSONWebKey }

// StaticKey serves one configured key (CLERK_JWT_KEY) for every kid: the operator
// pinned it, so no key set is ever fetched.
func StaticKey(jwk *clerk.JSONWebKey) KeySource { return staticKey{jwk: jwk} }

func (s staticKey) Key(context.Context, string) (*clerk.JSONWebKey, error) { return s.jwk, nil }

// StaticKeyFromPEM parses an RSA public key PEM ("PUBLIC KEY", as Clerk shows it)
// into a StaticKey with alg RS256.
func StaticKeyFromPEM(publicKeyPEM string) (KeySource, error) {
	// Env files often carry the PEM on one line with literal "\n" separators.
	jwk, err := clerk.JSONWebKeyFromPEM(strings.ReplaceAll(publicKeyPEM, `\n`, "\n"))
	if err != nil {
		return nil, fmt.Errorf("auth: parse public key PEM: %w", err)
	}
	if _, ok := jwk.Key.(*rsa.PublicKey); !ok {
		return nil, errors.New("auth: parse public key PEM: not an RSA key")
	}
	return StaticKey(jwk), nil
}

// pinnedKey serves one key only for its own kid, so tokens from elsewhere are
// refused as an unknown key instead of reaching the signature check.
type pinnedKey struct{ jwk *clerk.JSONWebKey }

func (p pinnedKey) Key(_ context.Context, kid string) (*clerk.JSONWebKey, error) {
	if kid != p.jwk.KeyID {
		return nil, errUnknownKey
	}
	return p.jwk, nil
}

type fetchFunc func(ctx context.Context) ([]*clerk.JSONWebKey, error)

// KeyCache is a KeySource over a remote key set. The set is fetched on first use
// and kept; an unknown kid (key rotation) triggers a refetch, at most one per
// minimum refetch interval, shared by all concurrent callers.
type KeyCache struct {
	fetch   fetchFunc
	limiter *rate.Limiter
	now     func() time.Time // the limiter's clock; tests replace it
	group   singleflight.Group

	// attempted is only touched inside the single flight, which serializes it.
	attempted bool

	mu   sync.RWMutex
	keys map[string]*clerk.JSONWebKey // nil until the first successful fetch
}

// NewJWKSCache caches the standard JWKS document ({"keys":[...]}) served at url
// (CLERK_JWKS_URL). A nil client gets a 10 s timeout; minRefetchInterval <= 0
// means one minute.
func NewJWKSCache(url string, client *http.Client, minRefetchInterval time.Duration) *KeyCache {
	client = withTimeout(client)
	return newKeyCache(func(ctx context.Context) ([]*clerk.JSONWebKey, error) {
		return fetchJWKS(ctx, client, url)
	}, minRefetchInterval)
}

// NewClerkAPIKeys caches the key set from Clerk's backend API (GET {apiURL}/jwks,
// authenticated with CLERK_SECRET_KEY). An empty apiURL means clerk.APIURL.
func NewClerkAPIKeys(secretKey, apiURL string, client *http.Client, minRefetchInterval time.Duration) *KeyCache {
	if apiURL == "" {
		apiURL = clerk.APIURL
	}
	api := &jwks.Client{Backend: clerk.NewBackend(&clerk.BackendConfig{
		HTTPClient: withTimeout(client),
		Key:        &secretKey,
		URL:        &apiURL,
	})}
	return newKeyCache(func(ctx context.Context) ([]*clerk.JSONWebKey, error) {
		set, err := api.Get(ctx, &jwks.GetParams{})
		if err != nil {
			return nil, fmt.Errorf("fetch jwks from clerk api: %w", err)
		}
		return set.Keys, nil
	}, minRefetchInterval)
}

func newKeyCache(fetch fetchFunc, minRefetchInterval time.Duration) *KeyCache {
	if minRefetchInterval <= 0 {
		minRefetchInterval = defaultMinRefetchInterval
	}
	return &KeyCache{
		fetch:   fetch,
		limiter: rate.NewLimiter(rate.Every(minRefetchInterval), 1),
		now:     time.Now,
	}
}

func withTimeout(client *http.Client) *http.Client {
	if client != nil {
		return client
	}
	return &http.Client{Timeout: defaultFetchTimeout}
}

// Key returns the cached key for kid, refetching the set once if kid is unknown.
func (c *KeyCache) Key(ctx context.Context, kid string) (*clerk.JSONWebKey, error) {
	if kid == "" {
		return nil, errNoKeyID
	}
	if jwk := c.lookup(kid); jwk != nil {
		return jwk, nil
	}
	if err := c.refresh(ctx, kid); err != nil {
		return nil, err
	}
	if jwk := c.lookup(kid); jwk != nil {
		return jwk, nil
	}
	return nil, errUnknownKey
}

func (c *KeyCache) lookup(kid string) *clerk.JSONWebKey {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.keys[kid]
}

func (c *KeyCache) loaded() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.keys != nil
}

// refresh joins (or starts) the one in-flight fetch. The fetch is detached from
// the caller's cancellation so one client hanging up does not fail it for the
// others; the HTTP client's timeout bounds it instead.
func (c *KeyCache) refresh(ctx context.Context, kid string) error {
	flight := c.group.DoChan("jwks", func() (any, error) {
		return nil, c.refetch(context.WithoutCancel(ctx), kid)
	})
	select {
	case res := <-flight:
		return res.Err
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrKeysUnavailable, ctx.Err())
	}
}

// refetch runs inside the single flight. The first fetch is free; every later one
// spends the rate limit, so neither unknown kids nor an unreachable key server can
// cause more than one fetch per interval.
func (c *KeyCache) refetch(ctx context.Context, kid string) error {
	if c.lookup(kid) != nil {
		return nil // a flight that finished just before this one brought the key
	}
	if c.attempted && !c.limiter.AllowN(c.now(), 1) {
		if c.loaded() {
			return nil // Key reports the kid as unknown
		}
		return fmt.Errorf("%w: key set not loaded yet, retry later", ErrKeysUnavailable)
	}
	c.attempted = true
	return c.replace(ctx)
}

// replace fetches the key set and puts it in place of the one kept.
func (c *KeyCache) replace(ctx context.Context) error {
	set, err := c.fetch(ctx)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrKeysUnavailable, err)
	}
	keys, err := usableKeys(set)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrKeysUnavailable, err)
	}
	c.mu.Lock()
	c.keys = keys
	c.mu.Unlock()
	return nil
}

// RefreshEvery refetches the key set every interval until ctx ends, so that
// a key the issuer withdrew stops verifying without waiting for a token
// with an unknown kid. A failed refresh keeps the set and goes to onError.
func (c *KeyCache) RefreshEvery(ctx context.Context, every time.Duration, onError func(error)) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			_, err, _ := c.group.Do("jwks", func() (any, error) { return nil, c.replace(ctx) })
			if err != nil && onError != nil {
				onError(err)
			}
		}
	}
}

// usableKeys indexes the RS256 signing keys by kid. The new set replaces the old
// one, so keys withdrawn by the issuer stop verifying.
func usableKeys(set []*clerk.JSONWebKey) (map[string]*clerk.JSONWebKey, error) {
	keys := make(map[string]*clerk.JSONWebKey, len(set))
	for _, k := range set {
		if jwk := rs256Key(k); jwk != nil {
			keys[jwk.KeyID] = jwk
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("key set has no RS256 signing key")
	}
	return keys, nil
}

// rs256Key returns k as a public RS256 verification key, or nil when k cannot
// verify our tokens (other algorithms, encryption keys, missing kid, private keys).
func rs256Key(k *clerk.JSONWebKey) *clerk.JSONWebKey {
	if k == nil || k.KeyID == "" || (k.Use != "" && k.Use != "sig") || (k.Algorithm != "" && k.Algorithm != rs256) {
		return nil
	}
	pub, ok := k.Key.(*rsa.PublicKey)
	if !ok {
		return nil
	}
	return &clerk.JSONWebKey{Key: pub, KeyID: k.KeyID, Algorithm: rs256, Use: "sig"}
}

func fetchJWKS(ctx context.Context, client *http.Client, url string) ([]*clerk.JSONWebKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("build jwks request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch jwks: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch jwks: status %d", resp.StatusCode)
	}
	var set clerk.JSONWebKeySet
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxJWKSBytes)).Decode(&set); err != nil {
		return nil, fmt.Errorf("decode jwks: %w", err)
	}
	return set.Keys, nil
}
