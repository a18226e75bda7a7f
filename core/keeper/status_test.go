package keeper

import (
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
)

// TestEngineStatusIsStatusOf: the engine describes a chain as StatusOf
// does, except that its next refresh is planned with the access token it
// holds (Exact's window is exact then), not the remembered expiry.
func TestEngineStatusIsStatusOf(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	e := benchEngine(now)
	c := e.chains[e.order[7]]
	c.st.LastRefresh = now.Add(-25 * time.Hour) // keep-alive overdue
	c.st.AccessExpiry = now.Add(time.Hour)      // the remembered expiry would wait for it
	c.access = exact.Token{AccessToken: "at", IssuedAt: now.Add(-9 * time.Minute), Expiry: now.Add(time.Minute)}
	c.st.LastError, c.localErr = "", "could not take the refresh lock"

	got := e.status()[7]
	want := StatusOf(c.conn, c.st, e.keepAlive, now)
	if !want.NextRefresh.Equal(c.st.AccessExpiry) {
		t.Fatalf("StatusOf plans %s, the test wants it to wait for the remembered expiry %s", want.NextRefresh, c.st.AccessExpiry)
	}
	want.NextRefresh = Plan(c.st, now, e.keepAlive, c.conn.RefreshLifetimeOr(), c.access).At
	want.LastError = c.localErr
	if !want.NextRefresh.Before(c.st.AccessExpiry) {
		t.Fatalf("with the token at hand the plan is %s, not before the remembered expiry", want.NextRefresh)
	}
	if got != want {
		t.Errorf("engine status\n%+v\nwant\n%+v", got, want)
	}
}
