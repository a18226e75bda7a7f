package store

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// recordingStore is a Store whose clock stands still at a known time and
// whose notices are collected.
func recordingStore(t *testing.T) (*Store, *[]Notice) {
	t.Helper()
	s := openTemp(t)
	var notices []Notice
	s.now = func() time.Time { return time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC) }
	s.Notify = func(n Notice) { notices = append(notices, n) }
	return s, &notices
}

// keeperState is what the keeper must not lose: the last refresh (the lapse
// date), a backoff, the error budget and reminders already sent.
func keeperState() State {
	at := time.Date(2026, 10, 30, 8, 0, 0, 0, time.UTC)
	return State{
		Version: StateVersion,
		Connections: map[string]ConnState{
			"abc123": {Status: "retrying", LastRefresh: at, FailingSince: at.Add(time.Hour),
				Failures: 4, NextAttempt: at.Add(2 * time.Hour), LastError: "Exact Online did not answer."},
		},
		Reminders: map[string]time.Time{"refresh/abc123/168h0m0s": at.Add(720 * time.Hour)},
	}
}

func saveState(t *testing.T, s *Store, want State) {
	t.Helper()
	if err := s.UpdateState(func(st *State) error { *st = want; return nil }); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func readFileT(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// damageOversized makes path a (sparse) file one byte over the limit.
func damageOversized(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(maxFileSize + 1); err != nil {
		t.Fatal(err)
	}
}

var stateDamages = []struct {
	name   string
	damage func(t *testing.T, path string)
	says   string
}{
	{"truncated", func(t *testing.T, p string) { writeFile(t, p, `{"version": 1, "connections": {"abc`) }, "not valid JSON"},
	{"empty", func(t *testing.T, p string) { writeFile(t, p, "") }, "the file is empty"},
	{"wrong type", func(t *testing.T, p string) { writeFile(t, p, `{"connections": []}`) }, `"connections" should be an object`},
	{"oversized", damageOversized, "larger than 4 MiB"},
}

func TestDamagedStateIsSetAsideAndRecovered(t *testing.T) {
	for _, tt := range stateDamages {
		t.Run(tt.name, func(t *testing.T) {
			s, notices := recordingStore(t)
			want := keeperState()
			saveState(t, s, want)
			path := filepath.Join(s.Dir, "state.json")
			tt.damage(t, path)
			damaged := readFileT(t, path)

			// Reading goes on from the good copy and changes nothing.
			got, err := s.LoadState()
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("LoadState of a damaged state.json = %+v, %v; want the last good save %+v", got, err, want)
			}
			if len(*notices) != 0 || readFileT(t, path) != damaged {
				t.Fatalf("LoadState repaired the file or told of it (%v); that is UpdateState's job", *notices)
			}

			// Writing sets the damage aside, starts from the good copy, says so once.
			var sawGood bool
			if err := s.UpdateState(func(st *State) error {
				sawGood = reflect.DeepEqual(*st, want)
				st.Reminders["refresh/abc123/72h0m0s"] = time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
				return nil
			}); err != nil {
				t.Fatalf("UpdateState on a damaged state.json: %v", err)
			}
			if !sawGood {
				t.Errorf("fn did not see the last good save %+v", want)
			}
			aside := path + ".damaged-20261103T100000Z"
			if len(*notices) != 1 {
				t.Fatalf("%d notices, want exactly 1: %v", len(*notices), *notices)
			}
			n := (*notices)[0]
			if n.File != path || n.KeptAs != aside || n.From != path+".good" {
				t.Errorf("notice = %+v, want file %s kept as %s, recovered from %s.good", n, path, aside, path)
			}
			msg := n.String()
			for _, part := range []string{"state.json was damaged (", tt.says, "went back to the copy from its last good save and goes on", "kept as " + aside + "."} {
				if !strings.Contains(msg, part) {
					t.Errorf("notice %q lacks %q", msg, part)
				}
			}
			if got := readFileT(t, aside); got != damaged {
				t.Errorf("the damaged file was kept as %d bytes, want the %d damaged bytes", len(got), len(damaged))
			}

			want.Reminders["refresh/abc123/72h0m0s"] = time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
			if got, err := s.LoadState(); err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("after the recovery LoadState = %+v, %v; want %+v", got, err, want)
			}
			if a, b := readFileT(t, path), readFileT(t, path+".good"); a != b {
				t.Errorf("state.json.good differs from state.json after the save:\n%s\n%s", b, a)
			}

			// Once: the next save finds nothing to repair.
			saveState(t, s, want)
			if len(*notices) != 1 {
				t.Errorf("a second save told again: %v", *notices)
			}
			wantFiles := []string{"locks", "state.json", "state.json.damaged-20261103T100000Z", "state.json.good"}
			if got := names(t, s.Dir); !slices.Equal(got, wantFiles) {
				t.Errorf("files in the folder: %v, want %v", got, wantFiles)
			}
		})
	}
}

func TestDamagedStateWithoutGoodCopyStartsAfresh(t *testing.T) {
	for _, good := range []string{"", "not json", `{"connections": 5}`} {
		t.Run("good copy "+good, func(t *testing.T) {
			s, notices := recordingStore(t)
			path := filepath.Join(s.Dir, "state.json")
			const damaged = `{"version": 1, "connections": {"abc`
			writeFile(t, path, damaged)
			if good != "" {
				writeFile(t, path+".good", good)
			}
			var ce *CorruptError
			if _, err := s.LoadState(); !errors.As(err, &ce) || ce.Path != path {
				t.Errorf("LoadState with no usable good copy: err = %v, want the *CorruptError of %s", err, path)
			}
			var seen State
			if err := s.UpdateState(func(st *State) error { seen = *st; st.Reminders = map[string]time.Time{"k": {}}; return nil }); err != nil {
				t.Fatalf("UpdateState stalled on a damaged state.json: %v", err)
			}
			if !reflect.DeepEqual(seen, State{}) {
				t.Errorf("fn saw %+v, want an empty state", seen)
			}
			if len(*notices) != 1 || (*notices)[0].From != "" || (*notices)[0].KeptAs != path+".damaged-20261103T100000Z" {
				t.Fatalf("notices = %+v, want one saying it started afresh", *notices)
			}
			if msg := (*notices)[0].String(); !strings.Contains(msg, "no good copy to go back to, so Exact Keeper started it afresh") {
				t.Errorf("notice %q does not say it started afresh", msg)
			}
			if got := readFileT(t, path+".damaged-20261103T100000Z"); got != damaged {
				t.Errorf("kept %q, want the damaged content", got)
			}
			if st, err := s.LoadState(); err != nil || len(st.Reminders) != 1 {
				t.Errorf("after the recovery LoadState = %+v, %v", st, err)
			}
		})
	}
}

func TestRecoveryHoldsWhenFnFails(t *testing.T) {
	s, notices := recordingStore(t)
	want := keeperState()
	saveState(t, s, want)
	path := filepath.Join(s.Dir, "state.json")
	writeFile(t, path, "garbage")
	unchanged := errors.New("nothing to record")
	if err := s.UpdateState(func(*State) error { return unchanged }); !errors.Is(err, unchanged) {
		t.Fatalf("UpdateState = %v, want fn's error", err)
	}
	// The repair stands although fn wrote nothing; the next save does not
	// set aside or tell again.
	if st, _, err := load[State](s, "state.json", StateVersion); err != nil || !reflect.DeepEqual(st, want) {
		t.Errorf("state.json after the repair = %+v, %v; want the good copy", st, err)
	}
	saveState(t, s, want)
	if len(*notices) != 1 {
		t.Errorf("notices = %v, want exactly one", *notices)
	}
}

func TestRepeatedDamageKeepsEveryDamagedFile(t *testing.T) {
	s, notices := recordingStore(t) // the clock stands still: same second twice
	saveState(t, s, keeperState())
	path := filepath.Join(s.Dir, "state.json")
	for _, damage := range []string{"first damage", "second damage"} {
		writeFile(t, path, damage)
		saveState(t, s, keeperState())
	}
	first, second := path+".damaged-20261103T100000Z", path+".damaged-20261103T100000Z-2"
	if readFileT(t, first) != "first damage" || readFileT(t, second) != "second damage" {
		t.Errorf("set-aside files hold %q and %q", readFileT(t, first), readFileT(t, second))
	}
	if len(*notices) != 2 || (*notices)[1].KeptAs != second {
		t.Errorf("notices = %+v, want two, the second kept as %s", *notices, second)
	}
}

func TestNoticeWithoutNotifyIsLogged(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })

	s := openTemp(t)
	saveState(t, s, keeperState())
	writeFile(t, filepath.Join(s.Dir, "state.json"), "garbage")
	saveState(t, s, keeperState())
	if out := buf.String(); !strings.Contains(out, "level=WARN") || !strings.Contains(out, "state.json was damaged (not valid JSON") {
		t.Errorf("log = %q, want a warning about the damaged state.json", out)
	}
}

func TestNewerStateIsNotTreatedAsDamage(t *testing.T) {
	s, notices := recordingStore(t)
	saveState(t, s, keeperState())
	path := filepath.Join(s.Dir, "state.json")
	const newer = `{"version": 2, "connections": "a new shape"}`
	writeFile(t, path, newer)
	for op, err := range map[string]error{
		"load":   func() error { _, err := s.LoadState(); return err }(),
		"update": s.UpdateState(func(*State) error { return nil }),
	} {
		if !errors.Is(err, ErrNewerVersion) || !strings.Contains(err.Error(), "update Exact Keeper") {
			t.Errorf("%s: err = %v, want ErrNewerVersion", op, err)
		}
	}
	if len(*notices) != 0 || readFileT(t, path) != newer || slices.Contains(names(t, s.Dir), "state.json.damaged-20261103T100000Z") {
		t.Errorf("a newer state.json was treated as damage: notices %v, files %v", *notices, names(t, s.Dir))
	}

	// A damaged state.json whose good copy is newer: not downgraded either.
	writeFile(t, path, "garbage")
	writeFile(t, path+".good", newer)
	if err := s.UpdateState(func(*State) error { return nil }); !errors.Is(err, ErrNewerVersion) {
		t.Errorf("UpdateState with a newer good copy: err = %v, want ErrNewerVersion", err)
	}
	if readFileT(t, path) != "garbage" || readFileT(t, path+".good") != newer || len(*notices) != 0 {
		t.Errorf("files were changed: %v", names(t, s.Dir))
	}
}

// A damaged config.json is not recovered from automatically (the user may
// have edited it by hand; going back silently would undo that), but the error
// names the good copy to go back to.
func TestDamagedConfigNamesItsGoodCopy(t *testing.T) {
	s, notices := recordingStore(t)
	if err := s.UpdateConfig(func(c *Config) error { *c = sampleConfig(); return nil }); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(s.Dir, "config.json")
	goodContent := readFileT(t, path+".good")
	const damaged = `{"version": 1, "connections": [{"id": "abc123",`
	writeFile(t, path, damaged)
	load, update := loadAndUpdate(s, "config.json")
	for op, err := range map[string]error{"load": load(), "update": update()} {
		var ce *CorruptError
		if !errors.As(err, &ce) || ce.Path != path || ce.Good != path+".good" {
			t.Fatalf("%s: err = %#v, want a *CorruptError for %s naming its good copy", op, err, path)
		}
		want := path + " is damaged (not valid JSON at byte 47: unexpected end of JSON input): replace it with " + path +
			".good, the copy from its last good save, or move it away to start over; your secrets in the keychain are untouched"
		if err.Error() != want {
			t.Errorf("%s: message\n%q, want\n%q", op, err, want)
		}
	}
	if readFileT(t, path) != damaged || readFileT(t, path+".good") != goodContent || len(*notices) != 0 {
		t.Errorf("the damaged config was touched: files %v, notices %v", names(t, s.Dir), *notices)
	}

	// A good copy that is itself damaged is not offered.
	writeFile(t, path+".good", `{"connections": 5}`)
	var ce *CorruptError
	if _, err := s.LoadConfig(); !errors.As(err, &ce) || ce.Good != "" || strings.Contains(err.Error(), ".good") {
		t.Errorf("LoadConfig with a damaged good copy: err = %v, want no good copy named", err)
	}
}

func TestOversizedFilesAreRefusedUnread(t *testing.T) {
	s := openTemp(t)
	path := filepath.Join(s.Dir, "config.json")
	damageOversized(t, path)
	for op, err := range map[string]error{
		"load":   func() error { _, err := s.LoadConfig(); return err }(),
		"update": s.UpdateConfig(func(*Config) error { return errors.New("fn must not run") }),
	} {
		var ce *CorruptError
		if !errors.As(err, &ce) || ce.Path != path || !errors.Is(err, ErrTooLarge) {
			t.Fatalf("%s: err = %v, want a *CorruptError for %s wrapping ErrTooLarge", op, err, path)
		}
		if want := path + " is damaged (it is larger than 4 MiB, far more than Exact Keeper ever writes): move it away"; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: message %q, want it to start %q", op, err, want)
		}
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != maxFileSize+1 {
		t.Errorf("the oversized config was changed: %v, %v", fi, err)
	}

	// Exactly the limit is still read.
	content := `{"version": 1, "settings": {"language": "nl"}}`
	writeFile(t, path, content+strings.Repeat(" ", maxFileSize-len(content)))
	if c, err := s.LoadConfig(); err != nil || c.Settings.Language != "nl" {
		t.Errorf("LoadConfig of a %d-byte file = %+v, %v", maxFileSize, c.Settings, err)
	}
}

func TestEndlessFileIsRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no /dev/zero")
	}
	// A file with no size to go by, and no end: only a bounded read stops.
	s := openTemp(t)
	if err := os.Symlink("/dev/zero", filepath.Join(s.Dir, "state.json")); err != nil {
		t.Skip(err)
	}
	if _, err := s.LoadState(); !errors.Is(err, ErrTooLarge) {
		t.Errorf("LoadState of /dev/zero: err = %v, want ErrTooLarge", err)
	}
}

// countingReader is an endless reader that counts what was taken from it.
type countingReader struct{ n int64 }

func (r *countingReader) Read(p []byte) (int, error) {
	clear(p)
	r.n += int64(len(p))
	return len(p), nil
}

func TestReadAtMostStopsAfterTheLimit(t *testing.T) {
	r := &countingReader{}
	if _, err := readAtMost(r, 1000); !errors.Is(err, ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
	if r.n != 1001 {
		t.Errorf("read %d bytes of an endless reader, want 1001 (the limit and one more)", r.n)
	}
	data, err := readAtMost(strings.NewReader(strings.Repeat("x", 1000)), 1000)
	if err != nil || len(data) != 1000 {
		t.Errorf("reading exactly the limit = %d bytes, %v", len(data), err)
	}
}

// A write that fails between writing the new content and the rename (a full
// disk, a crash) leaves the old file as it was.
func TestInterruptedWriteKeepsTheOldFile(t *testing.T) {
	s := openTemp(t)
	if err := s.UpdateConfig(func(c *Config) error { *c = sampleConfig(); return nil }); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(s.Dir, "config.json")
	before, beforeGood := readFileT(t, path), readFileT(t, path+".good")

	var tmpContent string
	testHookBeforeRename = func(tmp string) error {
		tmpContent = readFileT(t, tmp)
		return errors.New("injected failure before the rename")
	}
	t.Cleanup(func() { testHookBeforeRename = nil })
	err := s.UpdateConfig(func(c *Config) error { c.Settings.Language = "new"; return nil })
	if err == nil || !strings.Contains(err.Error(), "cannot save "+path+" (injected failure before the rename)") {
		t.Fatalf("UpdateConfig = %v, want the failure naming %s", err, path)
	}
	if !strings.Contains(tmpContent, `"language": "new"`) {
		t.Fatalf("the hook ran before the new content was written: %q", tmpContent)
	}
	if readFileT(t, path) != before || readFileT(t, path+".good") != beforeGood {
		t.Error("a failed write changed config.json or its good copy")
	}
	if got := names(t, s.Dir); !slices.Equal(got, []string{"config.json", "config.json.good", "locks"}) {
		t.Errorf("files in the folder: %v", got)
	}
}

// TestKilledWriterLeavesTheOldFile kills a child process that has written the
// new config.json to its temporary file but not renamed it yet.
func TestKilledWriterLeavesTheOldFile(t *testing.T) {
	s := openTemp(t)
	if err := s.UpdateConfig(func(c *Config) error { *c = sampleConfig(); return nil }); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(s.Dir, "config.json")
	before := readFileT(t, path)

	child := childCmd(s, "crash-before-rename")
	stdin, err := child.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	tmp, ok := strings.CutPrefix(strings.TrimSpace(line), "written ")
	if !ok {
		_ = child.Process.Kill()
		_ = child.Wait()
		t.Fatalf("child said %q, want written <temp file>", line)
	}
	if !strings.Contains(readFileT(t, tmp), `"language": "new"`) {
		t.Errorf("the temporary file does not hold the new content")
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, stdout)
	_ = child.Wait()

	if readFileT(t, path) != before {
		t.Fatal("config.json changed although the writer died before its rename")
	}
	if c, err := s.LoadConfig(); err != nil || c.Settings.Language != "nl" {
		t.Errorf("LoadConfig after the crash = %+v, %v; want the old config", c.Settings, err)
	}
	// The next writer (the crashed one released its lock by dying) cleans up.
	if err := s.UpdateConfig(func(c *Config) error { c.Settings.Language = "en"; return nil }); err != nil {
		t.Fatal(err)
	}
	if got := names(t, s.Dir); !slices.Equal(got, []string{"config.json", "config.json.good", "locks"}) {
		t.Errorf("files in the folder: %v, want no leftover of the crashed write", got)
	}
}

// TestUpgradeFromVersion1 reads config.json and state.json exactly as the
// store wrote them at schema version 1 (testdata/v1, written by the store of
// commit fa8c7e1), and saves them again.
func TestUpgradeFromVersion1(t *testing.T) {
	s := openTemp(t)
	for _, name := range []string{"config.json", "state.json"} {
		writeFile(t, filepath.Join(s.Dir, name), readFileT(t, filepath.Join("testdata", "v1", name)))
	}
	wantConfig := sampleConfig()
	wantConfig.Version = 1
	at := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	wantState := State{
		Version: 1,
		Connections: map[string]ConnState{
			"abc123": {Status: "ok", LastRefresh: at, AccessExpiry: at.Add(10 * time.Minute)},
			"def456": {Status: "retrying", LastRefresh: at.Add(-48 * time.Hour), FailingSince: at.Add(-time.Hour),
				Failures: 3, NextAttempt: at.Add(5 * time.Minute), LastError: "Exact Online did not answer in time."},
			"ghi789": {Status: "needs-attention", LastRefresh: at.Add(-24 * time.Hour), Attention: "secret", LastError: "The client secret was refused."},
		},
	}
	wantReminders := map[string]time.Time{
		"refresh/abc123/168h0m0s": at.Add(720 * time.Hour),
		"delegation/d1/14":        time.Date(2026, 3, 30, 22, 0, 0, 0, time.UTC), // written as +02:00
	}
	check := func(when string) {
		t.Helper()
		c, err := s.LoadConfig()
		if err != nil || !reflect.DeepEqual(c, wantConfig) {
			t.Errorf("%s: LoadConfig = %+v, %v;\nwant %+v", when, c, err, wantConfig)
		}
		st, err := s.LoadState()
		if err != nil {
			t.Fatalf("%s: LoadState: %v", when, err)
		}
		reminders := st.Reminders
		st.Reminders = nil
		if !reflect.DeepEqual(st, wantState) {
			t.Errorf("%s: LoadState = %+v;\nwant %+v", when, st, wantState)
		}
		if len(reminders) != len(wantReminders) {
			t.Errorf("%s: reminders %v, want %v", when, reminders, wantReminders)
		}
		for k, w := range wantReminders {
			if !reminders[k].Equal(w) {
				t.Errorf("%s: reminder %s = %v, want %v", when, k, reminders[k], w)
			}
		}
	}
	check("as written by version 1")

	if err := s.UpdateConfig(func(*Config) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateState(func(*State) error { return nil }); err != nil {
		t.Fatal(err)
	}
	wantConfig.Version, wantState.Version = ConfigVersion, StateVersion
	check("saved again")
	if got := names(t, s.Dir); !slices.Equal(got, savedFiles) {
		t.Errorf("files in the folder: %v, want %v", got, savedFiles)
	}
}
