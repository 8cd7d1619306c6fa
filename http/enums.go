package http

import (
	"github.com/danielgtaylor/huma/v2"

	"github.com/alex-advisor/alex"
)

// The contract's enumerations are the lists declared in package alex: each
// type below is a string whose OpenAPI schema, and so its validation, enumerates
// one of them.
type (
	jobStatus      string
	stageName      string
	instrumentType string
)

func (jobStatus) Schema(huma.Registry) *huma.Schema      { return enumSchema(alex.JobStatuses) }
func (stageName) Schema(huma.Registry) *huma.Schema      { return enumSchema(alex.StageNames()) }
func (instrumentType) Schema(huma.Registry) *huma.Schema { return enumSchema(alex.InstrumentTypes) }

// enumSchema is the schema of a string that is one of values.
func enumSchema(values []string) *huma.Schema {
	enum := make([]any, len(values))
	for i, v := range values {
		enum[i] = v
	}
	return &huma.Schema{Type: huma.TypeString, Enum: enum}
}
