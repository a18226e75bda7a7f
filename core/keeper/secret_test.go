package keeper

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
)

// renewSecret changes the secret Exact accepts, as renewing it in the App
// Center does.
// tokenCalls counts every call of the token endpoint, refused ones too.
func (f *fakeExact) tokenCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *fakeExact) renewSecret(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.secret = s
}

// TestWrongSecretKeepsTheLogin: Exact's bare invalid_client means the
// client secret is wrong, not that the login is lost. The refresh token is
// kept, nothing more is spent against Exact's error budget, and entering
// the secret again mends the chain without a browser login.
func TestWrongSecretKeepsTheLogin(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	rt, _ := StoredRefreshToken(e.vault, id)
	e.exact.renewSecret("renewed-secret-1a2b3c")
	e.clock.Advance(571 * time.Second)

	_, err := Refresh(e.deadline(), e.opts, "Bakkerij")
	if !errors.Is(err, ErrWrongSecret) || errors.Is(err, ErrNeedsReconnect) {
		t.Fatalf("Refresh with a renewed secret = %v; want ErrWrongSecret, not needs-reconnect", e.showErr(err))
	}
	st := e.state(id)
	if st.Status != StatusNeedsAttention || st.Attention != AttentionSecret {
		t.Fatalf("state = %s/%s, want needs-attention/%s", st.Status, st.Attention, AttentionSecret)
	}
	if got, _ := StoredRefreshToken(e.vault, id); got != rt {
		t.Fatal("the refresh token was dropped or replaced after a refused client secret")
	}
	if d := Plan(st, e.clock.Now().Add(48*time.Hour), time.Hour, 0, exact.Token{}); d.Refresh || !d.At.IsZero() {
		t.Errorf("Plan with a refused secret = %+v; want no attempt at all", d)
	}

	// An hour later, token and refresh calls still do not spend anything.
	e.clock.Advance(time.Hour)
	for range 3 {
		if _, err := Token(e.deadline(), e.opts, "Bakkerij"); !errors.Is(err, ErrWrongSecret) {
			t.Fatalf("Token = %v, want ErrWrongSecret", e.showErr(err))
		}
	}
	if n := e.exact.tokenCalls(); n != 2 {
		t.Fatalf("Exact's token endpoint was called %d times, want 2: the login and the one refused refresh", n)
	}

	// The owner enters the new secret: no browser login, the same chain.
	if _, err := SetClientSecret(context.Background(), e.opts, "Bakkerij", "  "); err == nil {
		t.Error("an empty client secret was accepted")
	}
	if _, err := SetClientSecret(context.Background(), e.opts, "Bakkerij", "renewed-secret-1a2b3c"); err != nil {
		t.Fatalf("SetClientSecret: %v", err)
	}
	tok, err := Refresh(e.deadline(), e.opts, "Bakkerij")
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("Refresh after the new secret = %v", e.showErr(err))
	}
	if st := e.state(id); st.Status != StatusOK || st.Attention != "" {
		t.Errorf("state after the new secret = %s/%s, want ok", st.Status, st.Attention)
	}
	if _, ex := e.exact.counts(); ex != 1 {
		t.Errorf("%d code exchanges, want only the first login's", ex)
	}
}

// TestEngineWaitsForTheSecret: the running keeper makes no attempt while
// the secret is refused, and takes up the chain once another process
// (the CLI or the dashboard) saved a new one and asked it to reload.
func TestEngineWaitsForTheSecret(t *testing.T) {
	e := newEnv(t)
	e.connect("Bakkerij")
	e.exact.renewSecret("renewed-secret-1a2b3c")
	r := e.start()
	e.clock.Advance(25 * time.Hour) // the keep-alive is due
	e.clock.tick()
	if ev := r.waitStatus(StatusNeedsAttention); ev.Message == "" {
		t.Fatal("no message with the needs-attention event")
	}
	if s := r.status(); s[0].Attention != AttentionSecret || !s[0].NextRefresh.IsZero() {
		t.Fatalf("status = %+v, want attention %q and no next refresh", s[0], AttentionSecret)
	}
	for range 5 {
		e.clock.Advance(time.Hour)
		e.clock.tick()
	}
	r.status()
	if n := e.exact.tokenCalls(); n != 2 {
		t.Fatalf("Exact's token endpoint was called %d times, want 2: the login and one refused keep-alive", n)
	}
	if _, err := r.token("Bakkerij"); !errors.Is(err, ErrWrongSecret) {
		t.Fatalf("token while the secret is refused = %v", err)
	}

	if _, err := SetClientSecret(context.Background(), e.options(), "Bakkerij", "renewed-secret-1a2b3c"); err != nil {
		t.Fatal(err)
	}
	if err := r.Reload(e.deadline()); err != nil {
		t.Fatal(err)
	}
	if err := r.Refresh(e.deadline(), "Bakkerij"); err != nil {
		t.Fatalf("refresh after the new secret: %v", e.showErr(err))
	}
	if s := r.status(); s[0].Status != StatusOK {
		t.Errorf("status after the new secret = %s, want ok", s[0].Status)
	}
}

// TestClockSetBackDoesNotHandOutStaleTokens: after the wall clock went back
// three hours, the cached token's expiry (on this clock) says "valid for
// three more hours", while Exact, on its own clock, refuses it. It is not
// handed out; one refresh is tried instead.
func TestClockSetBackDoesNotHandOutStaleTokens(t *testing.T) {
	e := newEnv(t)
	e.connect("Bakkerij")
	first, err := Token(context.Background(), e.opts, "Bakkerij")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Set(t0.Add(-3 * time.Hour))
	calls := e.exact.tokenCalls()
	tok, _ := Token(context.Background(), e.opts, "Bakkerij")
	if tok.AccessToken == first.AccessToken {
		t.Fatal("the token issued 'in the future' was handed out after the clock went back")
	}
	if n := e.exact.tokenCalls() - calls; n != 1 {
		t.Errorf("%d token calls after the clock went back, want exactly one try", n)
	}
	if u := usable(first, t0.Add(-time.Minute)); u {
		t.Error("usable() accepts a token issued after now")
	}
	// Exact's window opens (the fake Exact shares the test's clock, so
	// move past its last issue): the next try succeeds, and that token is
	// handed out from then on, not hidden behind the one issued "in the
	// future" of the clock that was set back... and then forward again.
	e.clock.Set(t0.Add(lifetime))
	second, err := Token(context.Background(), e.opts, "Bakkerij")
	if err != nil || second.AccessToken == first.AccessToken {
		t.Fatalf("Token once Exact allows it = %v (same token: %v)", err, second.AccessToken == first.AccessToken)
	}
	calls = e.exact.tokenCalls()
	third, err := Token(context.Background(), e.opts, "Bakkerij")
	if err != nil || third.AccessToken != second.AccessToken || e.exact.tokenCalls() != calls {
		t.Errorf("the new token was not handed out from the cache (err %v, calls %d)", err, e.exact.tokenCalls()-calls)
	}
}
