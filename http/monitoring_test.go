package http_test

import (
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	alexhttp "github.com/alex-advisor/alex/http"
)

func basicAuth(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// A 6-character MONITORING_PASSWORD keeps the dashboard off: it answers
// 404 to everyone, the right password included.
func TestMonitoringWithAShortPasswordIsOff(t *testing.T) {
	a := newTestAPI(t, withQueue(t), withConfig(func(c *alexhttp.Config) {
		c.MonitoringUser, c.MonitoringPassword = "ops", "s3cret"
	}))
	resp, _ := a.send(t, http.MethodGet, "/monitoring/", http.Header{"Authorization": {basicAuth("ops", "s3cret")}}, nil)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}

// With a long enough password the dashboard serves its admin, never inside
// another site's frame, and refuses a change sent from another origin.
func TestMonitoringGuardsFramesAndOrigins(t *testing.T) {
	const pass = "a-monitoring-password-long-enough"
	a := newTestAPI(t, withQueue(t), withConfig(func(c *alexhttp.Config) {
		c.MonitoringUser, c.MonitoringPassword = "ops", pass
	}))
	admin := http.Header{"Authorization": {basicAuth("ops", pass)}}

	resp, _ := a.send(t, http.MethodGet, "/monitoring/", admin, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "frame-ancestors 'none'", resp.Header.Get("Content-Security-Policy"))

	resp, _ = a.send(t, http.MethodGet, "/monitoring/", http.Header{"Authorization": {basicAuth("ops", "wrong")}}, nil)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	crossSite := http.Header{"Authorization": admin["Authorization"], "Origin": {"https://evil.example"}}
	resp, raw := a.send(t, http.MethodDelete, "/monitoring/api/queues/default", crossSite, nil)
	requireProblem(t, resp, raw, http.StatusForbidden)

	sameSite := http.Header{"Authorization": admin["Authorization"], "Origin": {"http://example.com"}}
	resp, _ = a.send(t, http.MethodDelete, "/monitoring/api/queues/no-such-queue", sameSite, nil)
	require.NotEqual(t, http.StatusForbidden, resp.StatusCode, "the dashboard's own origin may change things")
}
