package main

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex/auth/authtest"
	"github.com/alex-advisor/alex/queue/redistest"
	"github.com/alex-advisor/alex/store/storetest"
)

const testIssuer = "https://clerk.lambda.test"

// lambdaAPI is the handler as Lambda runs it: built by newServer from the
// environment (a migrated schema of the real PostgreSQL, a real Redis,
// Clerk mode with a JWKS served over HTTP).
type lambdaAPI struct {
	keys   *authtest.KeyPair
	handle func(events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse
}

func newLambdaAPI(t *testing.T) *lambdaAPI {
	t.Helper()
	_, schema := storetest.MustOpenSchema(t)
	keys := authtest.NewKeyPair(t)
	t.Setenv("DATABASE_URL", storetest.URL()+"&search_path="+schema)
	t.Setenv("REDIS_URL", redistest.Start(t).URL())
	t.Setenv("CLERK_JWKS_URL", keys.JWKSServer(t).URL)
	t.Setenv("JWT_ISSUER", testIssuer)
	t.Setenv("LOG_LEVEL", "error")
	srv, err := newServer(t.Context())
	require.NoError(t, err)
	h := handler(srv.App())
	return &lambdaAPI{keys: keys, handle: func(ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
		t.Helper()
		resp, err := h(t.Context(), ev)
		require.NoError(t, err)
		return resp
	}}
}

// event is what API Gateway sends for method and path on the route
// ANY /api/{proxy+} of the $default stage.
func event(method, path string, headers map[string]string, body string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{
		Version:  "2.0",
		RouteKey: "ANY /api/{proxy+}",
		RawPath:  path,
		Headers:  headers,
		Body:     body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			Stage:     "$default",
			RequestID: "req-lambda-test",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "203.0.113.7",
			},
		},
	}
}

func (a *lambdaAPI) token(t *testing.T, sub string) string {
	t.Helper()
	c := authtest.Claims(testIssuer, sub, time.Now())
	c["name"] = "Lambda User"
	return a.keys.Token(t, c)
}

func decode(t *testing.T, resp events.APIGatewayV2HTTPResponse) map[string]any {
	t.Helper()
	body := resp.Body
	if resp.IsBase64Encoded {
		raw, err := base64.StdEncoding.DecodeString(body)
		require.NoError(t, err)
		body = string(raw)
	}
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &m), "body: %s", body)
	return m
}

func TestLambdaServesHealth(t *testing.T) {
	api := newLambdaAPI(t)
	resp := api.handle(event(http.MethodGet, "/health", nil, ""))
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	assert.Equal(t, "ok", decode(t, resp)["status"])
	assert.NotEmpty(t, resp.Headers["X-Request-Id"]+resp.Headers["X-Request-ID"], "headers: %v", resp.Headers)
}

func TestLambdaServesAuthenticatedRoutes(t *testing.T) {
	api := newLambdaAPI(t)
	auth := map[string]string{"authorization": "Bearer " + api.token(t, "user_lambda")}

	resp := api.handle(event(http.MethodGet, "/api/v1/user", auth, ""))
	require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
	got := decode(t, resp)
	assert.Equal(t, true, got["created"])
	assert.Equal(t, "user_lambda", got["user"].(map[string]any)["clerk_user_id"])
	assert.Equal(t, "Lambda User", got["user"].(map[string]any)["display_name"])

	// The frontend's unversioned path, and a body.
	auth["content-type"] = "application/json"
	resp = api.handle(event(http.MethodPost, "/api/accounts", auth, `{"account_name":"From Lambda","cash_balance":12.5}`))
	require.Equal(t, http.StatusCreated, resp.StatusCode, resp.Body)
	assert.Equal(t, "From Lambda", decode(t, resp)["account_name"])

	resp = api.handle(event(http.MethodGet, "/api/v1/user", nil, ""))
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, "Bearer", resp.Headers["Www-Authenticate"]+resp.Headers["WWW-Authenticate"])
}
