package vault

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/zalando/go-keyring"
)

// backend is the part of go-keyring the vault uses, so tests can put a fake
// keychain (one that hangs, fails or enforces Windows' size limit) under the
// same timeout and splitting logic.
type backend interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

// osKeyring is the real OS keychain.
type osKeyring struct{}

func (osKeyring) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (osKeyring) Set(service, user, pw string) error       { return keyring.Set(service, user, pw) }
func (osKeyring) Delete(service, user string) error        { return keyring.Delete(service, user) }

// keyringVault stores one keychain item per key (user = key) under service.
type keyringVault struct {
	service string
	timeout time.Duration
	b       backend
	// sem lets one operation at a time talk to the keychain: a call that hangs
	// past its timeout keeps the slot, so later calls time out too instead of
	// piling up goroutines on a dead Secret Service. It also keeps the items
	// of one split value from interleaving with another write in this process.
	sem chan struct{}
}

// NewKeyring is the OS keychain under service (normally "exactkeeper"); every
// call gives up after timeout (the Linux Secret Service can hang) with an
// error wrapping ErrUnavailable (a timeout <= 0 means 10 s). Values too
// large for Windows' or macOS' per-item limit are split over several items
// transparently.
func NewKeyring(service string, timeout time.Duration) Vault {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return newKeyring(service, timeout, osKeyring{})
}

func newKeyring(service string, timeout time.Duration, b backend) *keyringVault {
	return &keyringVault{service: service, timeout: timeout, b: b, sem: make(chan struct{}, 1)}
}

// Get returns the secret under key, reassembling a split value.
func (v *keyringVault) Get(key string) (string, error) {
	return withTimeout(v, func() (string, error) { return v.get(key) })
}

// Set stores value under key, replacing (and cleaning up after) any earlier
// value.
func (v *keyringVault) Set(key, value string) error {
	_, err := withTimeout(v, func() (struct{}, error) { return struct{}{}, v.set(key, value) })
	return err
}

// Delete removes key and its parts; nil when already absent.
func (v *keyringVault) Delete(key string) error {
	_, err := withTimeout(v, func() (struct{}, error) { return struct{}{}, v.del(key) })
	return err
}

// withTimeout runs fn in its own goroutine and stops waiting for it after
// v.timeout. A call that times out may still complete later; that is safe
// because split values are written parts first, header last.
func withTimeout[T any](v *keyringVault, fn func() (T, error)) (T, error) {
	var zero T
	timer := time.NewTimer(v.timeout)
	defer timer.Stop()
	select {
	case v.sem <- struct{}{}:
	case <-timer.C:
		return zero, v.timedOut()
	}
	type result struct {
		val T
		err error
	}
	done := make(chan result, 1) // buffered: a late result must not block the goroutine
	go func() {
		defer func() { <-v.sem }()
		val, err := fn()
		done <- result{val, err}
	}()
	select {
	case r := <-done:
		return r.val, r.err
	case <-timer.C:
		return zero, v.timedOut()
	}
}

func (v *keyringVault) timedOut() error {
	return &unavailableError{cause: fmt.Sprintf("no answer within %s", v.timeout)}
}

// item reads one keychain item, mapping go-keyring's errors to ours.
func (v *keyringVault) item(user string) (string, error) {
	s, err := v.b.Get(v.service, user)
	if err != nil {
		if errors.Is(err, keyring.ErrNotFound) {
			return "", ErrNotFound
		}
		return "", unavailable(err)
	}
	return s, nil
}

// setItem writes one keychain item. secret is the whole value being stored,
// scrubbed from any error text the keychain sends back.
func (v *keyringVault) setItem(user, value, secret string) error {
	err := v.b.Set(v.service, user, value)
	if err == nil {
		return nil
	}
	if errors.Is(err, keyring.ErrSetDataTooBig) {
		return fmt.Errorf("the OS keychain refused the item %q as too large: please report this as a bug in Exact Keeper", user)
	}
	return unavailable(err, secret, value)
}

// deleteItem removes one keychain item; absent is fine.
func (v *keyringVault) deleteItem(user string) error {
	err := v.b.Delete(v.service, user)
	if err == nil || errors.Is(err, keyring.ErrNotFound) {
		return nil
	}
	return unavailable(err)
}

// unavailableError is every failure to reach the keychain. Its text names the
// cause and tells the user what to do.
type unavailableError struct{ cause string }

func (e *unavailableError) Error() string {
	return fmt.Sprintf("%s (%s): %s; Exact Keeper never stores secrets in plain files", ErrUnavailable, e.cause, advice())
}

func (e *unavailableError) Unwrap() error { return ErrUnavailable }

// unavailable wraps a keychain failure, removing the given secrets from its
// text in case the keychain echoes what it was handed.
func unavailable(err error, secrets ...string) error {
	msg := err.Error()
	for _, s := range secrets {
		// Very short strings are no real secret and would mangle the text.
		if len(s) >= 4 {
			msg = strings.ReplaceAll(msg, s, "[secret]")
		}
	}
	return &unavailableError{cause: msg}
}

// advice says what to do when the keychain does not answer on this OS.
func advice() string {
	switch runtime.GOOS {
	case "windows":
		return "make sure the Windows Credential Manager service is running"
	case "darwin":
		return "unlock your login keychain in Keychain Access"
	default:
		return "on Linux start a Secret Service such as gnome-keyring and unlock it"
	}
}
