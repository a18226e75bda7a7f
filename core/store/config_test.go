package store

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestConnectionLookup(t *testing.T) {
	c := Config{Connections: []Connection{
		{ID: "id1", Name: "Bakkerij"},
		{ID: "id2", Name: "Kapsalon"},
		{ID: "id3", Name: "kapsalon"},
		{ID: "Bakkerij2", Name: "id1"}, // a name that is another's ID: the ID wins
	}}
	tests := []struct {
		query  string
		wantID string
		err    error
		says   string
	}{
		{"id1", "id1", nil, ""},
		{"bakkerij", "id1", nil, ""},
		{"BAKKERIJ", "id1", nil, ""},
		{"Bakkerij2", "Bakkerij2", nil, ""},
		{"kapsalon", "", ErrAmbiguousConnection, "use the ID instead, one of id2, id3"},
		{"ID2", "", ErrNoSuchConnection, `no such connection "ID2": use one of "Bakkerij", "Kapsalon", "kapsalon", "id1"`},
		{"", "", ErrNoSuchConnection, `no such connection ""`},
	}
	for _, tt := range tests {
		got, err := c.Connection(tt.query)
		if tt.err != nil {
			if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("Connection(%q): err = %v, want %v saying %q", tt.query, err, tt.err, tt.says)
			}
			continue
		}
		if err != nil || got.ID != tt.wantID {
			t.Errorf("Connection(%q) = %+v, %v; want %s", tt.query, got, err, tt.wantID)
		}
	}

	// The result points into the config, so edits stick.
	got, _ := c.Connection("id2")
	got.Division = 42
	if c.Connections[1].Division != 42 {
		t.Error("editing the found connection did not change the config")
	}

	var empty Config
	if _, err := empty.Connection("x"); !errors.Is(err, ErrNoSuchConnection) || !strings.Contains(err.Error(), "no connections yet") {
		t.Errorf("empty config: err = %v", err)
	}
}

func TestUpsertAndRemove(t *testing.T) {
	var c Config
	c.UpsertConnection(Connection{ID: "a", Name: "A"})
	c.UpsertConnection(Connection{ID: "b", Name: "B"})
	c.UpsertConnection(Connection{ID: "a", Name: "A2"})
	if len(c.Connections) != 2 || c.Connections[0].Name != "A2" {
		t.Errorf("after upserts: %+v", c.Connections)
	}
	if !c.RemoveConnection("a") || c.RemoveConnection("a") || len(c.Connections) != 1 || c.Connections[0].ID != "b" {
		t.Errorf("after removing a: %+v", c.Connections)
	}

	c.UpsertDelegation(Delegation{ID: "d", Platform: "P"})
	c.UpsertDelegation(Delegation{ID: "d", Platform: "Q"})
	if d := c.Delegation("d"); d == nil || d.Platform != "Q" || len(c.Delegations) != 1 {
		t.Errorf("after delegation upserts: %+v", c.Delegations)
	}
	if c.Delegation("x") != nil {
		t.Error("Delegation of an unknown ID is not nil")
	}
	if !c.RemoveDelegation("d") || c.RemoveDelegation("d") || len(c.Delegations) != 0 {
		t.Errorf("after removing d: %+v", c.Delegations)
	}
}

func TestDefaultsForZeroValues(t *testing.T) {
	var zero Settings
	if got := zero.KeepAliveOr(); got != DefaultKeepAlive {
		t.Errorf("KeepAliveOr = %v", got)
	}
	if got := zero.RefreshWarningsOr(); !slices.Equal(got, DefaultRefreshWarnings) {
		t.Errorf("RefreshWarningsOr = %v", got)
	}
	if got := zero.DelegationWarnDaysOr(); !slices.Equal(got, DefaultDelegationWarnDays) {
		t.Errorf("DelegationWarnDaysOr = %v", got)
	}
	if got := (Connection{}).RefreshLifetimeOr(); got != DefaultRefreshLifetime {
		t.Errorf("RefreshLifetimeOr = %v", got)
	}
	// The defaults are handed out as copies.
	zero.RefreshWarningsOr()[0] = 0
	zero.DelegationWarnDaysOr()[0] = 99
	if DefaultRefreshWarnings[0] == 0 || DefaultDelegationWarnDays[0] == 99 {
		t.Error("a caller changed the package defaults")
	}

	set := Settings{
		KeepAlive:          Duration(time.Hour),
		RefreshWarnings:    []Duration{Duration(2 * time.Hour)},
		DelegationWarnDays: []int{3},
	}
	if set.KeepAliveOr() != time.Hour || !slices.Equal(set.RefreshWarningsOr(), []time.Duration{2 * time.Hour}) ||
		!slices.Equal(set.DelegationWarnDaysOr(), []int{3}) {
		t.Errorf("set values not used: %v %v %v", set.KeepAliveOr(), set.RefreshWarningsOr(), set.DelegationWarnDaysOr())
	}
	if got := (Connection{RefreshLifetime: Duration(time.Hour)}).RefreshLifetimeOr(); got != time.Hour {
		t.Errorf("RefreshLifetimeOr = %v, want 1h", got)
	}
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := NewID()
		if !regexp.MustCompile(`^[0-9a-f]{12}$`).MatchString(id) {
			t.Fatalf("NewID() = %q, want 12 hex characters", id)
		}
		if seen[id] {
			t.Fatalf("NewID() repeated %q", id)
		}
		seen[id] = true
	}
}

func TestDefaultDir(t *testing.T) {
	home := t.TempDir()
	t.Setenv("EXACTKEEPER_HOME", home)
	if got, err := DefaultDir(); err != nil || got != home {
		t.Errorf("with EXACTKEEPER_HOME: DefaultDir = %q, %v; want %q", got, err, home)
	}

	t.Chdir(home)
	t.Setenv("EXACTKEEPER_HOME", "rel")
	if got, err := DefaultDir(); err != nil || got != filepath.Join(home, "rel") {
		t.Errorf("with a relative EXACTKEEPER_HOME: DefaultDir = %q, %v; want it absolute", got, err)
	}

	t.Setenv("EXACTKEEPER_HOME", "")
	if runtime.GOOS == "linux" {
		t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "xdg"))
	}
	base, err := os.UserConfigDir()
	if err != nil {
		t.Skip("no user config dir here:", err)
	}
	if got, err := DefaultDir(); err != nil || got != filepath.Join(base, "exactkeeper") {
		t.Errorf("without EXACTKEEPER_HOME: DefaultDir = %q, %v; want %q", got, err, filepath.Join(base, "exactkeeper"))
	}
}
