package remind

import (
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/store"
)

// TestLapseHonoursTheConnectionsLifetime: a connection kept with a refresh
// lifetime of its own (say 10 days, or 180) lapses by that, in Due, in
// Upcoming and through Check's ConnsFrom, not by the 30-day default.
func TestLapseHonoursTheConnectionsLifetime(t *testing.T) {
	loc := amsterdam(t)
	last := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for _, life := range []time.Duration{10 * 24 * time.Hour, 180 * 24 * time.Hour} {
		deadline := last.Add(life)
		c := Conn{ID: "c1", Name: "Bakkerij", Status: "ok", LastRefresh: last, RefreshLifetime: life}
		if got := lapse(c); !got.Equal(deadline) {
			t.Fatalf("lifetime %v: lapse %v, want %v", life, got, deadline)
		}
		r := only(t, Due(deadline.Add(-3*24*time.Hour), []Conn{c}, nil, defaultRules(loc)))
		if r.Threshold != "3d" || !r.Deadline.Equal(deadline) || r.DaysLeft != 3 {
			t.Fatalf("lifetime %v: %s reminder for %v (%d days left), want 3d for %v", life, r.Threshold, r.Deadline, r.DaysLeft, deadline)
		}
		if due := Due(last.Add(20*24*time.Hour), []Conn{c}, nil, defaultRules(loc)); life > 30*24*time.Hour && len(due) != 0 {
			t.Fatalf("lifetime %v: reminded after 20 days: %+v", life, due)
		}
		up := Upcoming(last.Add(time.Hour), []Conn{c}, nil, defaultRules(loc))
		if len(up) != 1 || !up[0].Deadline.Equal(deadline) || !up[0].DueAt.Equal(deadline.Add(-7*24*time.Hour)) {
			t.Fatalf("lifetime %v: upcoming %+v, want the 7d warning before %v", life, up, deadline)
		}

		cfg := store.Config{Connections: []store.Connection{{ID: "c1", Name: "Bakkerij", RefreshLifetime: store.Duration(life)}}}
		st := store.State{Connections: map[string]store.ConnState{"c1": {Status: "ok", LastRefresh: last}}}
		conns := ConnsFrom(cfg, st)
		if len(conns) != 1 || !lapse(conns[0]).Equal(deadline) {
			t.Fatalf("lifetime %v: ConnsFrom gives a lapse at %v, want %v", life, lapse(conns[0]), deadline)
		}
	}
	// Unset, it is the default of 30 days.
	if got := lapse(Conn{LastRefresh: last}); !got.Equal(last.Add(store.DefaultRefreshLifetime)) {
		t.Fatalf("default lapse %v", got)
	}
}
