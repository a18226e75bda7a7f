package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "home"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// savedFiles is what a folder holds after config.json and state.json were
// saved: each with its last good copy, and the lock folder.
var savedFiles = []string{"config.json", "config.json.good", "locks", "state.json", "state.json.good"}

// names lists Dir, so tests can see that no temp file is left behind.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func sampleConfig() Config {
	yes := true
	return Config{
		Connections: []Connection{{
			ID: "abc123", Name: "Bakkerij", Region: "nl", BaseURL: "https://start.exactonline.nl",
			ClientID: "client-guid", RedirectURI: "http://127.0.0.1:8711/callback",
			RefreshLifetime: Duration(240 * time.Hour),
			User:            User{ID: "u1", UserName: "jan", FullName: "Jan Bakker", Email: "jan@example.com"},
			Division:        123456,
			Created:         time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		}},
		Delegations: []Delegation{{
			ID: "d1", Platform: "Invantive Cloud", Grantee: "Kantoor", Environment: "prod",
			Starts: Date{2026, time.January, 1}, Ends: Date{2026, time.March, 31},
			ConnectionID: "abc123", Note: "renew with the accountant",
		}},
		Settings: Settings{
			KeepAlive:          Duration(12 * time.Hour),
			RefreshWarnings:    []Duration{Duration(48 * time.Hour)},
			DelegationWarnDays: []int{10, 0},
			Language:           "nl",
			Autostart:          &yes,
		},
	}
}

func TestConfigAndStateRoundTrip(t *testing.T) {
	s := openTemp(t)
	want := sampleConfig()
	if err := s.UpdateConfig(func(c *Config) error { *c = sampleConfig(); return nil }); err != nil {
		t.Fatal(err)
	}
	want.Version = ConfigVersion
	got, err := s.LoadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("config round trip:\n got %+v\nwant %+v", got, want)
	}

	at := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	wantState := State{
		Version: StateVersion,
		Connections: map[string]ConnState{"abc123": {
			Status: "ok", LastRefresh: at, AccessExpiry: at.Add(10 * time.Minute),
			Failures: 2, NextAttempt: at.Add(time.Hour), LastError: "Exact Online did not answer",
		}},
		Reminders: map[string]time.Time{"refresh/abc123/168h": at},
	}
	if err := s.UpdateState(func(st *State) error { *st = wantState; st.Version = 0; return nil }); err != nil {
		t.Fatal(err)
	}
	gotState, err := s.LoadState()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotState, wantState) {
		t.Errorf("state round trip:\n got %+v\nwant %+v", gotState, wantState)
	}
}

func TestMissingFilesAreEmpty(t *testing.T) {
	s := openTemp(t)
	c, err := s.LoadConfig()
	if err != nil || !reflect.DeepEqual(c, Config{}) {
		t.Errorf("LoadConfig of a missing file = %+v, %v; want an empty Config", c, err)
	}
	st, err := s.LoadState()
	if err != nil || !reflect.DeepEqual(st, State{}) {
		t.Errorf("LoadState of a missing file = %+v, %v; want an empty State", st, err)
	}
	if got := names(t, s.Dir); !slices.Equal(got, []string{"locks"}) {
		t.Errorf("loading created files: %v", got)
	}
}

func TestWritesAreAtomicAndPrivate(t *testing.T) {
	s := openTemp(t)
	for i := range 5 {
		if err := s.UpdateConfig(func(c *Config) error {
			c.UpsertConnection(Connection{ID: strconv.Itoa(i), Name: "c" + strconv.Itoa(i)})
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateState(func(st *State) error { st.Reminders = map[string]time.Time{"k": {}}; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if got := names(t, s.Dir); !slices.Equal(got, savedFiles) {
		t.Errorf("files in the folder: %v, want %v only", got, savedFiles)
	}
	for _, name := range []string{"config.json", "state.json"} {
		data, err := os.ReadFile(filepath.Join(s.Dir, name))
		if err != nil {
			t.Fatal(err)
		}
		good, err := os.ReadFile(filepath.Join(s.Dir, name+".good"))
		if err != nil || !bytes.Equal(good, data) {
			t.Errorf("%s.good = %q, %v; want the same content as %s:\n%s", name, good, err, name, data)
		}
	}
	data, err := os.ReadFile(filepath.Join(s.Dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("{\n  \"version\": 1,\n")) || !bytes.HasSuffix(data, []byte("}\n")) {
		t.Errorf("config.json is not indented JSON with a version:\n%s", data)
	}
	if runtime.GOOS == "windows" {
		return
	}
	for _, name := range []string{"config.json", "state.json", "config.json.good", "state.json.good"} {
		fi, err := os.Stat(filepath.Join(s.Dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", name, fi.Mode().Perm())
		}
	}
	for _, dir := range []string{s.Dir, filepath.Join(s.Dir, "locks")} {
		fi, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o700 {
			t.Errorf("%s has mode %v, want 0700", dir, fi.Mode().Perm())
		}
	}
}

func TestFailedWriteLeavesNoTempFile(t *testing.T) {
	dir := t.TempDir()
	// A directory in the way makes the final rename fail.
	if err := os.Mkdir(filepath.Join(dir, "config.json"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := writeAtomic(filepath.Join(dir, "config.json"), []byte("{}")); err == nil {
		t.Fatal("writeAtomic over a directory succeeded")
	}
	if got := names(t, dir); !slices.Equal(got, []string{"config.json"}) {
		t.Errorf("left behind: %v", got)
	}
}

func TestOpenMakesAnExistingFolderPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no mode bits on Windows")
	}
	dir := filepath.Join(t.TempDir(), "home")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // in spite of the umask
		t.Fatal(err)
	}
	if _, err := Open(dir); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("mode %v after Open, want 0700", fi.Mode().Perm())
	}
}

func TestCorruptFilesAreReportedAndKept(t *testing.T) {
	tests := []struct {
		file, content, says string
	}{
		{"config.json", "not json at all", "not valid JSON"},
		{"config.json", "", "empty"},
		{"config.json", `{"version": 1} trailing`, "not valid JSON"},
		{"config.json", `{"version": "one"}`, `"version" should be a number, not a string`},
		{"config.json", `[1, 2]`, "it should hold an object, not an array"},
		{"config.json", `{"version": -1}`, "version -1"},
		{"config.json", `{"connections": [{"name": 5}]}`, `"connections.name" should be a string, not a number`},
		{"config.json", `{"delegations": [{"ends": "2026-02-30"}]}`, `"2026-02-30" is not a date`},
		{"config.json", `{"settings": {"keepalive": "forever"}}`, `"forever"`},
		{"state.json", `{"connections": {"a": {"last_refresh": "yesterday"}}}`, `"yesterday"`},
		{"state.json", `{"connections": []}`, `"connections" should be an object, not an array`},
		{"state.json", `{"version": 1,`, "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.file+" "+tt.content, func(t *testing.T) {
			s := openTemp(t)
			path := filepath.Join(s.Dir, tt.file)
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			load, update := loadAndUpdate(s, tt.file)
			errs := map[string]error{"load": load()}
			if tt.file == "config.json" {
				// A damaged state.json is recovered from instead; see
				// TestDamagedStateIsSetAsideAndRecovered.
				errs["update"] = update()
			}
			for op, err := range errs {
				var ce *CorruptError
				if !errors.As(err, &ce) || ce.Path != path {
					t.Fatalf("%s: err = %v, want a *CorruptError for %s", op, err, path)
				}
				msg := err.Error()
				for _, want := range []string{path, tt.says, "move it away to start over; your secrets in the keychain are untouched"} {
					if !strings.Contains(msg, want) {
						t.Errorf("%s: message %q lacks %q", op, msg, want)
					}
				}
			}
			assertUnchanged(t, s, tt.file, tt.content)
		})
	}
}

// loadAndUpdate gives the Load and a (would-be) Update of one file; the
// update's fn fails the test if it runs.
func loadAndUpdate(s *Store, file string) (load, update func() error) {
	if file == "config.json" {
		return func() error { _, err := s.LoadConfig(); return err },
			func() error {
				return s.UpdateConfig(func(c *Config) error { return errors.New("fn must not run on a file it cannot read") })
			}
	}
	return func() error { _, err := s.LoadState(); return err },
		func() error {
			return s.UpdateState(func(*State) error { return errors.New("fn must not run on a file it cannot read") })
		}
}

func assertUnchanged(t *testing.T, s *Store, file, content string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(s.Dir, file))
	if err != nil || string(data) != content {
		t.Errorf("%s changed to %q (%v), want %q", file, data, err, content)
	}
	if got, want := names(t, s.Dir), slices.Sorted(slices.Values([]string{file, "locks"})); !slices.Equal(got, want) {
		t.Errorf("files in the folder: %v", got)
	}
}

func TestNewerVersionIsRefused(t *testing.T) {
	for _, file := range []string{"config.json", "state.json"} {
		s := openTemp(t)
		// Version 2 may well change a field's type; that must not read as damage.
		content := `{"version": 2, "connections": "a new shape", "settings": 7}`
		if err := os.WriteFile(filepath.Join(s.Dir, file), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		load, update := loadAndUpdate(s, file)
		for op, err := range map[string]error{"load": load(), "update": update()} {
			want := filepath.Join(s.Dir, file) + " was written by a newer Exact Keeper (file version 2; this one reads up to version 1): update Exact Keeper to go on; the file is left as it is"
			if !errors.Is(err, ErrNewerVersion) || err.Error() != want {
				t.Errorf("%s %s: err = %v, want %q", op, file, err, want)
			}
		}
		assertUnchanged(t, s, file, content)
	}
}

func TestUpdateFnErrorWritesNothing(t *testing.T) {
	s := openTemp(t)
	boom := errors.New("boom")
	if err := s.UpdateConfig(func(c *Config) error { c.Settings.Language = "nl"; return boom }); !errors.Is(err, boom) {
		t.Errorf("UpdateConfig returned %v, want fn's error", err)
	}
	if err := s.UpdateState(func(st *State) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("UpdateState returned %v, want fn's error", err)
	}
	if got := names(t, s.Dir); !slices.Equal(got, []string{"locks"}) {
		t.Errorf("a failed update wrote files: %v", got)
	}
}

func TestUnversionedFileIsReadAndUpgraded(t *testing.T) {
	s := openTemp(t)
	path := filepath.Join(s.Dir, "config.json")
	if err := os.WriteFile(path, []byte(`{"connections": [{"id": "x", "name": "Old"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateConfig(func(c *Config) error { return nil }); err != nil {
		t.Fatal(err)
	}
	c, err := s.LoadConfig()
	if err != nil || c.Version != ConfigVersion || len(c.Connections) != 1 || c.Connections[0].Name != "Old" {
		t.Errorf("LoadConfig = %+v, %v; want the old connection at version %d", c, err, ConfigVersion)
	}
}

// increment adds one to the counters kept in both files.
func increment(s *Store) error {
	if err := s.UpdateConfig(func(c *Config) error {
		n, _ := strconv.Atoi(c.Settings.Language) // a counter where a test can keep it
		c.Settings.Language = strconv.Itoa(n + 1)
		return nil
	}); err != nil {
		return err
	}
	return s.UpdateState(func(st *State) error {
		if st.Connections == nil {
			st.Connections = map[string]ConnState{}
		}
		cs := st.Connections["counter"]
		cs.Failures++
		st.Connections["counter"] = cs
		return nil
	})
}

func assertCounters(t *testing.T, s *Store, want int) {
	t.Helper()
	c, err := s.LoadConfig()
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.LoadState()
	if err != nil {
		t.Fatal(err)
	}
	if c.Settings.Language != strconv.Itoa(want) || st.Connections["counter"].Failures != want {
		t.Errorf("counters: config %s, state %d; want %d (updates were lost)",
			c.Settings.Language, st.Connections["counter"].Failures, want)
	}
}

func TestConcurrentUpdatesFromGoroutines(t *testing.T) {
	s := openTemp(t)
	const workers, each = 6, 15
	errs := make(chan error, workers*each)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			// A Store of its own, as separate parts of the app would have.
			own := &Store{Dir: s.Dir}
			for range each {
				if err := increment(own); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assertCounters(t, s, workers*each)
	if got := names(t, s.Dir); !slices.Equal(got, savedFiles) {
		t.Errorf("files in the folder: %v", got)
	}
}
