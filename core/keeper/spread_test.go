package keeper

import (
	"fmt"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/vault"
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

// A caller that gave up waiting for Exact's window (its context ended)
// causes no refresh: a call to Exact that nobody would use. A caller still
// waiting does.
func TestAbandonedWaiterCausesNoRefresh(t *testing.T) {
	for _, tt := range []struct {
		name      string
		abandoned bool
		want      int
	}{
		{"abandoned", true, 0},
		{"still waiting", false, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			id := e.connect("Bakkerij")
			// No access token at hand: Exact's window opens only at the
			// remembered expiry.
			_ = e.vault.Delete(vault.AccessTokenKey(id))
			// Refreshed by a keeper before, so its own next refresh is the
			// keep-alive a day later, not the first one.
			st := e.state(id)
			st.Status, st.LastRefresh, st.AccessExpiry = StatusOK, e.clock.Now(), e.clock.Now().Add(lifetime)
			saveState(t, e, id, st)
			e.clock.Advance(time.Minute)
			r := e.start()
			req := request{kind: reqToken, name: "Bakkerij", reply: make(chan reply, 1)}
			if tt.abandoned {
				gone := make(chan struct{})
				close(gone)
				req.gone = gone
			}
			r.reqs <- req
			r.status() // the request is registered
			r.settle() // and the visit it started has found Exact's window closed
			e.clock.Advance(10 * time.Minute)
			e.clock.tick()
			r.settle()
			if n, _ := e.exact.counts(); n != tt.want {
				t.Fatalf("%d refresh calls, want %d", n, tt.want)
			}
			if !tt.abandoned {
				if rep := <-req.reply; rep.err != nil || rep.tok.AccessToken == "" {
					t.Fatalf("the waiting caller got %+v", rep)
				}
			}
		})
	}
}
