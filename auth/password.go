package auth

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// maxPasswordBytes is bcrypt's input limit; longer input would be truncated.
const maxPasswordBytes = 72

// BcryptCost is the cost of new hashes. Tests lower it to bcrypt.MinCost.
var BcryptCost = bcrypt.DefaultCost

// HashPassword returns the bcrypt hash of pw.
func HashPassword(pw string) (string, error) {
	if len(pw) > maxPasswordBytes {
		return "", ErrPasswordTooLong
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(pw), BcryptCost)
	if err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	return string(hash), nil
}

// CheckPassword returns nil when pw matches hash and ErrInvalidCredentials when it
// does not; bcrypt compares in constant time. Other errors mean a corrupt hash.
func CheckPassword(hash, pw string) error {
	if len(pw) > maxPasswordBytes {
		return ErrInvalidCredentials // no stored hash can come from it
	}
	err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw))
	if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
		return ErrInvalidCredentials
	}
	if err != nil {
		return fmt.Errorf("auth: check password: %w", err)
	}
	return nil
}

// DummyCheck spends the time of a real CheckPassword and returns
// ErrInvalidCredentials. Call it when the login email is unknown so response
// time does not reveal which emails have accounts.
func DummyCheck(pw string) error {
	_ = CheckPassword(dummyHash(), pw)
	return ErrInvalidCredentials
}

var dummy struct {
	sync.Mutex
	cost int
	hash string
}

// dummyHash is a hash at the current BcryptCost, so a dummy check costs as much
// as checking a freshly stored hash; it is regenerated if the cost changes.
func dummyHash() string {
	dummy.Lock()
	defer dummy.Unlock()
	if dummy.hash == "" || dummy.cost != BcryptCost {
		hash, _ := bcrypt.GenerateFromPassword([]byte("dummy password"), BcryptCost)
		dummy.cost, dummy.hash = BcryptCost, string(hash)
	}
	return dummy.hash
}
