package keeper

import (
	"context"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
)

// A refresh whose visit outlasted half the new token's life (a very slow
// keychain, or the bench's 720-fold time) still answers the requests that
// waited for it with that token: it is the freshest Exact gives, and
// looking again would wait for Exact's window and refresh again, for ever
// while visits stay that slow, answering no one (issue 13's "connection in
// use" rows). A token that expired during the visit is not handed out.
func TestSlowRefreshStillAnswersItsWaiters(t *testing.T) {
	for _, tt := range []struct {
		name     string
		left     time.Duration // of the new token's life when the visit ends
		answered bool
	}{
		{"under the margin", 5 * time.Second, true},
		{"expired during the visit", -time.Second, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t)
			id := env.connect("Bakkerij")
			k, err := New(env.options())
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			e := &engine{k: k, o: k.o, ctx: ctx, chains: map[string]*chain{}, results: make(chan jobDone, 1), wake: make(chan string, 1)}
			if err := e.reload(); err != nil {
				t.Fatal(err)
			}
			c := e.chains[id]
			now := env.clock.Now()
			tok := exact.Token{AccessToken: "at-fresh", IssuedAt: now.Add(-lifetime + tt.left), Expiry: now.Add(tt.left)}
			if usable(tok, now) {
				t.Fatalf("the test's token is usable; it must be under the hand-out margin")
			}
			w := request{kind: reqToken, name: "Bakkerij", reply: make(chan reply, 1)}
			c.busy, c.waiters = true, []request{w}
			e.inflight = 1
			st := c.st
			st.Status, st.LastRefresh, st.AccessExpiry = StatusOK, tok.IssuedAt, tok.Expiry
			e.finish(jobDone{id: id, v: visit{conn: c.conn, st: st, access: tok, refreshed: true}})
			select {
			case rep := <-w.reply:
				if !tt.answered {
					t.Fatalf("answered with %+v, want the request looked at again", rep)
				}
				if rep.err != nil || rep.tok.AccessToken != "at-fresh" {
					t.Fatalf("answer %+v, want the fresh token", rep)
				}
			default:
				if tt.answered {
					t.Fatal("the waiter got no answer: the keeper would look again and refresh once more")
				}
				if !c.busy && len(c.waiters) == 0 {
					t.Fatal("the waiter was dropped")
				}
			}
		})
	}
}
