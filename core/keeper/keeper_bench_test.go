package keeper

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// benchChains is an office's scale (issue 13).
const benchChains = 500

// benchEngine is an engine holding benchChains chains, each refreshed at a
// different moment of the last day with a valid access token in memory:
// the steady state of a keeper between refreshes. Nothing is due.
func benchEngine(now time.Time) *engine {
	clock := newFakeClock(now)
	e := &engine{o: Options{Clock: clock}, ctx: context.Background(), chains: map[string]*chain{}, keepAlive: store.DefaultKeepAlive}
	for i := range benchChains {
		id := fmt.Sprintf("%012x", i)
		last := now.Add(-time.Duration(i) * 24 * time.Hour / benchChains / 2)
		e.chains[id] = &chain{
			conn:   store.Connection{ID: id, Name: fmt.Sprintf("Klant %04d", i), RefreshLifetime: store.Duration(store.DefaultRefreshLifetime)},
			st:     store.ConnState{Status: StatusOK, LastRefresh: last, AccessExpiry: now.Add(5 * time.Minute), APICheck: now.Add(-time.Hour)},
			access: exact.Token{AccessToken: "at-" + id, IssuedAt: now.Add(-5 * time.Minute), Expiry: now.Add(5 * time.Minute)},
		}
		e.order = append(e.order, id)
	}
	return e
}

// BenchmarkCheck500 is one tick of the keeper (every 15 s) with 500
// chains: the plan of every chain, nothing due.
func BenchmarkCheck500(b *testing.B) {
	e := benchEngine(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	for b.Loop() {
		e.check()
	}
	if e.inflight != 0 {
		b.Fatalf("%d visits started, want none", e.inflight)
	}
}

// BenchmarkPlan500 is Plan alone over 500 chains, a keep-alive each.
func BenchmarkPlan500(b *testing.B) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	e := benchEngine(now)
	for b.Loop() {
		for _, id := range e.order {
			c := e.chains[id]
			if Plan(c.st, now, e.keepAlive, c.conn.RefreshLifetimeOr(), c.access).Refresh {
				b.Fatal("a refresh is due")
			}
		}
	}
}

// BenchmarkTokenFromMemory500 is the engine's part of a token asked by
// name with 500 chains: find the chain and hand out the token in memory.
func BenchmarkTokenFromMemory500(b *testing.B) {
	e := benchEngine(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	replies := make(chan reply, 1)
	for b.Loop() {
		e.handle(request{kind: reqToken, name: "Klant 0400", reply: replies})
		if r := <-replies; r.err != nil || r.tok.AccessToken != "at-"+fmt.Sprintf("%012x", 400) {
			b.Fatalf("token %q, %v", r.tok.AccessToken, r.err)
		}
	}
}

// BenchmarkStatus500 is the status the tray asks for on every tick (30 s)
// with 500 chains.
func BenchmarkStatus500(b *testing.B) {
	e := benchEngine(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	for b.Loop() {
		if got := len(e.status()); got != benchChains {
			b.Fatalf("%d statuses, want %d", got, benchChains)
		}
	}
}
