// Package testenv lets tests that need real components (the OS keychain, a
// browser, an X display) say so in one line. Under `make test` (which sets
// EXACTKEEPER_TEST_REAL=1 after starting those components) a missing
// component fails the test; in a bare `go test` it skips, so unit tests stay
// runnable anywhere.
package testenv

import (
	"errors"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// Required reports whether real components are mandatory for this run.
func Required() bool { return os.Getenv("EXACTKEEPER_TEST_REAL") == "1" }

func missing(t testing.TB, what string) {
	t.Helper()
	if Required() {
		t.Fatalf("%s is required (EXACTKEEPER_TEST_REAL=1) but not available", what)
	}
	t.Skipf("%s not available; run under `make test` for the real thing", what)
}

var (
	keyringOnce sync.Once
	keyringErr  error
)

// NeedKeyring skips or fails unless the real OS keychain answers.
func NeedKeyring(t testing.TB) {
	t.Helper()
	keyringOnce.Do(func() {
		// Without a session bus, probing through godbus would autolaunch a
		// dbus-daemon (and a keyring) that outlive the test.
		if runtime.GOOS == "linux" && os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
			keyringErr = errors.New("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is empty)")
			return
		}
		done := make(chan error, 1)
		go func() {
			const svc, user = "exactkeeper-testenv", "probe"
			if err := keyring.Set(svc, user, "x"); err != nil {
				done <- err
				return
			}
			_, err := keyring.Get(svc, user)
			_ = keyring.Delete(svc, user)
			done <- err
		}()
		select {
		case keyringErr = <-done:
		case <-time.After(10 * time.Second):
			keyringErr = os.ErrDeadlineExceeded
		}
	})
	if keyringErr != nil {
		missing(t, "the OS keychain ("+keyringErr.Error()+")")
	}
}

// Chromium returns the path of a chromium binary, or skips/fails.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	missing(t, "chromium")
	return ""
}

// NeedDisplay skips or fails unless an X display and a session bus are set.
func NeedDisplay(t testing.TB) {
	t.Helper()
	if os.Getenv("DISPLAY") == "" || os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		missing(t, "an X display with a D-Bus session")
	}
}
