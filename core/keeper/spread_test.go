package keeper

import (
	"fmt"
	"testing"
	"time"
)

// A start after a night off with many overdue chains starts at most
// maxBackground of the keeper's own visits per tick, never all at once,
// and catches up with every chain; a program asking for a token meanwhile
// is served at once, outside the cap.
func TestOverdueChainsAreSpreadOverTicks(t *testing.T) {
	e := newEnv(t)
	e.exact.live = map[string]bool{}
	const n = 7
	for i := range n {
		e.exact.mu.Lock()
		e.exact.userID = fmt.Sprintf("user-guid-%d", i) // one Exact user each
		e.exact.mu.Unlock()
		e.connect(fmt.Sprintf("Winkel %d", i))
	}
	e.clock.Advance(25 * time.Hour)
	r := e.start() // its first check
	r.settle()
	if got, _ := e.exact.counts(); got != maxBackground {
		t.Fatalf("%d refreshes after the first check, want %d", got, maxBackground)
	}
	if _, err := r.token("Winkel 6"); err != nil {
		t.Fatalf("a program's token while the catch-up runs: %v", err)
	}
	if got, _ := e.exact.counts(); got != maxBackground+1 {
		t.Fatalf("%d refreshes after a program's ask, want %d", got, maxBackground+1)
	}
	for tick := 1; ; tick++ {
		before, _ := e.exact.counts()
		e.clock.tick()
		r.settle()
		after, _ := e.exact.counts()
		if after-before > maxBackground {
			t.Fatalf("tick %d started %d refreshes, want at most %d", tick, after-before, maxBackground)
		}
		if after == n {
			break
		}
		if tick > n {
			t.Fatalf("only %d of %d chains refreshed after %d ticks", after, n, tick)
		}
	}
	for _, s := range r.status() {
		if s.Status != StatusOK || !s.LastRefresh.Equal(e.clock.Now()) {
			t.Errorf("%s: %s, last refresh %v", s.Name, s.Status, s.LastRefresh)
		}
	}
}
