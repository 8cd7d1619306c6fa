package http

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// routeTemplate is a registered route's path split in segments; a segment
// starting with ':' matches any one segment, "*" the rest of the path.
type routeTemplate struct {
	method   string
	segments []string
}

// methodIndex knows every route's template, to tell a wrong method on a
// known path (405 with Allow) from an unknown path (404).
type methodIndex []routeTemplate

func newMethodIndex(routes []fiber.Route) methodIndex {
	idx := make(methodIndex, 0, len(routes))
	for _, r := range routes {
		idx = append(idx, routeTemplate{method: r.Method, segments: strings.Split(strings.Trim(r.Path, "/"), "/")})
	}
	return idx
}

// allowed lists the methods of the routes whose template matches path.
func (idx methodIndex) allowed(path string) []string {
	segments := strings.Split(strings.Trim(path, "/"), "/")
	var methods []string
	for _, r := range idx {
		if r.matches(segments) && !slices.Contains(methods, r.method) {
			methods = append(methods, r.method)
		}
	}
	slices.Sort(methods)
	return methods
}

func (r routeTemplate) matches(segments []string) bool {
	for i, want := range r.segments {
		switch {
		case want == "*":
			return true
		case i >= len(segments):
			return false
		case strings.HasPrefix(want, ":"):
			if segments[i] == "" {
				return false
			}
		case want != segments[i]:
			return false
		}
	}
	return len(segments) == len(r.segments)
}

// noRoute comes after every route: a request reaching it matched none. A
// path some route serves with other methods answers 405 with Allow.
func (s *Server) noRoute(c *fiber.Ctx) error {
	c.Locals(noRouteLocal, true)
	if allowed := s.routes.allowed(c.Path()); len(allowed) > 0 && c.Method() != fiber.MethodOptions {
		c.Set(fiber.HeaderAllow, strings.Join(allowed, ", "))
		return writeProblem(c, fiber.StatusMethodNotAllowed, "The method "+c.Method()+" is not allowed here; use "+strings.Join(allowed, ", ")+".")
	}
	return fiber.ErrNotFound
}
