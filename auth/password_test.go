package auth

import (
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
)

func TestMain(m *testing.M) {
	BcryptCost = bcrypt.MinCost
	m.Run()
}

func TestPasswordHashAndCheck(t *testing.T) {
	hash, err := HashPassword("correct horse battery staple")
	require.NoError(t, err)
	cost, err := bcrypt.Cost([]byte(hash))
	require.NoError(t, err)
	require.Equal(t, BcryptCost, cost)

	require.NoError(t, CheckPassword(hash, "correct horse battery staple"))
	require.ErrorIs(t, CheckPassword(hash, "correct horse battery stapler"), ErrInvalidCredentials)
	require.ErrorIs(t, CheckPassword(hash, ""), ErrInvalidCredentials)

	again, err := HashPassword("correct horse battery staple")
	require.NoError(t, err)
	require.NotEqual(t, hash, again, "hashes are salted")
}

func TestPasswordLengthLimit(t *testing.T) {
	limit := strings.Repeat("p", 72)
	hash, err := HashPassword(limit)
	require.NoError(t, err)
	require.NoError(t, CheckPassword(hash, limit))

	_, err = HashPassword(limit + "x")
	require.ErrorIs(t, err, ErrPasswordTooLong)
	// bcrypt would ignore the 73rd byte; we refuse instead of matching.
	require.ErrorIs(t, CheckPassword(hash, limit+"x"), ErrInvalidCredentials)
}

func TestCheckPasswordCorruptHash(t *testing.T) {
	err := CheckPassword("not a bcrypt hash", "pw")

	require.Error(t, err)
	require.NotErrorIs(t, err, ErrInvalidCredentials)
}

func TestDummyCheck(t *testing.T) {
	require.ErrorIs(t, DummyCheck("whatever"), ErrInvalidCredentials)

	defer func(cost int) { BcryptCost = cost }(BcryptCost)
	BcryptCost = bcrypt.MinCost + 1
	cost, err := bcrypt.Cost([]byte(dummyHash()))
	require.NoError(t, err)
	require.Equal(t, BcryptCost, cost, "the dummy costs as much as a real hash")
}

// A flood of logins: as many bcrypt checks run at once as there are CPUs and
// a few more wait; the rest are refused with ErrBusy at once, before any
// admitted check has finished, instead of queueing without bound.
func TestPasswordChecksAreBoundedAndTheExcessRefusedAtOnce(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("the right one"), 8) // milliseconds a check
	require.NoError(t, err)
	const flood = 64
	results := make(chan error, flood)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range flood {
		wg.Go(func() {
			<-start
			results <- CheckPassword(string(hash), "a wrong guess")
		})
	}
	close(start)
	wg.Wait()
	close(results)

	busy, checked := 0, 0
	for err := range results {
		switch {
		case errors.Is(err, ErrBusy):
			require.Zero(t, checked, "a refusal came after a check had finished: it waited")
			busy++
		case errors.Is(err, ErrInvalidCredentials):
			checked++
		default:
			t.Fatalf("unexpected %v", err)
		}
	}
	require.NotZero(t, busy, "some of %d simultaneous checks are refused", flood)
	require.NotZero(t, checked)
	require.LessOrEqual(t, checked, 5*runtime.GOMAXPROCS(0), "no more than the bound ran")
}
