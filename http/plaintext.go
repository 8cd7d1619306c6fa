package http

import "github.com/danielgtaylor/huma/v2"

// plainTextPattern is what a free-text string of a request may hold: no
// control characters (C0, DEL, C1: a NUL is refused by PostgreSQL, an ESC
// repaints a terminal that shows a log) and none of the bidi embeddings,
// overrides and isolates (U+202A–U+202E, U+2066–U+2069) that make stored
// text read other than it is ("Roth \u202Eexe.txt"). Right-to-left letters
// (Arabic, Hebrew) are text like any other, and the marks U+200E, U+200F
// and U+061C, which only hint a direction, stay allowed.
const plainTextPattern = `^[^\p{Cc}\x{202A}-\x{202E}\x{2066}-\x{2069}]*$`

const plainTextDescription = "plain text, without control characters or bidi override and isolate characters"

// requirePlainText gives every free-text string of every request body (a
// string without an enum, pattern or format of its own) the plain-text
// pattern. It runs once, after every route is registered, so that a field
// or route added later is covered without a line of its own; the rule is
// part of the schema, so huma lists it with the other failing fields of a
// 422 and the OpenAPI document shows it.
func (s *Server) requirePlainText() {
	oapi := s.api.OpenAPI()
	seen := map[*huma.Schema]bool{}
	for _, media := range requestBodies(oapi) {
		plainTextIn(oapi.Components.Schemas, media.Schema, seen)
	}
}

func plainTextIn(r huma.Registry, s *huma.Schema, seen map[*huma.Schema]bool) {
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	if s.Ref != "" {
		plainTextIn(r, r.SchemaFromRef(s.Ref), seen)
		return
	}
	if freeText(s) {
		s.Pattern, s.PatternDescription = plainTextPattern, plainTextDescription
		s.PrecomputeMessages()
	}
	for _, p := range s.Properties {
		plainTextIn(r, p, seen)
	}
	plainTextIn(r, s.Items, seen)
	if values, ok := s.AdditionalProperties.(*huma.Schema); ok {
		plainTextIn(r, values, seen)
	}
}

func freeText(s *huma.Schema) bool {
	return s.Type == huma.TypeString && s.Pattern == "" && s.Format == "" && len(s.Enum) == 0 && !s.ReadOnly
}
