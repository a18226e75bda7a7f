package vault

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/exactkeeper/exactkeeper/internal/testenv"
	"github.com/zalando/go-keyring"
)

// realVault returns a vault on the real keychain under a service name of its
// own, removed again when the test ends.
func realVault(t *testing.T) (Vault, string) {
	t.Helper()
	if runtime.GOOS == "linux" && os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" && !testenv.Required() {
		// Probing would make godbus autolaunch a session bus (and a keyring
		// daemon) that outlive the test.
		t.Skip("no D-Bus session; run under `make test` for the real keychain")
	}
	testenv.NeedKeyring(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	service := "exactkeeper-test-" + hex.EncodeToString(b[:])
	t.Cleanup(func() { _ = keyring.DeleteAll(service) })
	return NewKeyring(service, 20*time.Second), service
}

func TestRealKeyringContract(t *testing.T) {
	v, _ := realVault(t)
	exercise(t, v)
}

// splitParts reads the header under key straight from the keychain and lists
// the part items it points to.
func splitParts(t *testing.T, service, key string) []string {
	t.Helper()
	raw, err := keyring.Get(service, key)
	if err != nil {
		t.Fatalf("reading the header of %s: %v", key, err)
	}
	h, isHeader, err := parseHeader(raw)
	if !isHeader || err != nil {
		t.Fatalf("%s is not stored split (%v)", key, err)
	}
	return h.partKeys(key)
}

func assertGone(t *testing.T, service string, keys []string) {
	t.Helper()
	for _, k := range keys {
		if _, err := keyring.Get(service, k); !errors.Is(err, keyring.ErrNotFound) {
			t.Errorf("keychain item %s is still there (err = %v)", k, err)
		}
	}
}

func TestRealKeyringLargeValue(t *testing.T) {
	v, service := realVault(t)
	big := secret(6000)

	if err := v.Set("big", big); err != nil {
		t.Fatalf("Set of 6,000 bytes: %v", err)
	}
	parts := splitParts(t, service, "big")
	if len(parts) != 3 {
		t.Errorf("6,000 bytes stored in %d parts, want 3", len(parts))
	}
	if got, err := v.Get("big"); err != nil || got != big {
		t.Fatalf("round trip: got %d bytes, %v", len(got), err)
	}

	if err := v.Set("big", "short"); err != nil {
		t.Fatal(err)
	}
	if got, err := v.Get("big"); err != nil || got != "short" {
		t.Fatalf("after a short Set: Get = %q, %v", got, err)
	}
	assertGone(t, service, parts)

	if err := v.Set("big", big); err != nil {
		t.Fatal(err)
	}
	parts = splitParts(t, service, "big")
	if err := v.Delete("big"); err != nil {
		t.Fatal(err)
	}
	assertGone(t, service, append(parts, "big"))
	if _, err := v.Get("big"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after Delete: err = %v, want ErrNotFound", err)
	}
}

// TestRealKeyringMultibyteValue stores a value whose chunk boundary falls
// inside a rune: the Secret Service must get and give back every part whole.
func TestRealKeyringMultibyteValue(t *testing.T) {
	v, service := realVault(t)
	value := "a" + strings.Repeat("€", 1500) // byte 2,000 is inside a rune
	if err := v.Set("runes", value); err != nil {
		t.Fatalf("Set: %v", err)
	}
	for _, pk := range splitParts(t, service, "runes") {
		p, err := keyring.Get(service, pk)
		if err != nil || !utf8.ValidString(p) {
			t.Errorf("part %s: %d bytes, valid UTF-8 %v, err %v", pk, len(p), utf8.ValidString(p), err)
		}
	}
	if got, err := v.Get("runes"); err != nil || got != value {
		t.Fatalf("round trip: got %d bytes, %v; want %d", len(got), err, len(value))
	}
}

// childEnv marks the re-executed test binary that runs without a bus.
const childEnv = "EXACTKEEPER_VAULT_TEST_CHILD"

// TestUnavailableWithoutBus runs the vault in a child process whose session
// bus address points at a socket that does not exist, as on a server or in a
// broken desktop session, and checks the user gets the helpful sentence.
func TestUnavailableWithoutBus(t *testing.T) {
	if os.Getenv(childEnv) == "nobus" {
		unavailableChild(t)
		return
	}
	if runtime.GOOS != "linux" {
		t.Skip("the Secret Service over D-Bus is Linux only")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestUnavailableWithoutBus$", "-test.v", "-test.timeout=1m")
	cmd.Env = append(os.Environ(),
		childEnv+"=nobus",
		"DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(t.TempDir(), "no-such-bus"),
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child failed: %v\n%s", err, out)
	}
	for _, want := range []string{
		"ERROR: the OS keychain is not available (",
		"on Linux start a Secret Service such as gnome-keyring and unlock it",
		"Exact Keeper never stores secrets in plain files",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("child output lacks %q:\n%s", want, out)
		}
	}
}

func unavailableChild(t *testing.T) {
	const timeout = 5 * time.Second
	const tok = "refresh-token-that-must-not-leak"
	v := NewKeyring("exactkeeper-test-nobus", timeout)
	errs := map[string]error{}
	_, errs["Get"] = v.Get("k")
	errs["Set"] = v.Set("k", tok)
	errs["Delete"] = v.Delete("k")
	for op, err := range errs {
		if !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s: err = %v, want ErrUnavailable", op, err)
			continue
		}
		if strings.Contains(err.Error(), tok) {
			t.Errorf("%s: the error shows the secret", op)
		}
	}
	fmt.Printf("ERROR: %v\n", errs["Get"])
}
