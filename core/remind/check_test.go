package remind

import (
	"strings"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/store"
)

// openStore opens a fresh store, as a new process would after a restart.
func openStore(t *testing.T, dir string) *store.Store {
	t.Helper()
	s, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func keys(rs []Reminder) string {
	var k []string
	for _, r := range rs {
		k = append(k, r.Key)
	}
	return strings.Join(k, " ")
}

func TestCheckPersistsAcrossRestarts(t *testing.T) {
	loc := amsterdam(t)
	dir := t.TempDir()
	last := at(loc, "2026-11-02 10:00")
	s := openStore(t, dir)
	err := s.UpdateConfig(func(c *store.Config) error {
		c.Connections = []store.Connection{
			{ID: "c1", Name: "Bakkerij", RefreshLifetime: store.Duration(720 * time.Hour)},
			{ID: "c2", Name: "Never refreshed", Created: at(loc, "2026-11-01 10:00")},
		}
		c.Delegations = []store.Delegation{{ID: "d1", Platform: "P", Grantee: "G", Ends: date("2026-12-06")}}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	setLast := func(tm time.Time) {
		t.Helper()
		err := s.UpdateState(func(st *store.State) error {
			if st.Connections == nil {
				st.Connections = map[string]store.ConnState{}
			}
			st.Connections["c1"] = store.ConnState{Status: "ok", LastRefresh: tm}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	setLast(last)

	// The PC was off for weeks: one reminder per subject.
	now := at(loc, "2026-11-30 12:00")
	got, err := Check(s, now, loc)
	if err != nil {
		t.Fatal(err)
	}
	if want := "refresh-token:c2:1d refresh-token:c1:3d delegation:d1:7d"; keys(got) != want {
		t.Fatalf("first Check: %s, want %s", keys(got), want)
	}

	// Restart: a new Store on the same directory remembers.
	s = openStore(t, dir)
	if got, err := Check(s, now.Add(time.Minute), loc); err != nil || len(got) != 0 {
		t.Fatalf("second Check repeated %s (err %v)", keys(got), err)
	}
	st, err := s.LoadState()
	if err != nil {
		t.Fatal(err)
	}
	if st.Connections["c1"].LastRefresh.IsZero() {
		t.Error("Check lost the keeper's connection state")
	}
	if _, ok := st.Reminders["delegation:d1:14d"]; !ok {
		t.Errorf("missed lesser threshold not recorded: %v", st.Reminders)
	}

	// A refresh moves the deadline: re-armed, but nothing is due right after it.
	setLast(now)
	if got, err := Check(s, now.Add(2*time.Minute), loc); err != nil || keys(got) != "" {
		t.Fatalf("right after a refresh: %s (err %v)", keys(got), err)
	}
	// A refresh that moves the deadline only a little, with the threshold
	// still passed, warns again for the new deadline.
	setLast(last.Add(time.Hour))
	if got, err := Check(s, now.Add(3*time.Minute), loc); err != nil || keys(got) != "refresh-token:c1:3d" {
		t.Fatalf("moved deadline: %s (err %v), want refresh-token:c1:3d re-armed", keys(got), err)
	}

	// Removing a delegation forgets its reminders.
	if err := s.UpdateConfig(func(c *store.Config) error { return Remove(c, "d1") }); err != nil {
		t.Fatal(err)
	}
	if _, err := Check(s, now.Add(4*time.Minute), loc); err != nil {
		t.Fatal(err)
	}
	st, err = s.LoadState()
	if err != nil {
		t.Fatal(err)
	}
	for k := range st.Reminders {
		if strings.HasPrefix(k, "delegation:d1:") {
			t.Errorf("reminder %s of a removed delegation kept", k)
		}
	}
}

func TestConnsFrom(t *testing.T) {
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	refreshed := created.Add(48 * time.Hour)
	cfg := store.Config{Connections: []store.Connection{
		{ID: "a", Name: "A", Created: created, RefreshLifetime: store.Duration(24 * time.Hour)},
		{ID: "b", Name: "B", Created: created},
	}}
	st := store.State{Connections: map[string]store.ConnState{"a": {Status: "needs-reconnect", LastRefresh: refreshed}}}
	got := ConnsFrom(cfg, st)
	want := []Conn{
		{ID: "a", Name: "A", Status: "needs-reconnect", LastRefresh: refreshed, RefreshLifetime: 24 * time.Hour},
		{ID: "b", Name: "B", LastRefresh: created, RefreshLifetime: 720 * time.Hour},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("conn %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}
