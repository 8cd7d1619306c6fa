// Package alex holds the domain of the Alex financial advisor: its types,
// the lists every layer derives from (stages, job statuses, regions, asset
// classes, instrument types) and the error type every layer speaks.
//
// It may import the standard library and decimal, nothing of this module:
// every other package imports it.
package alex

import (
	"errors"
	"fmt"
)

// Error codes. The HTTP layer maps each to a status in one place.
const (
	ECONFLICT     = "conflict"
	EINTERNAL     = "internal"
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	ETOOMANY      = "too_many_requests"
	EUNAVAILABLE  = "unavailable"
)

// Error is an error whose message is safe to show to the user.
type Error struct {
	Code    string
	Message string
	// Fields lists the invalid inputs of an EINVALID error.
	Fields []FieldError
	// Err, when set, is a sentinel callers can test with errors.Is (such as
	// ErrNoRate) without parsing the message. It is never shown to the user.
	Err error
}

// FieldError names one invalid input, with its location such as "body.quantity".
type FieldError struct {
	Location string
	Message  string
}

func (e *Error) Error() string {
	return fmt.Sprintf("alex error: code=%s message=%s", e.Code, e.Message)
}

// Unwrap returns Err, so errors.Is and errors.As see through an Error.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with a formatted user-facing message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// InvalidFieldsMessage is the message of Invalid: it says nothing the
// fields do not, so the HTTP layer writes the fields into its detail.
const InvalidFieldsMessage = "The request has invalid fields."

// Invalid returns an EINVALID error for one field.
func Invalid(location, message string) *Error {
	return &Error{
		Code:    EINVALID,
		Message: InvalidFieldsMessage,
		Fields:  []FieldError{{Location: location, Message: message}},
	}
}

// ErrorCode returns the code of the first Error in err's chain, EINTERNAL for
// any other error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the user-facing message of err, or a generic one for
// errors that are not an Error.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "An internal error occurred."
}
