package http_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v3"
	josejwt "github.com/go-jose/go-jose/v3/jwt"
	"github.com/stretchr/testify/require"
)

type registerJSON struct {
	User      userJSON  `json:"user"`
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

type loginJSON struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

func TestLocalRegisterAndLogin(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, localMode())
	before := time.Now()

	resp, raw := api.do(t, http.MethodPost, "/api/v1/auth/register", "",
		map[string]any{"email": "Ada@Example.com", "password": "correct horse", "display_name": "Ada"})
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", raw)
	m := object(t, raw)
	requireKeys(t, m, "user", "token", "expires_at")
	reg := decodeStrict[registerJSON](t, raw)
	require.True(t, strings.HasPrefix(reg.User.UserID, "user_"), reg.User.UserID)
	require.Equal(t, "Ada", reg.User.DisplayName)
	require.Equal(t, 20, reg.User.YearsUntilRetirement)
	require.Equal(t, 60000.0, reg.User.TargetRetirementIncome)
	require.Equal(t, defaultAssetClassTargets, reg.User.AssetClassTargets)
	require.Equal(t, defaultRegionTargets, reg.User.RegionTargets)
	require.WithinDuration(t, before.Add(time.Hour), reg.ExpiresAt, 5*time.Second, "the issuer's TTL")
	require.NotContains(t, string(raw), "correct horse")

	// The token works on the API: the user exists already.
	got := mustDo[getUserJSON](t, api, http.MethodGet, "/api/v1/user", reg.Token, nil, http.StatusOK)
	require.False(t, got.Created)
	require.Equal(t, reg.User.UserID, got.User.UserID)
	require.Equal(t, "Ada", got.User.DisplayName)
	acc := api.createAccount(t, reg.Token, map[string]any{"account_name": "Local"})
	require.Equal(t, reg.User.UserID, acc.UserID)

	// Login: emails are case-insensitive.
	for _, email := range []string{"ada@example.com", "ADA@EXAMPLE.COM"} {
		resp, raw = api.do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]any{"email": email, "password": "correct horse"})
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)
		requireKeys(t, object(t, raw), "token", "expires_at")
		login := decodeStrict[loginJSON](t, raw)
		require.WithinDuration(t, time.Now().Add(time.Hour), login.ExpiresAt, 5*time.Second)
		require.Equal(t, []accountJSON{acc}, api.accounts(t, login.Token), "the login token is the same user's")
	}

	// Registering the same email again, in any case, conflicts.
	resp, raw = api.do(t, http.MethodPost, "/api/v1/auth/register", "",
		map[string]any{"email": "ada@example.COM", "password": "another password"})
	requireProblem(t, resp, raw, http.StatusConflict)

	// The old password still logs in: the conflict changed nothing.
	resp, _ = api.do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]any{"email": "ada@example.com", "password": "correct horse"})
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestLocalRegisterDefaultsAndAlias(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, localMode())
	reg := mustDo[registerJSON](t, api, http.MethodPost, "/api/auth/register", "",
		map[string]any{"email": "grace@example.com", "password": "12345678"}, http.StatusCreated)
	require.Equal(t, "grace@example.com", reg.User.DisplayName, "without display_name: the email")
	login := mustDo[loginJSON](t, api, http.MethodPost, "/api/auth/login", "",
		map[string]any{"email": "grace@example.com", "password": "12345678"}, http.StatusOK)
	got := mustDo[getUserJSON](t, api, http.MethodGet, "/api/user", login.Token, nil, http.StatusOK)
	require.Equal(t, reg.User.UserID, got.User.UserID)
}

func TestLocalLoginFailures(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, localMode())
	mustDo[registerJSON](t, api, http.MethodPost, "/api/v1/auth/register", "",
		map[string]any{"email": "ada@example.com", "password": "correct horse"}, http.StatusCreated)

	resp, raw := api.do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]any{"email": "ada@example.com", "password": "wrong horse"})
	wrong := requireProblem(t, resp, raw, http.StatusUnauthorized)
	resp, raw = api.do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]any{"email": "nobody@example.com", "password": "correct horse"})
	unknown := requireProblem(t, resp, raw, http.StatusUnauthorized)
	require.Equal(t, wrong.Detail, unknown.Detail, "the answer does not tell which emails have accounts")
	require.NotContains(t, string(raw), "correct horse")

	resp, raw = api.do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]any{"email": "ada@example.com", "password": strings.Repeat("p", 73)})
	require.Contains(t, []int{http.StatusUnauthorized, http.StatusUnprocessableEntity}, resp.StatusCode, "%s", raw)
	requireProblem(t, resp, raw, resp.StatusCode)
}

// RFC 9110 §15.5.2: a 401 answer carries a WWW-Authenticate challenge, the
// failed login's too.
func TestLocalLoginFailureChallenges(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, localMode())
	resp, raw := api.do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]any{"email": "nobody@example.com", "password": "whatever1"})
	requireUnauthorized(t, resp, raw)
}

func TestLocalRegisterRejectsInvalidInput(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, localMode())
	for _, tc := range []struct {
		body     map[string]any
		location string
	}{
		{map[string]any{"email": "ada@example.com", "password": "short"}, "body.password"},
		{map[string]any{"email": "ada@example.com", "password": strings.Repeat("p", 73)}, "body.password"},
		{map[string]any{"email": "ada@example.com"}, "body.password"},
		{map[string]any{"email": "not an email", "password": "long enough"}, "body.email"},
		{map[string]any{"password": "long enough"}, "body.email"},
	} {
		resp, raw := api.do(t, http.MethodPost, "/api/v1/auth/register", "", tc.body)
		requireProblem(t, resp, raw, http.StatusUnprocessableEntity, tc.location)
		require.NotContains(t, string(raw), "long enough", "passwords are never echoed")
	}
	// Nothing was registered.
	resp, raw := api.do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]any{"email": "ada@example.com", "password": "long enough"})
	requireProblem(t, resp, raw, http.StatusUnauthorized)
}

func TestLocalJWKSVerifiesIssuedTokens(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, localMode())
	reg := mustDo[registerJSON](t, api, http.MethodPost, "/api/v1/auth/register", "",
		map[string]any{"email": "ada@example.com", "password": "correct horse"}, http.StatusCreated)

	resp, raw := api.do(t, http.MethodGet, "/.well-known/jwks.json", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)
	require.Equal(t, "application/json", mediaType(resp))
	var doc struct {
		Keys []map[string]any `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	require.Len(t, doc.Keys, 1)
	requireKeys(t, doc.Keys[0], "kty", "kid", "use", "alg", "n", "e")
	require.Equal(t, "RSA", doc.Keys[0]["kty"])
	require.Equal(t, "RS256", doc.Keys[0]["alg"])
	require.Equal(t, "sig", doc.Keys[0]["use"])
	require.NotContains(t, string(raw), `"d"`, "no private key material")

	var set jose.JSONWebKeySet
	require.NoError(t, json.Unmarshal(raw, &set))
	tok, err := josejwt.ParseSigned(reg.Token)
	require.NoError(t, err)
	require.Equal(t, set.Keys[0].KeyID, tok.Headers[0].KeyID)
	var c josejwt.Claims
	require.NoError(t, tok.Claims(set.Keys[0].Key, &c), "the published key verifies the service's tokens")
	require.Equal(t, reg.User.UserID, c.Subject)
	require.Equal(t, localIssuer, c.Issuer)
}

func TestLocalModeRejectsForeignTokens(t *testing.T) {
	t.Parallel()
	local := newTestAPI(t, localMode())
	clerk := newTestAPI(t)
	resp, raw := local.do(t, http.MethodGet, "/api/v1/user", clerk.token(t, "user_ada"), nil)
	requireUnauthorized(t, resp, raw)

	reg := mustDo[registerJSON](t, local, http.MethodPost, "/api/v1/auth/register", "",
		map[string]any{"email": "ada@example.com", "password": "correct horse"}, http.StatusCreated)
	resp, raw = clerk.do(t, http.MethodGet, "/api/v1/user", reg.Token, nil)
	requireUnauthorized(t, resp, raw)
}

func TestClerkModeHasNoLocalAuth(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	for _, tc := range []struct{ method, path string }{
		{http.MethodPost, "/api/v1/auth/register"},
		{http.MethodPost, "/api/v1/auth/login"},
		{http.MethodPost, "/api/auth/login"},
		{http.MethodGet, "/.well-known/jwks.json"},
	} {
		var body any
		if tc.method == http.MethodPost {
			body = map[string]any{"email": "ada@example.com", "password": "correct horse"}
		}
		resp, raw := api.do(t, tc.method, tc.path, "", body)
		requireProblem(t, resp, raw, http.StatusNotFound)
	}
}

// 30 wrong logins for one email from one client: 429 with Retry-After well
// before the 30th, while the API's other routes keep answering; another
// email from elsewhere is not held up by it.
func TestLoginAttemptsAreLimitedPerEmailAndClient(t *testing.T) {
	a := newTestAPI(t, localMode())
	mustDo[map[string]any](t, a, http.MethodPost, "/api/v1/auth/register", "",
		map[string]any{"email": "target@example.com", "password": "the right password"}, http.StatusCreated)

	limitedAt := 0
	for i := 1; i <= 30 && limitedAt == 0; i++ {
		resp, raw := a.do(t, http.MethodPost, "/api/v1/auth/login", "",
			map[string]any{"email": "Target@example.com", "password": "guess number " + strconv.Itoa(i)})
		switch resp.StatusCode {
		case http.StatusUnauthorized:
		case http.StatusTooManyRequests:
			limitedAt = i
			requireProblem(t, resp, raw, http.StatusTooManyRequests)
			secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
			require.NoError(t, err)
			require.Positive(t, secs)
		default:
			t.Fatalf("attempt %d: %d %s", i, resp.StatusCode, raw)
		}
		resp, _ = a.do(t, http.MethodGet, "/health", "", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, "other routes answer meanwhile")
	}
	require.NotZero(t, limitedAt, "30 wrong logins were all let through")
	require.LessOrEqual(t, limitedAt, 15)

	// The right password does not get past the limit either...
	resp, _ := a.do(t, http.MethodPost, "/api/v1/auth/login", "",
		map[string]any{"email": "target@example.com", "password": "the right password"})
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	// ...while another account still signs in.
	mustDo[map[string]any](t, a, http.MethodPost, "/api/v1/auth/register", "",
		map[string]any{"email": "other@example.com", "password": "another password"}, http.StatusCreated)
	mustDo[map[string]any](t, a, http.MethodPost, "/api/v1/auth/login", "",
		map[string]any{"email": "other@example.com", "password": "another password"}, http.StatusOK)
}
