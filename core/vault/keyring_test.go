package vault

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/zalando/go-keyring"
)

// fakeKeychain is an in-memory backend that behaves like the strictest real
// keychain (Windows: at most 2,560 bytes per item) and can fail or hang.
type fakeKeychain struct {
	mu       sync.Mutex
	items    map[string]string
	err      error         // returned by every call when set
	setsLeft int           // Sets that succeed before Set fails; <0 = unlimited
	hang     chan struct{} // when not nil, every call waits until it is closed
	echo     bool          // failing Sets echo the value in their error, as a careless keychain might
}

func newFake() *fakeKeychain { return &fakeKeychain{items: map[string]string{}, setsLeft: -1} }

func (f *fakeKeychain) wait() {
	f.mu.Lock()
	h := f.hang
	f.mu.Unlock()
	if h != nil {
		<-h
	}
}

func (f *fakeKeychain) Get(service, user string) (string, error) {
	f.wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return "", f.err
	}
	v, ok := f.items[user]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

func (f *fakeKeychain) Set(service, user, pw string) error {
	f.wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	if f.setsLeft == 0 {
		if f.echo {
			return errors.New("cannot store " + pw)
		}
		return errors.New("org.freedesktop.DBus.Error.NoReply")
	}
	if f.setsLeft > 0 {
		f.setsLeft--
	}
	if len(pw) > 2560 {
		return keyring.ErrSetDataTooBig
	}
	f.items[user] = pw
	return nil
}

func (f *fakeKeychain) Delete(service, user string) error {
	f.wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	if _, ok := f.items[user]; !ok {
		return keyring.ErrNotFound
	}
	delete(f.items, user)
	return nil
}

func (f *fakeKeychain) keys() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Sorted(maps.Keys(f.items))
}

// secret builds a recognisable value of n bytes.
func secret(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[(i*7+i/64)%len(alphabet)]
	}
	return string(b)
}

func TestKeyringContractOnFake(t *testing.T) {
	exercise(t, newKeyring("svc", time.Minute, newFake()))
}

func TestKeyringSplitsLargeValues(t *testing.T) {
	tests := []struct {
		name  string
		value string
		items int // keychain items while stored
	}{
		{"empty", "", 1},
		{"chunk size", secret(chunkSize), 1},
		{"one over", secret(chunkSize + 1), 3},
		{"6000 bytes", secret(6000), 4},
		{"20000 bytes", secret(20000), 11},
		{"multibyte runes", strings.Repeat("é€", 1500), 5}, // 7,500 bytes
		{"looks like a header", splitPrefix + "gen=x parts=1 len=1 sha256=y", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			v := newKeyring("svc", time.Minute, f)
			if err := v.Set("k", tt.value); err != nil {
				t.Fatalf("Set: %v", err)
			}
			if got := f.keys(); len(got) != tt.items {
				t.Errorf("stored as %d items %v, want %d", len(got), got, tt.items)
			}
			got, err := v.Get("k")
			if err != nil || got != tt.value {
				t.Fatalf("Get = %d bytes, %v; want the %d bytes set", len(got), err, len(tt.value))
			}

			// A shorter value replaces the parts.
			if err := v.Set("k", "short"); err != nil {
				t.Fatal(err)
			}
			if got := f.keys(); !slices.Equal(got, []string{"k"}) {
				t.Errorf("after a short Set the keychain holds %v, want only k", got)
			}
			if got, _ := v.Get("k"); got != "short" {
				t.Errorf("Get after short Set = %q", got)
			}

			// A large value replaced by a large one leaves only the new parts,
			// and Delete leaves nothing.
			for range 2 {
				if err := v.Set("k", tt.value); err != nil {
					t.Fatal(err)
				}
			}
			if got := f.keys(); len(got) != tt.items {
				t.Errorf("after replacing, %d items %v, want %d", len(got), got, tt.items)
			}
			if err := v.Delete("k"); err != nil {
				t.Fatal(err)
			}
			if got := f.keys(); len(got) != 0 {
				t.Errorf("after Delete the keychain holds %v", got)
			}
		})
	}
}

func TestChunksKeepRunesWhole(t *testing.T) {
	s := strings.Repeat("a€", 1000) // 4,000 bytes, a 3-byte rune every 4 bytes
	cs := chunks(s, chunkSize)
	if strings.Join(cs, "") != s {
		t.Fatal("chunks do not join to the input")
	}
	for i, c := range cs {
		if len(c) > chunkSize {
			t.Errorf("chunk %d has %d bytes", i, len(c))
		}
		if !utf8.ValidString(c) {
			t.Errorf("chunk %d splits a rune", i)
		}
	}
}

// TestKeyringInterruptedWriteKeepsOldValue stops a write after each possible
// number of keychain writes and checks the key still reads as a whole value.
func TestKeyringInterruptedWriteKeepsOldValue(t *testing.T) {
	olds := map[string]string{"short old": "old-token", "split old": secret(5000)}
	newValue := secret(6000) // 3 parts + header = 4 writes
	for name, old := range olds {
		for failAfter := range 4 {
			f := newFake()
			v := newKeyring("svc", time.Minute, f)
			if err := v.Set("k", old); err != nil {
				t.Fatal(err)
			}
			before := f.keys()
			f.setsLeft = failAfter
			err := v.Set("k", newValue)
			if !errors.Is(err, ErrUnavailable) {
				t.Fatalf("%s, failing after %d writes: err = %v, want ErrUnavailable", name, failAfter, err)
			}
			f.setsLeft = -1
			if got, err := v.Get("k"); err != nil || got != old {
				t.Errorf("%s, failing after %d writes: Get = %d bytes, %v; want the old value", name, failAfter, len(got), err)
			}
			if got := f.keys(); !slices.Equal(got, before) {
				t.Errorf("%s, failing after %d writes: items %v, want %v (no orphaned parts)", name, failAfter, got, before)
			}
		}
	}
}

func TestKeyringDetectsDamage(t *testing.T) {
	value := secret(6000)
	tests := []struct {
		name    string
		damage  func(f *fakeKeychain, parts []string)
		message string
	}{
		{"missing part", func(f *fakeKeychain, parts []string) { delete(f.items, parts[1]) }, "part 2 of 3 is missing"},
		{"changed part", func(f *fakeKeychain, parts []string) { f.items[parts[2]] += "x" }, "do not match"},
		{"malformed header", func(f *fakeKeychain, parts []string) { f.items["k"] = splitPrefix + "parts=two" }, "header is unreadable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			v := newKeyring("svc", time.Minute, f)
			if err := v.Set("k", value); err != nil {
				t.Fatal(err)
			}
			h, _, err := parseHeader(f.items["k"])
			if err != nil {
				t.Fatal(err)
			}
			tt.damage(f, h.partKeys("k"))
			_, err = v.Get("k")
			if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("Get: err = %v, want ErrDamaged saying %q", err, tt.message)
			}
			if strings.Contains(err.Error(), value[:100]) {
				t.Error("the error shows the secret")
			}
			// Storing the value again repairs the key.
			if err := v.Set("k", "fresh"); err != nil {
				t.Fatal(err)
			}
			if got, err := v.Get("k"); err != nil || got != "fresh" {
				t.Errorf("after repair Get = %q, %v", got, err)
			}
		})
	}
}

func TestKeyringUnavailableErrors(t *testing.T) {
	const tok = "rt-SECRET-value-1234567890"
	causes := []string{
		`exec: "dbus-launch": executable file not found in $PATH`,
		"failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'",
	}
	for _, cause := range causes {
		f := newFake()
		f.err = errors.New(cause)
		v := newKeyring("svc", time.Minute, f)
		for op, call := range map[string]func() error{
			"Get":    func() error { _, err := v.Get("k"); return err },
			"Set":    func() error { return v.Set("k", tok) },
			"Delete": func() error { return v.Delete("k") },
		} {
			err := call()
			if !errors.Is(err, ErrUnavailable) {
				t.Fatalf("%s with %q: err = %v, want ErrUnavailable", op, cause, err)
			}
			msg := err.Error()
			for _, want := range []string{"the OS keychain is not available", cause, "never stores secrets in plain files"} {
				if !strings.Contains(msg, want) {
					t.Errorf("%s: message %q lacks %q", op, msg, want)
				}
			}
		}
	}

	// A keychain that echoes the value in its error must not leak it.
	f := newFake()
	f.setsLeft, f.echo = 0, true
	v := newKeyring("svc", time.Minute, f)
	for _, val := range []string{tok, secret(6000)} {
		err := v.Set("k", val)
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("err = %v, want ErrUnavailable", err)
		}
		if strings.Contains(err.Error(), val[:20]) {
			t.Errorf("the error shows the secret: %v", err)
		}
	}
}

func TestKeyringTimeout(t *testing.T) {
	f := newFake()
	f.items["k"] = "v"
	f.hang = make(chan struct{})
	v := newKeyring("svc", 20*time.Millisecond, f)

	for i := range 2 { // the second call finds the first one still hanging
		_, err := v.Get("k")
		if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "no answer within 20ms") {
			t.Fatalf("call %d: err = %v, want ErrUnavailable after the timeout", i+1, err)
		}
	}

	close(f.hang)
	v.timeout = time.Minute // wait for the hung call to finish, then succeed
	if got, err := v.Get("k"); err != nil || got != "v" {
		t.Fatalf("after the keychain recovered: Get = %q, %v", got, err)
	}
}
