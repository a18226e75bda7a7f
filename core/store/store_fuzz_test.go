package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The fuzz targets of this file run in `go test` on their seed corpus (the
// f.Add calls, testdata/v1 and testdata/fuzz/<Target>/), and for real under
// `make fuzz`. A crasher found there is kept in testdata/fuzz/<Target>/ as a
// regression test.

var fileSeeds = []string{
	``,
	`{}`,
	`null`,
	`[]`,
	`"x"`,
	`{"version":1}`,
	`{"version":2}`,
	`{"version":-1}`,
	`{"version":1.5}`,
	`{"version":"1"}`,
	`{"version":1,"connections":[{"id":"a","name":"B","refresh_lifetime":"720h"}]}`,
	`{"version":1,"connections":[{"id":"a","refresh_lifetime":12}]}`,
	`{"version":1,"connections":[{"id":"a","refresh_lifetime":"ten"}]}`,
	`{"version":1,"delegations":[{"id":"d","starts":"2026-02-30","ends":null}]}`,
	`{"version":1,"delegations":[{"id":"d","starts":"2026-02-03","ends":"2027-01-01"}]}`,
	`{"version":1,"settings":{"keepalive":"24h","refresh_warnings":["1h",5],"delegation_warn_days":[1,2],"autostart":true}}`,
	`{"version":1,"connections":{"abc":{"status":"ok","last_refresh":"2026-05-06T07:08:09Z"}}}`,
	`{"version":1,"connections":{"abc":{"last_refresh":"2026-05-06T07:08:09+02:00","next_attempt":"not a time"}}}`,
	`{"version":1,"reminders":{"k":"2026-05-06T07:08:09Z"}}`,
	`{"version":1,"connections":{"abc":{"last_refresh":"10000-01-01T00:00:00Z"}}}`,
	`{"version":1,"connections":[{"created":"0000-01-01T00:00:00Z"}]}`,
	`{"version":1}{"version":2}`,
	`{"version":1` + "\x00",
	"\xef\xbb\xbf{\"version\":1}",
}

func addFileSeeds(f *testing.F, testdataFile string) {
	for _, s := range fileSeeds {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	if b, err := os.ReadFile(filepath.Join("testdata", "v1", testdataFile)); err == nil {
		f.Add(b, false)
		f.Add(b[:len(b)/2], true)
	}
}

// fuzzStore is a Store in a fresh folder whose notices are counted.
func fuzzStore(t *testing.T) (*Store, *[]Notice) {
	t.Helper()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var notices []Notice
	s.now = func() time.Time { return time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC) }
	s.Notify = func(n Notice) { notices = append(notices, n) }
	return s, &notices
}

func mustWrite(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sameJSON compares two values by their JSON, with the version left out
// (a save stamps the current one).
func sameJSON(t *testing.T, a, b any) bool {
	t.Helper()
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		t.Fatalf("re-encoding a loaded value: %v, %v", err1, err2)
	}
	return bytes.Equal(ja, jb)
}

// FuzzLoadConfig writes arbitrary bytes as config.json (with or without a
// good copy next to it). Loading must not panic, must not touch the file,
// and gives either a value or an error that names the file. A file that
// does not load is never written over, not even by UpdateConfig; one that
// loads is saved and read back unchanged.
func FuzzLoadConfig(f *testing.F) {
	addFileSeeds(f, configFile)
	f.Fuzz(func(t *testing.T, data []byte, withGood bool) {
		s, _ := fuzzStore(t)
		path := filepath.Join(s.Dir, configFile)
		mustWrite(t, path, data)
		if withGood {
			mustWrite(t, path+goodSuffix, []byte(`{"version":1,"connections":[{"id":"good","name":"Good"}]}`))
		}

		c, err := s.LoadConfig()
		if !bytes.Equal(mustRead(t, path), data) {
			t.Fatal("LoadConfig changed config.json")
		}
		if err != nil {
			if !strings.Contains(err.Error(), configFile) {
				t.Fatalf("the error does not name the file: %v", err)
			}
			var ce *CorruptError
			if errors.As(err, &ce) && withGood && ce.Good == "" {
				t.Fatalf("a good copy exists but the error does not offer it: %v", err)
			}
			uerr := s.UpdateConfig(func(*Config) error { return nil })
			if uerr == nil {
				t.Fatalf("UpdateConfig wrote over a config.json that LoadConfig refused (%v)", err)
			}
			if !bytes.Equal(mustRead(t, path), data) {
				t.Fatal("a refused UpdateConfig changed config.json")
			}
			assertNothingAside(t, s.Dir, configFile)
			return
		}

		uerr := s.UpdateConfig(func(*Config) error { return nil })
		if uerr != nil {
			if !bytes.Equal(mustRead(t, path), data) {
				t.Fatalf("a failed UpdateConfig (%v) changed config.json", uerr)
			}
			return
		}
		again, err := s.LoadConfig()
		if err != nil {
			t.Fatalf("config.json saved by UpdateConfig does not load: %v\nwas:\n%s\nnow:\n%s", err, data, mustRead(t, path))
		}
		c.Version, again.Version = 0, 0
		if !sameJSON(t, c, again) {
			t.Fatalf("a save changed what config.json holds:\nwas:\n%s\nnow:\n%s", data, mustRead(t, path))
		}
		if !bytes.Equal(mustRead(t, path), mustRead(t, path+goodSuffix)) {
			t.Fatal("after a save config.json.good differs from config.json")
		}
	})
}

// FuzzLoadState writes arbitrary bytes as state.json (with or without a
// good copy). Loading must not panic or touch the file. A damaged file is
// never silently replaced: UpdateState keeps the exact bytes aside and
// tells Notify once; a newer one is left alone; a good one is saved and
// read back unchanged.
func FuzzLoadState(f *testing.F) {
	addFileSeeds(f, stateFile)
	f.Fuzz(func(t *testing.T, data []byte, withGood bool) {
		s, notices := fuzzStore(t)
		path := filepath.Join(s.Dir, stateFile)
		mustWrite(t, path, data)
		good := []byte(`{"version":1,"connections":{"good":{"status":"ok"}}}`)
		if withGood {
			mustWrite(t, path+goodSuffix, good)
		}

		st, loadErr := s.LoadState()
		if !bytes.Equal(mustRead(t, path), data) {
			t.Fatal("LoadState changed state.json")
		}
		if loadErr != nil && !strings.Contains(loadErr.Error(), stateFile) {
			t.Fatalf("the error does not name the file: %v", loadErr)
		}
		// What the file itself is, apart from the good copy LoadState may
		// have fallen back on.
		own, _, ownErr := load[State](s, stateFile, StateVersion)
		var ce *CorruptError
		corrupt := errors.As(ownErr, &ce)
		if ownErr != nil && !corrupt && !errors.Is(ownErr, ErrNewerVersion) {
			t.Fatalf("an error that is neither damage nor a newer version: %v", ownErr)
		}
		if corrupt && withGood && loadErr != nil {
			t.Fatalf("state.json is damaged, a good copy exists, yet LoadState failed: %v", loadErr)
		}

		uerr := s.UpdateState(func(*State) error { return nil })
		switch {
		case errors.Is(ownErr, ErrNewerVersion):
			if uerr == nil || !bytes.Equal(mustRead(t, path), data) {
				t.Fatalf("a newer state.json was written over (UpdateState = %v)", uerr)
			}
			return
		case corrupt:
			if uerr != nil {
				t.Fatalf("UpdateState did not recover from a damaged state.json: %v", uerr)
			}
			if len(*notices) != 1 {
				t.Fatalf("recovering told Notify %d times, want once", len(*notices))
			}
			n := (*notices)[0]
			if n.KeptAs == "" || !bytes.Equal(mustRead(t, n.KeptAs), data) {
				t.Fatalf("the damaged bytes were not kept aside exactly (kept as %q)", n.KeptAs)
			}
			if withGood != (n.From != "") {
				t.Fatalf("recovered from %q with a good copy present: %v", n.From, withGood)
			}
			if _, err := s.LoadState(); err != nil {
				t.Fatalf("state.json does not load after the recovery: %v", err)
			}
			return
		}
		if len(*notices) != 0 {
			t.Fatalf("Notify heard of damage in a state.json that loads: %v", (*notices)[0])
		}
		if uerr != nil {
			if !bytes.Equal(mustRead(t, path), data) {
				t.Fatalf("a failed UpdateState (%v) changed state.json", uerr)
			}
			return
		}
		again, err := s.LoadState()
		if err != nil {
			t.Fatalf("state.json saved by UpdateState does not load: %v", err)
		}
		own.Version, again.Version, st.Version = 0, 0, 0
		if !sameJSON(t, own, again) || !sameJSON(t, st, again) {
			t.Fatalf("a save changed what state.json holds:\nwas:\n%s\nnow:\n%s", data, mustRead(t, path))
		}
	})
}

// assertNothingAside fails if a file named like a set-aside copy of name
// appeared: config.json is never moved.
func assertNothingAside(t *testing.T, dir, name string) {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, name+damagedInfix+"*"))
	if len(m) > 0 {
		t.Fatalf("%s was set aside as %v", name, m)
	}
}
