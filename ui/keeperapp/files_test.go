package keeperapp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/ui/tray"
)

// countingFiles is newFiles over a fresh store whose loads are counted.
func countingFiles(t *testing.T) (*store.Store, *files, *int) {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := newFiles(st)
	loads := 0
	load := f.load
	f.load = func() (store.Config, store.State, error) { loads++; return load() }
	return st, f, &loads
}

// TestFilesReadOnlyWhenChanged: the tray's tick parses config.json and
// state.json only when one of them changed (issue 13: four JSON parses per
// idle tick at 500 connections), and sees every change.
func TestFilesReadOnlyWhenChanged(t *testing.T) {
	st, f, loads := countingFiles(t)
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	read := func(at time.Time, wantLoads int) (store.Config, store.State) {
		t.Helper()
		cfg, state, err := f.read(at)
		if err != nil {
			t.Fatal(err)
		}
		if *loads != wantLoads {
			t.Fatalf("after a read at %s: %d loads, want %d", at.Format(time.TimeOnly), *loads, wantLoads)
		}
		return cfg, state
	}

	read(now, 1) // neither file exists yet
	read(now.Add(30*time.Second), 1)

	if err := st.UpdateConfig(func(c *store.Config) error {
		c.Connections = append(c.Connections, store.Connection{ID: "c1", Name: "Bakkerij De Jong"})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	f.cfgChange = false
	if cfg, _ := read(now.Add(60*time.Second), 2); len(cfg.Connections) != 1 || cfg.Connections[0].Name != "Bakkerij De Jong" {
		t.Fatalf("the new connection was not picked up: %+v", cfg.Connections)
	}
	if !f.cfgChange {
		t.Error("a changed config.json is not flagged for the reminder check")
	}
	for i := range 10 { // idle ticks
		read(now.Add(time.Duration(90+30*i)*time.Second), 2)
	}

	fired := now.Add(-time.Hour)
	if err := st.UpdateState(func(s *store.State) error {
		s.Reminders = map[string]time.Time{"refresh-token:c1:7d": fired}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	f.cfgChange = false
	if _, state := read(now.Add(7*time.Minute), 3); !state.Reminders["refresh-token:c1:7d"].Equal(fired) {
		t.Fatalf("the new state was not picked up: %+v", state.Reminders)
	}
	if f.cfgChange {
		t.Error("only state.json changed, yet the config is flagged as changed")
	}

	// A rewrite with the same size and time stamp still counts: the store
	// replaces the file, so it is another file.
	path := filepath.Join(st.Dir, "state.json")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tmp := path + ".new"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(tmp, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	read(now.Add(8*time.Minute), 4)

	// However quiet, a read is trusted for filesMaxAge at most.
	read(now.Add(8*time.Minute+filesMaxAge), 5)
}

// TestFilesDamagedConfigIsNotKept: a failed read is not cached, so the next
// tick tries again instead of showing nothing for ever.
func TestFilesDamagedConfigIsNotKept(t *testing.T) {
	st, f, loads := countingFiles(t)
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	if err := os.WriteFile(filepath.Join(st.Dir, "config.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, _, err := f.read(now); err == nil {
			t.Fatal("a damaged config.json read without error")
		}
		if *loads != i+1 {
			t.Fatalf("%d loads after %d reads of a damaged file", *loads, i+1)
		}
	}
}

// tick moves the clock to at and lets the tray's ticker tick.
func (h *harness) tick(at time.Time) {
	h.t.Helper()
	h.clock.set(at)
	select {
	case h.clock.ticks <- at:
	case <-time.After(30 * time.Second):
		h.t.Fatal("tick not taken")
	}
}

// menuWith waits for a menu showing sub.
func (h *harness) menuWith(sub string) []tray.Item {
	h.t.Helper()
	for {
		if items := h.host.next(h.t); hasLabel(items, sub) {
			return items
		}
	}
}

func (h *harness) note() note {
	h.t.Helper()
	select {
	case n := <-h.notes:
		return n
	case <-time.After(30 * time.Second):
		h.t.Fatal("no notification")
		return note{}
	}
}

// TestTickKeepsRemindersRight: with the files read only when they change,
// the tray's tick still raises a reminder that came due with the passing
// days, stays quiet when nothing did, and picks up a delegation another
// process added to config.json.
func TestTickKeepsRemindersRight(t *testing.T) {
	i18n.SetLanguage("en")
	t.Cleanup(func() { i18n.SetLanguage("") })
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.Local)
	dir := newHome(t, now) // d1 ends in 5 days
	h := start(t, dir, now)
	h.menuWith("Kantoor Smit")
	if n := h.note(); !strings.Contains(n.title, "Kantoor Smit") {
		t.Fatalf("first notification = %+v", n)
	}
	h.dashboard() // first run: onboarding

	quiet := func(what string) {
		t.Helper()
		// The loop takes the click after the tick's redraw and reminders.
		h.click(tray.IDHelp)
		<-h.browsed
		select {
		case n := <-h.notes:
			t.Errorf("%s: notified %+v", what, n)
		default:
		}
	}
	h.tick(now.Add(trayTick))
	quiet("an idle tick")

	day4 := now.Add(4 * 24 * time.Hour)
	h.tick(day4)
	h.menuWith("delegation ends tomorrow")
	if n := h.note(); !strings.Contains(n.title, "Kantoor Smit") {
		t.Errorf("the 1-day reminder = %+v", n)
	}
	h.tick(day4.Add(trayTick))
	quiet("the tick after the 1-day reminder")

	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	today := store.DateOf(day4.In(time.Local))
	if err := st.UpdateConfig(func(c *store.Config) error {
		c.Delegations = append(c.Delegations, store.Delegation{ID: "d2", Platform: "Yuki", Grantee: "Boekhouder Bos",
			Starts: today.AddDays(-30), Ends: today})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	h.tick(day4.Add(2 * trayTick))
	h.menuWith("Boekhouder Bos")
	if n := h.note(); !strings.Contains(n.title, "Boekhouder Bos") {
		t.Errorf("the new delegation's reminder = %+v", n)
	}
}
