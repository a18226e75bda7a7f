package keeper

import (
	"errors"
	"strings"
	"testing"

	"github.com/exactkeeper/exactkeeper/core/store"
)

func findEngine(conns ...store.Connection) *engine {
	e := &engine{o: Options{Clock: newFakeClock(t0)}, chains: map[string]*chain{}}
	for _, c := range conns {
		e.chains[c.ID] = &chain{conn: c}
		e.order = append(e.order, c.ID)
	}
	return e
}

// find's quick path (by ID, or by a name only one connection has) keeps
// lookup's rules: an ID beats a name, names match without regard to case
// or surrounding spaces, and a name several connections share is refused.
func TestFindKeepsLookupRules(t *testing.T) {
	e := findEngine(
		store.Connection{ID: "aaa111", Name: "Bakkerij De Jong"},
		store.Connection{ID: "bbb222", Name: "Winkel"},
		store.Connection{ID: "ccc333", Name: "winkel"},
		store.Connection{ID: "ddd444", Name: "aaa111"}, // named like another's ID
	)
	for ask, want := range map[string]string{
		"aaa111":               "aaa111",
		" bbb222 ":             "bbb222",
		"bakkerij de jong":     "aaa111",
		"  Bakkerij De Jong  ": "aaa111",
	} {
		c, err := e.find(ask)
		if err != nil || c.conn.ID != want {
			t.Errorf("find(%q) = %v, %v; want %s", ask, c, err, want)
		}
	}
	for ask, says := range map[string]string{
		"Winkel":   "several connections are named",
		"Slagerij": "no connection named",
		"":         "there are several connections",
	} {
		if c, err := e.find(ask); !errors.Is(err, ErrUnknown) || !strings.Contains(err.Error(), says) {
			t.Errorf("find(%q) = %v, %v; want ErrUnknown saying %q", ask, c, err, says)
		}
	}
	one := findEngine(store.Connection{ID: "only1", Name: "Enige"})
	if c, err := one.find(""); err != nil || c.conn.ID != "only1" {
		t.Errorf("find(\"\") with one connection = %v, %v", c, err)
	}
	if _, err := findEngine().find("x"); !errors.Is(err, ErrNoConnections) {
		t.Errorf("find with no connections = %v, want ErrNoConnections", err)
	}
}
