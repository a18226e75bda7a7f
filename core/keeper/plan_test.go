package keeper

import (
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/store"
)

func TestPlan(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	// tokenAt is a 600 s access token issued at t: refresh allowed from t+570s.
	tokenAt := func(t time.Time) exact.Token {
		return exact.Token{AccessToken: "at", IssuedAt: t, Expiry: t.Add(10 * time.Minute)}
	}
	okAt := func(t time.Time) store.ConnState {
		return store.ConnState{Status: StatusOK, LastRefresh: t, AccessExpiry: t.Add(10 * time.Minute)}
	}
	tests := []struct {
		name      string
		st        store.ConnState
		now       time.Time
		keepAlive time.Duration
		lifetime  time.Duration
		access    exact.Token
		refresh   bool
		at        time.Time // when refresh is false; zero: never
	}{
		{name: "ordinary day: keep-alive not yet due", st: okAt(t0), now: t0.Add(10 * time.Hour), access: tokenAt(t0),
			at: t0.Add(day)},
		{name: "keep-alive due", st: okAt(t0), now: t0.Add(day), access: tokenAt(t0), refresh: true},
		{name: "PC asleep for 3 days", st: okAt(t0), now: t0.Add(3 * day), access: tokenAt(t0), refresh: true},
		{name: "wall clock jumped forward past the deadline", st: okAt(t0), now: t0.Add(day + time.Hour), refresh: true},
		{name: "wall clock jumped back: no early refresh", st: okAt(t0), now: t0.Add(-2 * time.Hour), access: tokenAt(t0),
			at: t0.Add(day)},
		// Set back before the token's issue time, the clock cannot judge
		// Exact's window: the keep-alive goes ahead as planned, and a
		// too-early answer would wait a whole lifetime.
		{name: "wall clock jumped back before the token's issue: the keep-alive as planned", st: okAt(t0.Add(-day)),
			now: t0.Add(-time.Minute), access: tokenAt(t0), at: t0},
		{name: "29 days offline: at once, before the lapse", st: okAt(t0), now: t0.Add(29 * day), access: tokenAt(t0), refresh: true},
		{name: "31 days offline: still try, Exact decides", st: okAt(t0), now: t0.Add(31 * day), access: tokenAt(t0), refresh: true},
		{name: "access token still valid: wait for the window", st: okAt(t0.Add(-2 * day)), now: t0.Add(time.Minute),
			access: tokenAt(t0), at: t0.Add(570 * time.Second)},
		{name: "inside the window: refresh", st: okAt(t0.Add(-2 * day)), now: t0.Add(580 * time.Second), access: tokenAt(t0),
			refresh: true},
		{name: "no token at hand, remembered expiry ahead: wait for it", st: store.ConnState{Status: StatusOK,
			LastRefresh: t0.Add(-2 * day), AccessExpiry: t0.Add(5 * time.Minute)}, now: t0, at: t0.Add(5 * time.Minute)},
		{name: "never refreshed, nothing known: at once", st: store.ConnState{}, now: t0, refresh: true},
		{name: "too-early answer: not before the expiry", st: store.ConnState{Status: StatusOK, LastRefresh: t0.Add(-2 * day),
			NextAttempt: t0.Add(10 * time.Minute), LastError: "too early"}, now: t0.Add(time.Second), at: t0.Add(10 * time.Minute)},
		{name: "too-early answer: at the expiry", st: store.ConnState{Status: StatusOK, LastRefresh: t0.Add(-2 * day),
			NextAttempt: t0.Add(10 * time.Minute)}, now: t0.Add(10 * time.Minute), refresh: true},
		{name: "backoff: waiting for the first retry", st: store.ConnState{Status: StatusFailing, LastRefresh: t0.Add(-day),
			Failures: 1, FailingSince: t0, NextAttempt: t0.Add(2 * time.Minute)}, now: t0.Add(time.Minute), at: t0.Add(2 * time.Minute)},
		{name: "backoff: third retry due", st: store.ConnState{Status: StatusFailing, LastRefresh: t0.Add(-day),
			Failures: 3, FailingSince: t0, NextAttempt: t0.Add(22 * time.Minute)}, now: t0.Add(22 * time.Minute), refresh: true},
		{name: "failure on a demand refresh: retry comes before the keep-alive", st: store.ConnState{Status: StatusFailing,
			LastRefresh: t0.Add(-time.Hour), Failures: 1, NextAttempt: t0.Add(2 * time.Minute)}, now: t0, at: t0.Add(2 * time.Minute)},
		{name: "needs reconnect: never", st: store.ConnState{Status: StatusNeedsReconnect, LastRefresh: t0.Add(-40 * day)},
			now: t0},
		{name: "keep-alive not below the lifetime: half of it", st: okAt(t0), now: t0.Add(25 * time.Hour),
			keepAlive: 72 * time.Hour, lifetime: 48 * time.Hour, refresh: true},
		{name: "keep-alive shorter than the lifetime: as set", st: okAt(t0), now: t0.Add(25 * time.Hour),
			keepAlive: 36 * time.Hour, lifetime: 48 * time.Hour, at: t0.Add(36 * time.Hour)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			keepAlive, lifetime := tc.keepAlive, tc.lifetime
			if keepAlive == 0 {
				keepAlive = store.DefaultKeepAlive
			}
			if lifetime == 0 {
				lifetime = store.DefaultRefreshLifetime
			}
			d := Plan(tc.st, tc.now, keepAlive, lifetime, tc.access)
			if d.Refresh != tc.refresh {
				t.Fatalf("Refresh = %v (%s), want %v", d.Refresh, d.Reason, tc.refresh)
			}
			if d.Reason == "" {
				t.Error("Reason is empty")
			}
			if d.Refresh {
				if !d.At.Equal(tc.now) {
					t.Errorf("At = %v, want now %v", d.At, tc.now)
				}
				if known(tc.access) && tc.now.Before(tc.access.RefreshAllowedAt()) {
					t.Errorf("refresh before Exact allows it (%v)", tc.access.RefreshAllowedAt())
				}
				return
			}
			if !d.At.Equal(tc.at) {
				t.Errorf("At = %v (%s), want %v", d.At, d.Reason, tc.at)
			}
		})
	}
}

// The keep-alive keeps the lapse far away: at 29 days the chain is still
// alive when the overdue refresh fires.
func TestPlanBeforeLapse(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	st := store.ConnState{Status: StatusOK, LastRefresh: t0}
	now := t0.Add(29 * 24 * time.Hour)
	if d := Plan(st, now, store.DefaultKeepAlive, store.DefaultRefreshLifetime, exact.Token{}); !d.Refresh {
		t.Fatalf("no refresh after 29 days: %+v", d)
	}
	if lapse := st.LastRefresh.Add(store.DefaultRefreshLifetime); !now.Before(lapse) {
		t.Fatalf("29 days is not before the lapse %v", lapse)
	}
}

func TestBackoffSteps(t *testing.T) {
	if _, err := (Options{Store: &store.Store{}}).withDefaults(); err == nil {
		t.Fatal("options without a vault were accepted")
	}
	o := Options{Backoff: DefaultBackoff}
	want := []time.Duration{2 * time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, time.Hour, time.Hour}
	for i, w := range want {
		if got := o.backoff(i + 1); got != w {
			t.Errorf("backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
}

// Each failed round is two token calls (the attempt and its one retry); the
// default backoff must keep any hour at 10 calls or fewer.
func TestDefaultBackoffWithinErrorBudget(t *testing.T) {
	o := Options{Backoff: DefaultBackoff}
	var rounds []time.Duration
	at := time.Duration(0)
	for n := 1; at < 24*time.Hour; n++ {
		rounds = append(rounds, at)
		at += o.backoff(n)
	}
	for i, start := range rounds {
		calls := 0
		for _, r := range rounds[i:] {
			if r < start+time.Hour {
				calls += 2
			}
		}
		if calls > 10 {
			t.Fatalf("%d token calls in the hour from %v", calls, start)
		}
	}
}

func TestStatusOf(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	c := store.Connection{ID: "id1", Name: "Bakkerij", Region: "nl", BaseURL: "https://start.exactonline.nl",
		RefreshLifetime: store.Duration(240 * time.Hour), User: store.User{UserName: "jan", FullName: "Jan", Email: "j@x"}, Division: 7}
	tests := []struct {
		name       string
		st         store.ConnState
		status     string
		lapses     time.Time
		next       time.Time
		lastErrSet bool
	}{
		{name: "new", st: store.ConnState{}, status: StatusNew, next: t0},
		{name: "ok", st: store.ConnState{Status: StatusOK, LastRefresh: t0, AccessExpiry: t0.Add(10 * time.Minute)},
			status: StatusOK, lapses: t0.Add(240 * time.Hour), next: t0.Add(24 * time.Hour)},
		{name: "failing", st: store.ConnState{Status: StatusFailing, LastRefresh: t0.Add(-time.Hour), Failures: 2,
			FailingSince: t0.Add(-time.Minute), NextAttempt: t0.Add(5 * time.Minute), LastError: "down"},
			status: StatusFailing, lapses: t0.Add(239 * time.Hour), next: t0.Add(5 * time.Minute), lastErrSet: true},
		{name: "needs reconnect", st: store.ConnState{Status: StatusNeedsReconnect, LastRefresh: t0.Add(-time.Hour), LastError: "dead"},
			status: StatusNeedsReconnect, lapses: t0.Add(239 * time.Hour), lastErrSet: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := StatusOf(c, tc.st, store.DefaultKeepAlive, t0)
			if s.Status != tc.status || !s.LapsesAt.Equal(tc.lapses) || !s.NextRefresh.Equal(tc.next) {
				t.Errorf("got status %q lapses %v next %v; want %q %v %v", s.Status, s.LapsesAt, s.NextRefresh, tc.status, tc.lapses, tc.next)
			}
			if s.ID != "id1" || s.Name != "Bakkerij" || s.UserName != "jan" || s.Division != 7 || s.Region != "nl" {
				t.Errorf("connection fields not copied: %+v", s)
			}
			if (s.LastError != "") != tc.lastErrSet {
				t.Errorf("LastError = %q", s.LastError)
			}
		})
	}
}
