package http_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// goldenOpenAPI is the contract as the code publishes it, committed so that
// every change of a route, a shape or an error shows in review.
const goldenOpenAPI = "../docs/openapi.json"

var updateOpenAPI = flag.Bool("update-openapi", false, "rewrite docs/openapi.json with the document the server serves")

// The OpenAPI document the server serves is docs/openapi.json: a change of
// the contract fails here until the file is regenerated with
// go test ./http/ -run TestOpenAPIMatchesTheCommittedDocument -update-openapi
// and reviewed.
func TestOpenAPIMatchesTheCommittedDocument(t *testing.T) {
	a := newTestAPI(t, localMode())
	resp, raw := a.do(t, http.MethodGet, "/openapi.json", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var served bytes.Buffer
	require.NoError(t, json.Indent(&served, raw, "", "  "))
	served.WriteByte('\n')
	if *updateOpenAPI {
		require.NoError(t, os.WriteFile(goldenOpenAPI, served.Bytes(), 0o644))
	}
	committed, err := os.ReadFile(goldenOpenAPI)
	require.NoError(t, err)
	if !bytes.Equal(committed, served.Bytes()) {
		t.Fatalf("the served OpenAPI document differs from %s: if the change is meant, regenerate it with "+
			"go test ./http/ -run TestOpenAPIMatchesTheCommittedDocument -update-openapi, and review the diff", goldenOpenAPI)
	}
}
