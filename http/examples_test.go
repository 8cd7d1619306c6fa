package http

import (
	"encoding/json"
	"testing"

	"github.com/danielgtaylor/huma/v2"
)

// Every operation that takes a JSON body shows an example in the OpenAPI
// document (what /docs fills in), and the example is one the operation
// accepts.
func TestEveryRequestBodyHasAValidExample(t *testing.T) {
	s := New(Config{})
	registry := s.api.OpenAPI().Components.Schemas
	for path, item := range s.api.OpenAPI().Paths {
		for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Patch, item.Delete} {
			if op == nil || op.RequestBody == nil {
				continue
			}
			media := op.RequestBody.Content["application/json"]
			if media == nil || media.Schema == nil {
				continue
			}
			if media.Example == nil {
				t.Errorf("%s %s (%s): no request example; add one to requestExamples", op.Method, path, op.OperationID)
				continue
			}
			// Validate what a client sends: the example as JSON decodes.
			raw, err := json.Marshal(media.Example)
			if err != nil {
				t.Fatal(err)
			}
			var value any
			if err := json.Unmarshal(raw, &value); err != nil {
				t.Fatal(err)
			}
			res := &huma.ValidateResult{}
			huma.Validate(registry, media.Schema, huma.NewPathBuffer([]byte{}, 0), huma.ModeWriteToServer, value, res)
			for _, e := range res.Errors {
				t.Errorf("%s %s: the example is refused: %v", op.Method, path, e)
			}
		}
	}
}
