package keeper

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/vault"
)

func TestTokenServedFromMemory(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	r := e.start()
	first, err := r.token("Bakkerij")
	if err != nil || first == "" {
		t.Fatalf("Token: %q, %v", first, err)
	}
	// With the keychain gone the engine must still answer from memory.
	e.vault.SetErr(vault.ErrUnavailable)
	e.clock.Advance(5 * time.Minute)
	again, err := r.token(id)
	if err != nil || again != first {
		t.Fatalf("second Token = %q, %v; want the same token from memory", again, err)
	}
	if n, _ := e.exact.counts(); n != 0 {
		t.Fatalf("%d refresh calls for a token that was still valid", n)
	}
}

func TestTokenInsideWindowRefreshesOnce(t *testing.T) {
	e := newEnv(t)
	e.connect("Bakkerij")
	r := e.start()
	old, _ := r.token("Bakkerij")
	e.clock.Advance(575 * time.Second) // inside the last 30 s
	tok, err := r.Token(e.deadline(), "Bakkerij")
	if err != nil || tok.AccessToken == old {
		t.Fatalf("Token inside the window = %v; want a new token", err)
	}
	if left := tok.Expiry.Sub(e.clock.Now()); left <= 30*time.Second {
		t.Fatalf("handed out a token with only %v left", left)
	}
	r.wait(EventRefreshed)
	if n, _ := e.exact.counts(); n != 1 {
		t.Fatalf("%d refresh calls, want 1", n)
	}
}

func TestConcurrentTokensShareOneRefresh(t *testing.T) {
	e := newEnv(t)
	e.connect("Bakkerij")
	e.clock.Advance(11 * time.Minute) // the access token has expired
	e.exact.gate = make(chan struct{})
	e.exact.entered = make(chan struct{}, 100)
	r := e.start()

	const n = 20
	var wg sync.WaitGroup
	toks := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			toks[i], errs[i] = r.token("Bakkerij")
		}()
	}
	<-e.exact.entered // one refresh is in flight; the rest queue behind it
	r.status()
	close(e.exact.gate)
	wg.Wait()
	for i := range n {
		if errs[i] != nil || toks[i] == "" || toks[i] != toks[0] {
			t.Fatalf("caller %d got %q, %v; want the one new token", i, toks[i], errs[i])
		}
	}
	if got, _ := e.exact.counts(); got != 1 {
		t.Fatalf("%d refresh calls for %d concurrent requests, want 1", got, n)
	}
}

func TestTransientThenRetrySucceeds(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	e.clock.Advance(11 * time.Minute)
	e.exact.fault("500-after-rotate")
	r := e.start()
	tok, err := r.token("Bakkerij")
	if err != nil || tok == "" {
		t.Fatalf("Token after a lost answer: %v", err)
	}
	if n, _ := e.exact.counts(); n != 2 {
		t.Fatalf("%d refresh calls, want 2 (the attempt and one retry with the same token)", n)
	}
	if rt, _ := StoredRefreshToken(e.vault, id); rt != e.exact.currentRT() {
		t.Fatal("the vault does not hold Exact's current refresh token")
	}
	if st := e.state(id); st.Status != StatusOK || st.Failures != 0 || !st.LastRefresh.Equal(e.clock.Now()) {
		t.Fatalf("state %+v, want ok refreshed now", st)
	}
}

func TestTransientFailureBacksOff(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	e.clock.Advance(25 * time.Hour) // keep-alive due
	e.exact.fault("503", "503")
	r := e.start() // the first check finds the overdue keep-alive
	ev := r.wait(EventFailed)
	if !strings.Contains(ev.Message, "Bakkerij") || !strings.Contains(ev.Message, "will retry at 10:02") {
		t.Fatalf("failure message %q", ev.Message)
	}
	st := e.state(id)
	if st.Status != StatusFailing || st.Failures != 1 || !st.FailingSince.Equal(e.clock.Now()) ||
		!st.NextAttempt.Equal(e.clock.Now().Add(2*time.Minute)) {
		t.Fatalf("state %+v", st)
	}
	// Ticks before the retry time cost nothing, nor do token requests.
	e.clock.Advance(time.Minute)
	e.clock.tick()
	if _, err := r.token("Bakkerij"); err == nil || !strings.Contains(err.Error(), "will retry") {
		t.Fatalf("Token while backing off: %v", err)
	}
	if n, _ := e.exact.counts(); n != 2 {
		t.Fatalf("%d refresh calls, want 2 (attempt and one retry)", n)
	}
	e.clock.Advance(time.Minute)
	e.clock.tick()
	r.wait(EventRefreshed)
	if st := e.state(id); st.Status != StatusOK || !st.FailingSince.IsZero() || st.LastError != "" {
		t.Fatalf("state after recovery %+v", st)
	}
}

func TestNeedsReconnectStopsAttempts(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	e.clock.Advance(25 * time.Hour)
	e.exact.fault("old")
	r := e.start()
	ev := r.wait(EventStateChanged)
	if ev.Status != StatusNeedsReconnect || !strings.Contains(ev.Message, "Bakkerij needs reconnecting") {
		t.Fatalf("event %+v", ev)
	}
	for range 3 {
		e.clock.Advance(24 * time.Hour)
		e.clock.tick()
		if _, err := r.token("Bakkerij"); !errors.Is(err, ErrNeedsReconnect) {
			t.Fatalf("Token = %v, want ErrNeedsReconnect", err)
		}
		if err := r.Refresh(e.deadline(), "Bakkerij"); !errors.Is(err, ErrNeedsReconnect) {
			t.Fatalf("Refresh = %v, want ErrNeedsReconnect", err)
		}
	}
	changes := 0
	for _, ev := range r.drain() {
		if ev.Kind == EventStateChanged {
			changes++
		}
	}
	if changes != 0 {
		t.Fatalf("%d more state-changed events, want exactly one in all", changes)
	}
	if n, _ := e.exact.counts(); n != 1 {
		t.Fatalf("%d refresh calls, want 1 (no retry of a dead chain)", n)
	}
	for _, key := range []string{vault.ChainKey(id), vault.ClientSecretKey(id)} {
		if _, err := e.vault.Get(key); err != nil {
			t.Fatalf("%s deleted: %v", key, err)
		}
	}

	// Reconnecting (from another process) and reloading mends it.
	if _, err := Complete(context.Background(), e.options(), ConnectRequest{ExistingID: id, BaseURL: e.url, ClientID: "app-1",
		ClientSecret: clientSecret}, "code-ok", ""); err != nil {
		t.Fatal(err)
	}
	if err := r.Reload(e.deadline()); err != nil {
		t.Fatal(err)
	}
	r.waitStatus(StatusOK)
	if _, err := r.token("Bakkerij"); err != nil {
		t.Fatalf("Token after reconnect: %v", err)
	}
}

func TestVaultWriteFailureKeepsNewToken(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	oldRT, _ := StoredRefreshToken(e.vault, id)
	e.clock.Advance(11 * time.Minute)
	r := e.start()
	e.vault.setFailing(true)

	_, err := r.token("Bakkerij")
	if err == nil || !strings.Contains(err.Error(), "cannot write to the keychain") {
		t.Fatalf("Token with a read-only keychain = %v", err)
	}
	r.visit() // the one behind Token
	if st := r.status()[0]; st.Status != StatusFailing || !strings.Contains(st.LastError, "keychain") {
		t.Fatalf("status %+v", st)
	}
	if rt, _ := StoredRefreshToken(e.vault, id); rt != oldRT {
		t.Fatal("the vault changed although it refused")
	}
	// Ticks retry the save without asking Exact again.
	for range 3 {
		e.clock.Advance(15 * time.Second)
		e.clock.tick()
		r.visit()
	}
	if rt, _ := StoredRefreshToken(e.vault, id); rt != oldRT {
		t.Fatal("the vault changed although it refused")
	}
	e.vault.setFailing(false)
	e.clock.tick()
	r.waitStatus(StatusOK)
	if rt, _ := StoredRefreshToken(e.vault, id); rt != e.exact.currentRT() {
		t.Fatal("the new refresh token was not saved once the keychain worked")
	}
	if _, err := r.token("Bakkerij"); err != nil {
		t.Fatalf("Token after the save: %v", err)
	}
	if n, _ := e.exact.counts(); n != 1 {
		t.Fatalf("%d refresh calls, want 1: the kept token, never the old one", n)
	}
	if st := e.state(id); st.Status != StatusOK {
		t.Fatalf("state %+v", st)
	}
}

func TestTooEarlyAnswerDoesNotStorm(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	// Forget the access token and its times, as if another installation
	// held a newer one.
	_ = e.vault.Delete(vault.AccessTokenKey(id))
	rt, _ := StoredRefreshToken(e.vault, id)
	_ = e.vault.Set(vault.ChainKey(id), chainItem{RT: rt}.encode())
	st := e.state(id)
	st.AccessExpiry, st.LastRefresh = st.AccessExpiry.Add(-time.Hour), st.LastRefresh.Add(-25*time.Hour)
	saveState(t, e, id, st)
	r := e.start()
	ev := r.wait(EventFailed)
	if !strings.Contains(ev.Message, "too early") {
		t.Fatalf("message %q", ev.Message)
	}
	next := e.state(id).NextAttempt
	if !next.After(e.clock.Now()) {
		t.Fatalf("next attempt %v is not later", next)
	}
	for range 5 {
		e.clock.Advance(5 * time.Second)
		e.clock.tick()
	}
	r.status()
	if n, _ := e.exact.counts(); n != 1 {
		t.Fatalf("%d refresh calls, want 1 (no retry before %v)", n, next)
	}
}

func TestRateLimitedWaits(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	e.clock.Advance(25 * time.Hour)
	e.exact.fault("429")
	r := e.start()
	r.wait(EventFailed)
	st := e.state(id)
	if st.Status != StatusFailing || !st.NextAttempt.Equal(e.clock.Now().Add(2*time.Minute)) {
		t.Fatalf("state %+v, want a retry after Retry-After", st)
	}
	if n, _ := e.exact.counts(); n != 1 {
		t.Fatalf("%d calls, want 1: no immediate retry when rate-limited", n)
	}
}

func TestWallClockJumps(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	r := e.start()
	// Backward: no refresh, however many ticks.
	e.clock.Advance(-3 * time.Hour)
	for range 3 {
		e.clock.tick()
	}
	r.status()
	if n, _ := e.exact.counts(); n != 0 {
		t.Fatalf("%d refreshes after the clock went back", n)
	}
	// Forward, as after three days of sleep: the first tick acts.
	e.clock.Set(t0.Add(72 * time.Hour))
	e.clock.tick()
	r.wait(EventRefreshed)
	if st := e.state(id); !st.LastRefresh.Equal(t0.Add(72 * time.Hour)) {
		t.Fatalf("state %+v", st)
	}
	e.clock.tick()
	r.status()
	if n, _ := e.exact.counts(); n != 1 {
		t.Fatalf("%d refreshes, want 1", n)
	}
}

func TestReloadPicksUpConnections(t *testing.T) {
	e := newEnv(t)
	r := e.start()
	if _, err := r.token(""); !errors.Is(err, ErrNoConnections) {
		t.Fatalf("Token without connections = %v", err)
	}
	id := e.connect("Bakkerij") // as if by another process
	if _, err := r.token("Bakkerij"); err != nil {
		t.Fatalf("Token for a connection added elsewhere: %v", err)
	}
	if ev := r.wait(EventConfigChanged); !strings.Contains(ev.Message, "added Bakkerij") {
		t.Fatalf("event %+v", ev)
	}
	if err := Disconnect(context.Background(), e.options(), id); err != nil {
		t.Fatal(err)
	}
	if err := r.Reload(e.deadline()); err != nil {
		t.Fatal(err)
	}
	if ev := r.wait(EventConfigChanged); !strings.Contains(ev.Message, "removed Bakkerij") {
		t.Fatalf("event %+v", ev)
	}
	if _, err := r.token("Bakkerij"); !errors.Is(err, ErrNoConnections) {
		t.Fatalf("Token after removal = %v", err)
	}
}

func TestSlowSubscriberDoesNotBlock(t *testing.T) {
	e := newEnv(t)
	e.connect("Bakkerij")
	k, err := New(e.opts)
	if err != nil {
		t.Fatal(err)
	}
	never, unsub := k.Subscribe(1) // never read
	defer unsub()
	for range 5 {
		k.publish(Event{Kind: EventRefreshed})
	}
	if len(never) != 1 {
		t.Fatalf("buffer holds %d events, want 1", len(never))
	}
	unsub()
	if _, open := <-never; !open {
		t.Fatal("the buffered event was lost")
	}
	if _, open := <-never; open {
		t.Fatal("channel not closed by unsubscribe")
	}
}

func TestStoppedKeeperAnswers(t *testing.T) {
	e := newEnv(t)
	e.connect("Bakkerij")
	k, err := New(e.opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := k.Run(ctx); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if _, err := k.Token(context.Background(), "Bakkerij"); !errors.Is(err, errStopped) {
		t.Fatalf("Token after Run = %v", err)
	}
	if err := k.Run(context.Background()); err == nil {
		t.Fatal("second Run accepted")
	}
}

func TestEngineNoticesRemovalElsewhere(t *testing.T) {
	e := newEnv(t)
	e.connect("Bakkerij")
	r := e.start()
	if err := Disconnect(context.Background(), e.options(), "Bakkerij"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(11 * time.Minute)
	if _, err := r.token("Bakkerij"); !errors.Is(err, ErrUnknown) {
		t.Fatalf("Token of a connection removed elsewhere = %v", err)
	}
	if ev := r.wait(EventConfigChanged); !strings.Contains(ev.Message, "removed Bakkerij") {
		t.Fatalf("event %+v", ev)
	}
	if st := r.status(); len(st) != 0 {
		t.Fatalf("status %+v", st)
	}
}
