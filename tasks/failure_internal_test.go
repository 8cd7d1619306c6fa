package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"

	"github.com/alex-advisor/alex"
)

func TestStageErrorIsASentence(t *testing.T) {
	var v struct{ X float64 }
	jsonErr := json.Unmarshal([]byte(`{"X":"a"}`), &v)
	dial := &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, Err: syscall.ECONNREFUSED}
	generic := "An unexpected error stopped the retirement projection step; it has been logged and you can run the analysis again."
	for _, tc := range []struct {
		err  error
		want string
	}{
		{alex.Errorf(alex.EUNAVAILABLE, "The database is unavailable; try again shortly."), "The database is unavailable; try again shortly."},
		{fmt.Errorf("options: %w: %w", alex.Errorf(alex.EINVALID, "The retirement age is out of range."), asynq.SkipRetry), "The retirement age is out of range."},
		{fmt.Errorf("market data: %w", dial), "A service the analysis depends on was unavailable; please try again."},
		{fmt.Errorf("read: %w", errors.Join(errors.New("unexpected EOF"), context.DeadlineExceeded)), "It took too long; please try again."},
		{fmt.Errorf("decode: %w: %w", jsonErr, asynq.SkipRetry), generic},
		{errors.New(`pq: relation "x" does not exist (stages.go:12)`), generic},
	} {
		assert.Equal(t, tc.want, stageError("retirement", tc.err), "%v", tc.err)
		assert.Equal(t, "The retirement projection could not be completed. "+tc.want, jobError("retirement", tc.err))
	}
	assert.Equal(t, "The analysis could not be completed. It took too long; please try again.",
		jobError("unknown", context.DeadlineExceeded))
}

func TestLoggedErrorKeepsItsChain(t *testing.T) {
	err := error(loggedError{fmt.Errorf("x: %w", asynq.SkipRetry)})
	assert.True(t, alreadyLogged(fmt.Errorf("wrapped: %w", err)))
	assert.True(t, errors.Is(err, asynq.SkipRetry))
	assert.False(t, alreadyLogged(errors.New("x")))
}
