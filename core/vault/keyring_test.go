package vault

import (
	"errors"
	"fmt"
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
	// failSet, when set, makes a Set of the items it picks fail, and only those.
	failSet func(user string) bool
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
	if f.setsLeft == 0 || (f.failSet != nil && f.failSet(user)) {
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
		{"looks like a newer header", formatPrefix + "v2 gen=x", 2},
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
	// One ASCII byte, then 3-byte runes: byte 2,000 falls inside a rune
	// (runes start at 1, 4, …, 1999, 2002), so a plain byte split cuts one.
	s := "a" + strings.Repeat("€", 1500) // 4,501 bytes
	if utf8.RuneStart(s[chunkSize]) {
		t.Fatal("the input does not put a rune across the chunk boundary")
	}
	cs := chunks(s, chunkSize)
	if strings.Join(cs, "") != s {
		t.Fatal("chunks do not join to the input")
	}
	if len(cs) != 3 || len(cs[0]) != 1999 {
		t.Errorf("chunk sizes %v, want 3 chunks, the first cut back to 1,999 bytes", lens(cs))
	}
	for i, c := range cs {
		if len(c) > chunkSize {
			t.Errorf("chunk %d has %d bytes", i, len(c))
		}
		if !utf8.ValidString(c) {
			t.Errorf("chunk %d splits a rune", i)
		}
	}

	// Stored through the vault, every part item is valid UTF-8 too.
	f := newFake()
	v := newKeyring("svc", time.Minute, f)
	if err := v.Set("k", s); err != nil {
		t.Fatal(err)
	}
	h, _, err := parseHeader(f.items["k"])
	if err != nil {
		t.Fatal(err)
	}
	for _, pk := range h.partKeys("k") {
		if p := f.items[pk]; !utf8.ValidString(p) {
			t.Errorf("part %s is not valid UTF-8", pk)
		}
	}
	if got, err := v.Get("k"); err != nil || got != s {
		t.Errorf("Get = %d bytes, %v; want the %d bytes set", len(got), err, len(s))
	}
}

func TestChunksSizes(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []int
	}{
		{"exactly one", secret(2000), []int{2000}},
		{"exactly two", secret(4000), []int{2000, 2000}},
		{"one over", secret(2001), []int{2000, 1}},
		// Not UTF-8 at all (no byte starts a rune): bytes are bytes.
		{"no rune starts", strings.Repeat("\x80", 4500), []int{2000, 2000, 500}},
	}
	for _, tt := range tests {
		if got := lens(chunks(tt.in, chunkSize)); !slices.Equal(got, tt.want) {
			t.Errorf("%s: chunk sizes %v, want %v", tt.name, got, tt.want)
		}
	}
}

func lens(cs []string) []int {
	out := make([]int, len(cs))
	for i, c := range cs {
		out[i] = len(c)
	}
	return out
}

// TestKeyringOnePartFails makes exactly one part write fail, the ones after
// it (and the header) would succeed: Set must fail and leave the old value
// and no orphaned parts.
func TestKeyringOnePartFails(t *testing.T) {
	olds := map[string]string{"short old": "old-token", "split old": secret(5000)}
	newValue := secret(6000) // parts 1, 2 and 3, then the header
	for name, old := range olds {
		for part := 1; part <= 3; part++ {
			f := newFake()
			v := newKeyring("svc", time.Minute, f)
			if err := v.Set("k", old); err != nil {
				t.Fatal(err)
			}
			before := f.keys()
			var tried []string
			f.failSet = func(user string) bool {
				tried = append(tried, user)
				return strings.HasPrefix(user, fmt.Sprintf("k#%d.", part))
			}
			err := v.Set("k", newValue)
			if !errors.Is(err, ErrUnavailable) {
				t.Fatalf("%s, part %d failing: Set = %v, want ErrUnavailable", name, part, err)
			}
			f.failSet = nil
			if slices.Contains(tried, "k") {
				t.Errorf("%s, part %d failing: the header was written after the failed part", name, part)
			}
			if got, err := v.Get("k"); err != nil || got != old {
				t.Errorf("%s, part %d failing: Get = %d bytes, %v; want the old value", name, part, len(got), err)
			}
			if got := f.keys(); !slices.Equal(got, before) {
				t.Errorf("%s, part %d failing: items %v, want %v (no orphaned parts)", name, part, got, before)
			}
		}
	}
}

// TestKeyringReadsVersion1Layout reads a split value exactly as the vault
// stores it at format v1 (commit fa8c7e1), then replaces it.
func TestKeyringReadsVersion1Layout(t *testing.T) {
	value := strings.Repeat("0123456789", 250) + "tail" // 2,504 bytes
	f := newFake()
	f.items["plain"] = "old-refresh-token"
	f.items["k"] = "exactkeeper-split/v1 gen=0a1b2c3d parts=2 len=2504 sha256=1261a729146b5df8fef19789f7edd09646a4dee6fc1d2eea7b4f72dac1e50c68"
	f.items["k#1.0a1b2c3d"] = value[:2000]
	f.items["k#2.0a1b2c3d"] = value[2000:]
	v := newKeyring("svc", time.Minute, f)
	if got, err := v.Get("plain"); err != nil || got != "old-refresh-token" {
		t.Errorf("Get(plain) = %q, %v", got, err)
	}
	if got, err := v.Get("k"); err != nil || got != value {
		t.Fatalf("Get(k) = %d bytes, %v; want the 2,504 bytes stored by v1", len(got), err)
	}
	if err := v.Set("k", "new"); err != nil {
		t.Fatal(err)
	}
	if got := f.keys(); !slices.Equal(got, []string{"k", "plain"}) {
		t.Errorf("after replacing the v1 value the keychain holds %v", got)
	}
}

func TestKeyringRefusesNewerFormat(t *testing.T) {
	f := newFake()
	f.items["conn/refresh_token"] = formatPrefix + "v2 parts=3 something=new"
	v := newKeyring("svc", time.Minute, f)
	got, err := v.Get("conn/refresh_token")
	if !errors.Is(err, ErrNewerFormat) || got != "" {
		t.Fatalf("Get = %q, %v; want ErrNewerFormat and no value", got, err)
	}
	want := "a secret in the keychain was stored by a newer Exact Keeper: conn/refresh_token; update Exact Keeper to read it"
	if err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
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
		{"same-length change", func(f *fakeKeychain, parts []string) {
			p := []byte(f.items[parts[1]])
			p[10] ^= 0x01 // still ASCII, still the same length
			f.items[parts[1]] = string(p)
		}, "its parts do not match its header"},
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
