package auth

import (
	"strings"
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
