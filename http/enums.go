package http

import (
	"github.com/danielgtaylor/huma/v2"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/analysis"
)

// The contract's enumerations are lists declared once, in package alex (or,
// for the analysis' warning codes, in package analysis): each type below is a
// string whose OpenAPI schema, and so its validation, enumerates one of them.
type (
	jobStatus      string
	stageName      string
	instrumentType string
	warningCode    string
	priceSource    string
)

func (jobStatus) Schema(huma.Registry) *huma.Schema      { return enumSchema(alex.JobStatuses) }
func (stageName) Schema(huma.Registry) *huma.Schema      { return enumSchema(alex.StageNames()) }
func (instrumentType) Schema(huma.Registry) *huma.Schema { return enumSchema(alex.InstrumentTypes) }
func (warningCode) Schema(huma.Registry) *huma.Schema    { return enumSchema(analysis.WarningCodes) }

// A price source is null for an instrument without a price.
func (priceSource) Schema(huma.Registry) *huma.Schema {
	s := enumSchema(alex.PriceSourceNames())
	s.Nullable = true
	return s
}

// enumSchema is the schema of a string that is one of values.
func enumSchema(values []string) *huma.Schema {
	enum := make([]any, len(values))
	for i, v := range values {
		enum[i] = v
	}
	return &huma.Schema{Type: huma.TypeString, Enum: enum}
}
