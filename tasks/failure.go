package tasks

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/alex-advisor/alex"
)

// stageInWords names a stage as a person reads it in a job's error.
func stageInWords(stage string) string {
	if st, ok := alex.StageByName(stage); ok {
		return st.Noun
	}
	return "analysis"
}

// stageError is the sentence a person reads for a stage's error. The error
// itself, with its driver and network text, is for the log only.
func stageError(stage string, err error) string {
	var e *alex.Error
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "It took too long; please try again."
	case errors.As(err, &e):
		return e.Message // written for the user
	case errors.As(err, &netErr), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, io.ErrUnexpectedEOF):
		return "A service the analysis depends on was unavailable; please try again."
	}
	return "An unexpected error stopped the " + stageInWords(stage) +
		" step; it has been logged and you can run the analysis again."
}

// jobError is a failed job's error_message: the stage in words, then why.
func jobError(stage string, err error) string {
	what := stageInWords(stage)
	return "The " + what + " could not be completed. " + stageError(stage, err)
}

// loggedError is an error the handler has logged already, with its job and
// stage: the server's error handler does not log it again.
type loggedError struct{ error }

func (e loggedError) Unwrap() error { return e.error }

// alreadyLogged tells whether err was logged where it happened.
func alreadyLogged(err error) bool {
	var l loggedError
	return errors.As(err, &l)
}
