package auth

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// maxPasswordBytes is bcrypt's input limit; longer input would be truncated.
const maxPasswordBytes = 72

// BcryptCost is the cost of new hashes. Tests lower it to bcrypt.MinCost.
var BcryptCost = bcrypt.DefaultCost

// ErrBusy means every password slot is taken: the caller answers "try again
// in a moment" at once rather than queueing without bound.
var ErrBusy = errors.New("auth: too many password checks at once")

// passwordSlots bounds bcrypt, which costs tens of milliseconds of a CPU a
// call: as many run at once as there are CPUs, and a few more per CPU wait
// their turn (a short, bounded wait); beyond that a flood of logins is
// refused at once and cannot starve the rest of the API.
var passwordSlots = newSlots(runtime.GOMAXPROCS(0), 4)

type slots struct{ running, admitted chan struct{} }

func newSlots(cpus, waitingPerCPU int) *slots {
	return &slots{running: make(chan struct{}, cpus), admitted: make(chan struct{}, cpus*(1+waitingPerCPU))}
}

func (s *slots) do(f func()) error {
	select {
	case s.admitted <- struct{}{}:
	default:
		return ErrBusy
	}
	defer func() { <-s.admitted }()
	s.running <- struct{}{}
	defer func() { <-s.running }()
	f()
	return nil
}

// HashPassword returns the bcrypt hash of pw, or ErrBusy.
func HashPassword(pw string) (string, error) {
	if len(pw) > maxPasswordBytes {
		return "", ErrPasswordTooLong
	}
	var hash []byte
	var err error
	if busy := passwordSlots.do(func() { hash, err = bcrypt.GenerateFromPassword([]byte(pw), BcryptCost) }); busy != nil {
		return "", busy
	}
	if err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	return string(hash), nil
}

// CheckPassword returns nil when pw matches hash and ErrInvalidCredentials when it
// does not; bcrypt compares in constant time. ErrBusy means no slot was
// free; other errors mean a corrupt hash.
func CheckPassword(hash, pw string) error {
	if len(pw) > maxPasswordBytes {
		return ErrInvalidCredentials // no stored hash can come from it
	}
	var err error
	if busy := passwordSlots.do(func() { err = bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) }); busy != nil {
		return busy
	}
	if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
		return ErrInvalidCredentials
	}
	if err != nil {
		return fmt.Errorf("auth: check password: %w", err)
	}
	return nil
}

// DummyCheck spends the time of a real CheckPassword and returns
// ErrInvalidCredentials, or ErrBusy as a real check would. Call it when the
// login email is unknown so neither the response time nor the answer reveals
// which emails have accounts.
func DummyCheck(pw string) error {
	if err := CheckPassword(dummyHash(), pw); errors.Is(err, ErrBusy) {
		return err
	}
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
