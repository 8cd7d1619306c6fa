package http

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/alex-advisor/alex"
)

// statusOf is the one table from domain error codes to HTTP statuses.
var statusOf = map[string]int{
	alex.ECONFLICT:     http.StatusConflict,
	alex.EINVALID:      http.StatusUnprocessableEntity,
	alex.ENOTFOUND:     http.StatusNotFound,
	alex.EUNAUTHORIZED: http.StatusUnauthorized,
	alex.EFORBIDDEN:    http.StatusForbidden,
	alex.ETOOMANY:      http.StatusTooManyRequests,
	alex.EUNAVAILABLE:  http.StatusServiceUnavailable,
	alex.EINTERNAL:     http.StatusInternalServerError,
}

// unreadableBody says why a body the JSON decoder refused was refused.
const unreadableBody = "is not valid JSON, is nested too deeply or holds a number out of range"

// retryAfterSeconds is what clients are told to wait on 429 and 503.
const retryAfterSeconds = "5"

var installErrorModel sync.Once

// useProblemErrors makes every huma error an RFC 9457 problem whose detail is
// a sentence a person can read, with field errors as {location, message}.
// huma.NewError is global, so it is replaced once per process.
func useProblemErrors() {
	installErrorModel.Do(func() {
		huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
			details := make([]*huma.ErrorDetail, 0, len(errs))
			for _, err := range errs {
				if err == nil {
					continue
				}
				d := &huma.ErrorDetail{Message: err.Error()}
				var detailer huma.ErrorDetailer
				if errors.As(err, &detailer) {
					d = detailer.ErrorDetail()
				}
				// Values are echoed from the request and may hold a password.
				d.Value = nil
				if status == http.StatusBadRequest && d.Location == "body" {
					// The decoder's own text ("json: cannot unmarshal
					// number 1e400 into Go value of type float64") is not
					// for a person.
					d.Message = unreadableBody
				}
				details = append(details, d)
			}
			return &huma.ErrorModel{
				Type:   "about:blank",
				Status: status,
				Title:  http.StatusText(status),
				Detail: sentence(status, msg, details),
				Errors: details,
			}
		}
	})
}

func sentence(status int, msg string, details []*huma.ErrorDetail) string {
	switch {
	case status == http.StatusBadRequest && msg == "validation failed":
		return "The request body is not valid JSON."
	case status == http.StatusUnsupportedMediaType:
		return "The request body must be JSON (Content-Type: application/json)."
	case status == http.StatusRequestEntityTooLarge:
		return "The request body is too large for this route."
	case status == http.StatusUnprocessableEntity && msg == "validation failed":
		parts := make([]string, 0, len(details))
		for _, d := range details {
			parts = append(parts, strings.TrimSpace(d.Location+" "+d.Message))
		}
		return "The request has invalid fields: " + strings.Join(parts, "; ") + "."
	case msg == "":
		return http.StatusText(status) + "."
	}
	return upperFirst(msg)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// problemFor translates an error of the domain into its HTTP problem. Only
// internal errors are logged: the rest are the client's.
func problemFor(ctx context.Context, log *slog.Logger, err error) error {
	code := alex.ErrorCode(err)
	status := statusOf[code]
	if code == alex.EINTERNAL {
		id := requestID(ctx)
		log.ErrorContext(ctx, "internal error", "err", err, "request_id", id, "user_id", userID(ctx))
		return huma.NewError(status, fmt.Sprintf("An internal error occurred; quote request id %s when reporting it", id))
	}
	var e *alex.Error
	errors.As(err, &e)
	if code == alex.EUNAVAILABLE {
		log.WarnContext(ctx, "dependency unavailable", "err", err, "request_id", requestID(ctx))
	}
	var details []error
	for _, f := range e.Fields {
		details = append(details, &huma.ErrorDetail{Location: f.Location, Message: f.Message})
	}
	msg := e.Message
	if len(details) > 0 && msg == alex.InvalidFieldsMessage {
		msg = "validation failed" // the detail names the fields
	}
	problem := huma.NewError(status, msg, details...)
	switch status {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return huma.ErrorWithHeaders(problem, http.Header{"Retry-After": {retryAfterSeconds}})
	case http.StatusUnauthorized:
		return huma.ErrorWithHeaders(problem, http.Header{"WWW-Authenticate": {"Bearer"}})
	}
	return problem
}

// writeProblem writes a problem from outside huma: middleware and Fiber's
// own errors (unknown route, body over Fiber's limit).
func writeProblem(c *fiber.Ctx, status int, detail string) error {
	useProblemErrors()
	if c.GetRespHeader(fiber.HeaderXRequestID) == "" {
		// Fiber refused the request before the request id middleware ran.
		c.Set(fiber.HeaderXRequestID, uuid.NewString())
	}
	c.Set(fiber.HeaderContentType, "application/problem+json")
	if status == http.StatusUnauthorized {
		c.Set(fiber.HeaderWWWAuthenticate, "Bearer")
	}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		c.Set(fiber.HeaderRetryAfter, retryAfterSeconds)
	}
	return c.Status(status).JSON(huma.NewError(status, detail), "application/problem+json")
}

// fiberErrorHandler answers errors that reach Fiber itself as problems.
func fiberErrorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		var fe *fiber.Error
		if errors.As(err, &fe) {
			switch fe.Code {
			case fiber.StatusNotFound:
				return writeProblem(c, fe.Code, "No route matches "+c.Method()+" "+c.Path()+".")
			case fiber.StatusRequestEntityTooLarge:
				return writeProblem(c, fe.Code, "")
			}
			return writeProblem(c, fe.Code, fe.Message)
		}
		id := requestID(c.UserContext())
		log.Error("unhandled error", "err", err, "request_id", id, "path", c.Path())
		return writeProblem(c, fiber.StatusInternalServerError,
			fmt.Sprintf("An internal error occurred; quote request id %s when reporting it", id))
	}
}

func alexCode(err error) string { return alex.ErrorCode(err) }

// errorDetail is the user-facing sentence of a domain error.
func errorDetail(err error) string { return alex.ErrorMessage(err) }
