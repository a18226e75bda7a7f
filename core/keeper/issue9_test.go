package keeper

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

// --- 1. Too-early storm -------------------------------------------------

// TestTooEarlyAfterUnseenTokenWaitsALifetime: Exact issued an access token
// the keeper never saw, just now. The keeper's keep-alive meets "too
// early"; the next attempt must wait until that unseen token surely allows
// a refresh (570 s of 600 s), so at most one more too-early call comes
// before the next success, never 19 (one every 30 s).
func TestTooEarlyAfterUnseenTokenWaitsALifetime(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	r := e.start()
	e.clock.Advance(25 * time.Hour) // the keep-alive is due, our token long expired
	e.exact.issuedUnseen(e.clock.Now())
	first := e.clock.Now()
	for range 20 * 4 { // 20 minutes, a tick every 15 s
		e.clock.tick()
		r.settle()
		e.clock.Advance(15 * time.Second)
	}
	answers := e.exact.refreshAnswers()
	early, ok := 0, false
	for _, a := range answers {
		if a.status == 200 {
			ok = true
			break
		}
		if a.early {
			early++
		}
	}
	if !ok {
		t.Fatalf("no successful refresh in 20 minutes: %+v", answers)
	}
	if early < 1 || early > 2 {
		t.Fatalf("%d too-early answers before the next success, want 1 (at most 2): %+v", early, answers)
	}
	if !answers[0].at.Equal(first) {
		t.Fatalf("the first attempt came at %v, want %v", answers[0].at, first)
	}
	if answers[1].at.Before(first.Add(570 * time.Second)) {
		t.Fatalf("the second attempt came %v after the refusal, want at least 570 s", answers[1].at.Sub(first))
	}
	if st := e.state(id); st.Status != StatusOK {
		t.Fatalf("state after the wait %+v", st)
	}
}

// TestTooEarlyScalesWithTheLifetime: the wait after a too-early answer is
// the lifetime less Exact's window, for the token at hand's own lifetime.
func TestTooEarlyScalesWithTheLifetime(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	e.clock.Advance(11 * time.Minute)
	e.exact.fault("too-early")
	_, err := Token(e.deadline(), e.opts, "Bakkerij")
	if err == nil || !strings.Contains(err.Error(), "too early") {
		t.Fatalf("Token = %v, want a too-early error", e.showErr(err))
	}
	e.show(err.Error())
	if got, want := e.state(id).NextAttempt, e.clock.Now().Add(570*time.Second); !got.Equal(want) {
		t.Fatalf("next attempt %v, want %v (now + 600 s - 30 s)", got, want)
	}
}

// --- 2. Exact's error budget --------------------------------------------

// TestErrorBudgetPausesBackgroundAttempts: refusals (4xx) of the token
// endpoint while the engine retries by itself stop at 8 in any hour, and
// the state says until when; Exact's limit is 10.
func TestErrorBudgetPausesBackgroundAttempts(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	r := e.start()
	e.clock.Advance(25 * time.Hour) // keep-alive due: 10:00 the next day
	start := e.clock.Now()
	faults := make([]string, 40)
	for i := range faults {
		faults[i] = "400"
	}
	e.exact.fault(faults...)
	for range 59 {
		e.clock.tick()
		r.settle()
		e.clock.Advance(time.Minute)
	}
	refused := 0
	for _, a := range e.exact.refreshAnswers() {
		if a.status >= 400 && a.status < 500 && a.at.Before(start.Add(time.Hour)) {
			refused++
		}
	}
	if refused != backgroundErrorLimit {
		t.Fatalf("%d refused token calls in the first hour, want %d (Exact blocks the app after 10)", refused, backgroundErrorLimit)
	}
	st := e.state(id)
	if st.Status != StatusPaused || !strings.Contains(st.LastError, "paused until 11:00 to stay within Exact's limits") {
		t.Fatalf("state %s %q, want paused until 11:00", st.Status, st.LastError)
	}
	if len(st.TokenErrors) != backgroundErrorLimit {
		t.Fatalf("state.json records %d errors, want %d", len(st.TokenErrors), backgroundErrorLimit)
	}
	if s := r.status()[0]; s.Status != StatusPaused || !s.NextRefresh.Equal(start.Add(time.Hour)) {
		t.Fatalf("status %s next %v, want paused until %v", s.Status, s.NextRefresh, start.Add(time.Hour))
	}
	if ev := r.waitStatus(StatusPaused); !strings.Contains(ev.Message, "Bakkerij") || !strings.Contains(ev.Message, "paused until 11:00 to stay within Exact's limits") {
		t.Fatalf("event %q", ev.Message)
	}
	// Token requests do not spend the reserve either.
	if _, err := r.token("Bakkerij"); err == nil || !strings.Contains(err.Error(), "to stay within Exact's limits") {
		t.Fatalf("Token while paused = %v", err)
	}
	r.settle()
	if n := len(e.exact.refreshAnswers()); n != backgroundErrorLimit {
		t.Fatalf("%d token calls, want %d", n, backgroundErrorLimit)
	}
}

// pauseWith records n refusals in the last hour in state.json, as other
// processes would have, and lets the access token expire.
func pauseWith(t *testing.T, e *env, id string, n int) time.Time {
	t.Helper()
	e.clock.Advance(11 * time.Minute)
	now := e.clock.Now()
	st := e.state(id)
	st.TokenErrors = nil
	for i := range n {
		st.TokenErrors = append(st.TokenErrors, now.Add(-50*time.Minute+time.Duration(i)*time.Minute))
	}
	saveState(t, e, id, st)
	return st.TokenErrors[0]
}

// TestOnlyTheOwnerSpendsTheReserve: with 8 refusals in the hour, one-shot
// Token and Refresh calls make no call and show the pause; RefreshNow, the
// owner's own "refresh now", may; at 10 not even that.
func TestOnlyTheOwnerSpendsTheReserve(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	oldest := pauseWith(t, e, id, 8)
	free := oldest.Add(time.Hour)
	for _, call := range []func(context.Context, Options, string) (exact.Token, error){Token, Refresh} {
		_, err := call(e.deadline(), e.options(), "Bakkerij")
		want := "Bakkerij: paused until " + free.Format("15:04") + " to stay within Exact's limits"
		if err == nil || err.Error() != want {
			t.Fatalf("background call = %v, want %q", e.showErr(err), want)
		}
		e.show(err.Error())
	}
	if n, _ := e.exact.counts(); n != 0 {
		t.Fatalf("%d refresh calls while paused", n)
	}
	st := e.state(id)
	if st.Status != StatusPaused || st.LastError != pausedText(free, e.clock.Now()) {
		t.Fatalf("state %s %q", st.Status, st.LastError)
	}
	if d := Plan(st, e.clock.Now(), time.Minute, 0, exact.Token{}); d.Refresh || !d.At.Equal(free) {
		t.Fatalf("Plan while paused = %+v, want the pause's end %v", d, free)
	}
	if s := StatusOf(store.Connection{ID: id}, st, time.Minute, e.clock.Now()); s.Status != StatusPaused || !s.NextRefresh.Equal(free) {
		t.Fatalf("StatusOf = %s next %v", s.Status, s.NextRefresh)
	}

	tok, err := RefreshNow(e.deadline(), e.options(), "Bakkerij")
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("RefreshNow while paused = %v", e.showErr(err))
	}
	if st := e.state(id); st.Status != StatusOK || len(st.TokenErrors) != 8 {
		t.Fatalf("state after RefreshNow %s with %d errors, want ok and the 8 kept", st.Status, len(st.TokenErrors))
	}

	// At 10, Exact's own limit, nothing is sent at all.
	e2 := newEnv(t)
	id2 := e2.connect("Slagerij")
	pauseWith(t, e2, id2, 10)
	if _, err := RefreshNow(e2.deadline(), e2.opts, "Slagerij"); err == nil || !strings.Contains(err.Error(), "to stay within Exact's limits") {
		t.Fatalf("RefreshNow at 10 errors = %v", e2.showErr(err))
	}
	if n, _ := e2.exact.counts(); n != 0 {
		t.Fatalf("%d refresh calls at Exact's limit", n)
	}
}

// TestEngineRefreshSpendsTheReserve: the running keeper's Refresh (the
// CLI's refresh and the dashboard's Refresh now, over IPC) may spend the
// reserve; its Token may not.
func TestEngineRefreshSpendsTheReserve(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	pauseWith(t, e, id, 9)
	r := e.start()
	if _, err := r.token("Bakkerij"); err == nil || !strings.Contains(err.Error(), "to stay within Exact's limits") {
		t.Fatalf("Token while paused = %v", err)
	}
	if n, _ := e.exact.counts(); n != 0 {
		t.Fatalf("%d refresh calls for a Token while paused", n)
	}
	if err := r.refresh("Bakkerij"); err != nil {
		t.Fatalf("Refresh while paused = %v", err)
	}
	if n, _ := e.exact.counts(); n != 1 {
		t.Fatalf("%d refresh calls for the owner's Refresh, want 1", n)
	}
	if _, err := r.token("Bakkerij"); err != nil {
		t.Fatalf("Token after the refresh = %v", err)
	}
}

// TestBudgetFreeAt: the pause lasts until fewer than the limit count: with
// n errors that is when the (n-limit+1)-th oldest leaves the hour.
func TestBudgetFreeAt(t *testing.T) {
	var errs []time.Time
	for i := range 10 {
		errs = append(errs, t0.Add(time.Duration(i)*time.Minute))
	}
	now := t0.Add(15 * time.Minute)
	for _, tc := range []struct {
		n, limit int
		want     time.Time
	}{
		{7, 8, time.Time{}},
		{8, 8, t0.Add(time.Hour)},
		{9, 8, t0.Add(time.Hour + time.Minute)},
		{10, 8, t0.Add(time.Hour + 2*time.Minute)},
		{9, 10, time.Time{}},
		{10, 10, t0.Add(time.Hour)},
	} {
		if got := budgetFreeAt(errs[:tc.n], now, tc.limit); !got.Equal(tc.want) {
			t.Errorf("%d errors, limit %d: free at %v, want %v", tc.n, tc.limit, got, tc.want)
		}
	}
	if got := budgetFreeAt(errs, t0.Add(time.Hour+time.Minute), 8); !got.Equal(t0.Add(time.Hour + 2*time.Minute)) {
		t.Errorf("after the oldest left: free at %v", got)
	}
}

// TestNoRetryPastTheBudget: the immediate retry after an unclear refusal
// is not made when it could be the error that pauses the chain.
func TestNoRetryPastTheBudget(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	pauseWith(t, e, id, 6)
	e.exact.fault("400", "400")
	if _, err := Token(e.deadline(), e.opts, "Bakkerij"); err == nil {
		t.Fatal("Token succeeded on a refusal")
	}
	if n, _ := e.exact.counts(); n != 2 {
		t.Fatalf("%d calls with 6 errors spent, want 2 (the attempt and its retry)", n)
	}
	e2 := newEnv(t)
	id2 := e2.connect("Slagerij")
	pauseWith(t, e2, id2, 7)
	e2.exact.fault("400", "400")
	_, err := Token(e2.deadline(), e2.opts, "Slagerij")
	if err == nil || !strings.Contains(err.Error(), "to stay within Exact's limits") {
		t.Fatalf("Token = %v, want the pause", e2.showErr(err))
	}
	e2.show(err.Error())
	if n, _ := e2.exact.counts(); n != 1 {
		t.Fatalf("%d calls with 7 errors spent, want 1: no retry past the 8th", n)
	}
	if st := e2.state(id2); st.Status != StatusPaused || len(st.TokenErrors) != 8 {
		t.Fatalf("state %s with %d errors, want paused with 8", st.Status, len(st.TokenErrors))
	}
}

// TestErrorBudgetIsSharedOnDisk: errors that two processes record are
// merged in state.json, never lost by one overwriting the other.
func TestErrorBudgetIsSharedOnDisk(t *testing.T) {
	now := t0
	a := []time.Time{now.Add(-30 * time.Minute), now.Add(-5 * time.Minute), now.Add(-5 * time.Minute)}
	b := []time.Time{now.Add(-30 * time.Minute), now.Add(-time.Minute), now.Add(-2 * time.Hour)}
	got := mergeErrors(a, b, now)
	if len(got) != 4 || !got[0].Equal(now.Add(-30*time.Minute)) || !got[3].Equal(now.Add(-time.Minute)) {
		t.Fatalf("merge = %v, want the 4 distinct errors of the last hour", got)
	}
	if again := mergeErrors(got, got, now); len(again) != 4 {
		t.Fatalf("merging a record with itself counted %d", len(again))
	}
	var many []time.Time
	for i := range 15 {
		many = append(many, now.Add(-time.Duration(i)*time.Minute))
	}
	if kept := recentErrors(many, now); len(kept) != errorLimit || !kept[len(kept)-1].Equal(now) {
		t.Fatalf("kept %d errors, want the %d newest", len(kept), errorLimit)
	}

	e := newEnv(t)
	id := e.connect("Bakkerij")
	st := e.state(id)
	st.TokenErrors = []time.Time{e.clock.Now().Add(-time.Minute)}
	saveState(t, e, id, st)
	// Another process's save that knows nothing of that error keeps it.
	mine := e.state(id)
	mine.TokenErrors = []time.Time{e.clock.Now()}
	save(e.options(), store.Connection{ID: id, Name: "Bakkerij"}, mine)
	if got := e.state(id).TokenErrors; len(got) != 2 {
		t.Fatalf("state.json holds %v, want both errors", got)
	}
}

// --- 3. Slow token calls and Exact's busy hour --------------------------

// TestTokenCallsAreGivenTime: the keeper's token calls get at least 120 s
// even through an HTTP client that would give up after 30 s.
func TestTokenCallsAreGivenTime(t *testing.T) {
	e := newEnv(t)
	e.connect("Bakkerij")
	e.clock.Advance(11 * time.Minute)
	var mu sync.Mutex
	var left []time.Duration
	base := e.srv.Client().Transport
	o := e.options()
	o.HTTP = &http.Client{Timeout: 30 * time.Second, Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		if d, ok := r.Context().Deadline(); ok {
			mu.Lock()
			left = append(left, time.Until(d))
			mu.Unlock()
		}
		return base.RoundTrip(r)
	})}
	if _, err := Token(e.deadline(), o, "Bakkerij"); err != nil {
		t.Fatal(e.showErr(err))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(left) != 1 {
		t.Fatalf("%d token calls seen, want 1", len(left))
	}
	if left[0] < 140*time.Second {
		t.Fatalf("the token call could take only %v, want at least 120 s (about 150 s)", left[0])
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// inBusyHour reports whether t is within 01:00-02:00 Amsterdam time.
func inBusyHour(t time.Time) bool {
	h := t.In(amsterdam()).Hour()
	return h == 1
}

// TestKeepAliveAvoidsBusyHour: whenever a keep-alive falls due, on an
// ordinary day and on both DST change days of 2026, Plan never refreshes
// inside 01:00-02:00 Amsterdam time, nor plans one there, and moves those
// to the hour's end.
func TestKeepAliveAvoidsBusyHour(t *testing.T) {
	if amsterdam().String() != "Europe/Amsterdam" {
		t.Fatalf("zone %q: the embedded tzdata was not used", amsterdam())
	}
	ams := amsterdam()
	for _, day := range []time.Time{
		time.Date(2026, 3, 2, 0, 0, 0, 0, ams),   // an ordinary Monday
		time.Date(2026, 3, 29, 0, 0, 0, 0, ams),  // clocks go forward at 02:00
		time.Date(2026, 10, 25, 0, 0, 0, 0, ams), // clocks go back at 03:00
	} {
		for now := day.Add(-time.Hour); now.Before(day.Add(26 * time.Hour)); now = now.Add(time.Minute) {
			due := store.ConnState{Status: StatusOK, LastRefresh: now.Add(-24 * time.Hour), AccessExpiry: now.Add(-24*time.Hour + 10*time.Minute)}
			d := Plan(due, now, 24*time.Hour, 0, exact.Token{})
			switch {
			case d.Refresh && inBusyHour(now):
				t.Fatalf("%s: keep-alive refreshes at %s Amsterdam time", day.Format("2006-01-02"), now.In(ams).Format("15:04"))
			case !d.Refresh && !inBusyHour(now):
				t.Fatalf("%s: an overdue keep-alive waits at %s (%s)", day.Format("2006-01-02"), now.In(ams).Format("15:04"), d.Reason)
			case !d.Refresh:
				y, m, dd := now.In(ams).Date()
				if end := time.Date(y, m, dd, 1, 0, 0, 0, ams).Add(time.Hour); !d.At.Equal(end) || end.In(ams).Minute() != 0 {
					t.Fatalf("%s %s: planned at %v, want the busy hour's end %v", day.Format("2006-01-02"), now.In(ams).Format("15:04"), d.At.In(ams), end.In(ams))
				}
			}
			ahead := store.ConnState{Status: StatusOK, LastRefresh: now.Add(-20 * time.Hour)}
			if d := Plan(ahead, now, 24*time.Hour, 0, exact.Token{}); d.Refresh || inBusyHour(d.At) {
				t.Fatalf("%s: a keep-alive planned at %s Amsterdam time", day.Format("2006-01-02"), d.At.In(ams).Format("15:04"))
			}
		}
	}
	// Near the lapse the keep-alive goes ahead, busy hour or not.
	now := time.Date(2026, 3, 2, 1, 30, 0, 0, ams)
	st := store.ConnState{Status: StatusOK, LastRefresh: now.Add(-47*time.Hour - 45*time.Minute)}
	if d := Plan(st, now, 24*time.Hour, 48*time.Hour, exact.Token{}); !d.Refresh {
		t.Fatalf("15 minutes before the lapse the keep-alive waits: %+v", d)
	}
}

// TestEngineKeepAliveAcrossBusyHour: the engine, ticking every 5 minutes
// through the DST days of 2026 with keep-alives due at 01:30 Amsterdam
// time, calls Exact only after 02:00.
func TestEngineKeepAliveAcrossBusyHour(t *testing.T) {
	ams := amsterdam()
	for _, day := range []time.Time{time.Date(2026, 3, 29, 0, 0, 0, 0, ams), time.Date(2026, 10, 25, 0, 0, 0, 0, ams)} {
		t.Run(day.Format("2006-01-02"), func(t *testing.T) {
			e := newEnv(t)
			id := e.connect("Bakkerij")
			due := time.Date(day.Year(), day.Month(), day.Day(), 1, 30, 0, 0, ams)
			st := e.state(id)
			st.LastRefresh, st.AccessExpiry = due.Add(-24*time.Hour), due.Add(-24*time.Hour+10*time.Minute)
			saveState(t, e, id, st)
			e.clock.Set(day.Add(-time.Hour))
			r := e.start()
			for e.clock.Now().Before(day.Add(24 * time.Hour)) {
				e.clock.tick()
				r.settle()
				e.clock.Advance(5 * time.Minute)
			}
			answers := e.exact.refreshAnswers()
			if len(answers) == 0 {
				t.Fatal("no keep-alive all day")
			}
			for _, a := range answers {
				if inBusyHour(a.at) {
					t.Fatalf("Exact called at %s Amsterdam time", a.at.In(ams).Format("15:04"))
				}
			}
			if first := answers[0].at; first.Sub(due) > 35*time.Minute || first.Before(due) {
				t.Fatalf("the keep-alive came at %s, want right after the busy hour", first.In(ams).Format("15:04"))
			}
		})
	}
}

// --- 4. Keychain outages -------------------------------------------------

// TestKeychainOutageLeavesNoBackoff: three calls while the keychain does
// not answer fail with a keychain sentence and leave state.json alone; the
// very next call after it is back refreshes.
func TestKeychainOutageLeavesNoBackoff(t *testing.T) {
	for _, engine := range []bool{false, true} {
		name := "one-shot"
		if engine {
			name = "engine"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			id := e.connect("Bakkerij")
			before := e.state(id)
			e.clock.Advance(11 * time.Minute)
			var get func() (exact.Token, error)
			if engine {
				r := e.start()
				get = func() (exact.Token, error) { return r.Token(e.deadline(), "Bakkerij") }
			} else {
				get = func() (exact.Token, error) { return Token(e.deadline(), e.options(), "Bakkerij") }
			}
			e.vault.SetErr(vault.ErrUnavailable)
			for i := range 3 {
				_, err := get()
				if err == nil || !strings.Contains(err.Error(), "keychain") {
					t.Fatalf("call %d with the keychain away = %v", i, err)
				}
				e.show(err.Error())
			}
			st := e.state(id)
			if st.Failures != 0 || !st.NextAttempt.IsZero() || st.Status != before.Status || st.LastError != "" {
				t.Fatalf("state.json after a keychain outage %+v; want it untouched", st)
			}
			e.vault.SetErr(nil)
			tok, err := get()
			if err != nil || tok.AccessToken == "" {
				t.Fatalf("the first call after the keychain is back = %v", e.showErr(err))
			}
			if n, _ := e.exact.counts(); n != 1 {
				t.Fatalf("%d refresh calls, want 1", n)
			}
		})
	}
}

// --- 5. Another program or PC on the same login --------------------------

// TestTooEarlyFromElsewhereIsNamed: our last token expired, we issued
// nothing since, and Exact says too early: someone else refreshes this
// login, and the state says so.
func TestTooEarlyFromElsewhereIsNamed(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	e.clock.Advance(15 * time.Minute)
	e.exact.issuedUnseen(e.clock.Now().Add(-time.Minute))
	_, err := Token(e.deadline(), e.opts, "Bakkerij")
	if err == nil || !strings.Contains(err.Error(), sharedLogin) {
		t.Fatalf("Token = %v, want %q", e.showErr(err), sharedLogin)
	}
	e.show(err.Error())
	if st := e.state(id); !strings.Contains(st.LastError, sharedLogin) {
		t.Fatalf("LastError %q", st.LastError)
	}

	// After a failure of our own (a lost answer, perhaps) it is not said.
	e2 := newEnv(t)
	id2 := e2.connect("Slagerij")
	e2.clock.Advance(15 * time.Minute)
	st := e2.state(id2)
	st.Status, st.Failures, st.FailingSince = StatusFailing, 1, e2.clock.Now().Add(-5*time.Minute)
	saveState(t, e2, id2, st)
	e2.exact.issuedUnseen(e2.clock.Now().Add(-time.Minute))
	_, err = Token(e2.deadline(), e2.opts, "Slagerij")
	if err == nil || !strings.Contains(err.Error(), "too early") || strings.Contains(err.Error(), "another program") {
		t.Fatalf("Token after our own failure = %v", e2.showErr(err))
	}
	e2.show(err.Error())
}

// TestOldTokenAfterOwnRefreshIsNamed: right after our own successful
// refresh, Exact calls the refresh token we got old: another installation
// started a chain of its own. A lost answer of ours is not blamed on it.
func TestOldTokenAfterOwnRefreshIsNamed(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	e.clock.Advance(11 * time.Minute)
	if _, err := Token(e.deadline(), e.opts, "Bakkerij"); err != nil {
		t.Fatal(e.showErr(err))
	}
	e.exact.mu.Lock()
	e.exact.current = e.exact.newToken("rt") // a login elsewhere
	e.exact.mu.Unlock()
	e.clock.Advance(11 * time.Minute)
	_, err := Token(e.deadline(), e.opts, "Bakkerij")
	if !errors.Is(err, ErrNeedsReconnect) || !strings.Contains(err.Error(), sharedLogin) {
		t.Fatalf("Token = %v, want needs reconnect saying %q", e.showErr(err), sharedLogin)
	}
	e.show(err.Error())
	if st := e.state(id); !strings.Contains(st.LastError, sharedLogin) {
		t.Fatalf("LastError %q", st.LastError)
	}

	e2 := newEnv(t)
	e2.connect("Slagerij")
	e2.clock.Advance(11 * time.Minute)
	e2.exact.fault("500-after-rotate", "old")
	_, err = Token(e2.deadline(), e2.opts, "Slagerij")
	if !errors.Is(err, ErrNeedsReconnect) || strings.Contains(err.Error(), "another program") {
		t.Fatalf("Token after a lost answer = %v", e2.showErr(err))
	}
	e2.show(err.Error())
}

// copyConfig makes a second configuration folder from e's, as a copied or
// restored folder would be, and Options for it on the same keychain.
func copyConfig(t *testing.T, e *env) Options {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"config.json", "state.json"} {
		b, err := os.ReadFile(filepath.Join(e.dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	o := e.opts
	o.Store = st
	return o
}

// TestChainLockSharedAcrossConfigCopies: two configuration folders with
// the same connection (a copy, a restored backup) share one keychain item,
// so they share its lock: while one holds it, the other sends nothing.
func TestChainLockSharedAcrossConfigCopies(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	other := copyConfig(t, e)
	e.clock.Advance(11 * time.Minute)

	unlock, err := e.opts.lockChain(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	// A bound for the wait, not a synchronisation: the lock is held.
	gone, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = Token(gone, other, "Bakkerij")
	if err == nil || !strings.Contains(err.Error(), "refresh lock") {
		t.Fatalf("Token from the copy while the chain is locked = %v", e.showErr(err))
	}
	e.show(err.Error())
	if n, _ := e.exact.counts(); n != 0 {
		t.Fatalf("the copy refreshed %d times under the other's lock", n)
	}
	unlock()

	// Both at once: one refresh, both get its token.
	e.exact.gate = make(chan struct{})
	e.exact.entered = make(chan struct{}, 10)
	toks, errs := make([]string, 2), make([]error, 2)
	var wg sync.WaitGroup
	for i, o := range []Options{e.options(), other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := Token(e.deadline(), o, "Bakkerij")
			toks[i], errs[i] = tok.AccessToken, e.showErr(err)
		}()
	}
	recv(t, e.exact.entered, "refresh call")
	close(e.exact.gate)
	wg.Wait()
	if errs[0] != nil || errs[1] != nil || toks[0] != toks[1] {
		t.Fatalf("tokens %q, errors %v; want one shared token", toks, errs)
	}
	if n, _ := e.exact.counts(); n != 1 {
		t.Fatalf("%d refreshes from two copies, want 1", n)
	}

	// The default lock folder is the same for every configuration folder.
	a, _ := Options{Store: e.opts.Store, Vault: e.vault}.withDefaults()
	b, _ := Options{Store: other.Store, Vault: e.vault}.withDefaults()
	if a.LockDir != b.LockDir || strings.HasPrefix(a.LockDir, e.dir) || strings.HasPrefix(a.LockDir, other.Store.Dir) {
		t.Fatalf("lock folders %q and %q, want one outside both configuration folders", a.LockDir, b.LockDir)
	}
	if chainLockName("exactkeeper", id) == chainLockName("other-service", id) || chainLockName("exactkeeper", id) == chainLockName("exactkeeper", "x"+id) {
		t.Fatal("the lock name does not follow the keychain item")
	}
	// Another keychain item (another service) is another chain: its lock
	// is free while this one is held.
	unlock, err = e.opts.lockChain(e.deadline(), id)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	elsewhere := e.opts
	elsewhere.KeychainService = "exactkeeper-demo"
	bounded, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	unlock2, err := elsewhere.lockChain(bounded, id)
	if err != nil {
		t.Fatalf("the lock of another keychain item was taken: %v", err)
	}
	unlock2()
}

// --- 6. API health ---------------------------------------------------------

// TestAPIRefusalNeedsAttention: the running keeper asks current/Me with
// the token it holds after a refresh; a 403 makes the connection need
// attention with Exact's words, refreshing goes on, nothing is refreshed
// for the check, and a later answer clears it.
func TestAPIRefusalNeedsAttention(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	if st := e.state(id); !st.APICheck.Equal(t0) {
		t.Fatalf("the login's check was not recorded: %v", st.APICheck)
	}
	r := e.start()
	const said = "Forbidden - Customer's license expired"
	e.exact.setMe(http.StatusForbidden, said)
	me := e.exact.meCount()

	// Half a day without a token at hand: no check, no refresh for it.
	e.clock.Advance(13 * time.Hour)
	for range 3 {
		e.clock.tick()
		r.settle()
	}
	if n, _ := e.exact.counts(); n != 0 || e.exact.meCount() != me {
		t.Fatalf("%d refreshes and %d Me calls without a token at hand", n, e.exact.meCount()-me)
	}

	e.clock.Advance(12 * time.Hour) // the keep-alive
	e.clock.tick()
	r.settle()
	e.clock.tick() // now the engine holds a token
	r.settle()
	if e.exact.meCount() != me+1 {
		t.Fatalf("%d Me calls after the keep-alive, want 1", e.exact.meCount()-me)
	}
	s := r.status()[0]
	if s.Status != StatusNeedsAttention || s.Attention != AttentionAPI || !strings.Contains(s.LastError, said) {
		t.Fatalf("status %s/%s %q, want needs-attention/api quoting Exact", s.Status, s.Attention, s.LastError)
	}
	if st := e.state(id); st.Status != StatusNeedsAttention || len(st.TokenErrors) != 0 {
		t.Fatalf("state %s with %d token errors; API refusals are not the token endpoint's", st.Status, len(st.TokenErrors))
	}
	r.waitStatus(StatusNeedsAttention)

	// The next keep-alive refreshes, and the attention stays until Me answers.
	e.exact.setMe(0, "")
	e.clock.Advance(25 * time.Hour)
	e.clock.tick()
	r.settle()
	if st := e.state(id); st.Status != StatusNeedsAttention || st.Attention != AttentionAPI {
		t.Fatalf("a refresh cleared the API's refusal: %s/%s", st.Status, st.Attention)
	}
	if n, _ := e.exact.counts(); n != 2 {
		t.Fatalf("%d refreshes, want 2 keep-alives", n)
	}
	e.clock.tick()
	r.settle()
	if st := e.state(id); st.Status != StatusOK || st.Attention != "" || st.LastError != "" {
		t.Fatalf("state after Me answered %+v, want ok", st)
	}
	r.waitStatus(StatusOK)
}

// TestDivisionsRefusalIgnored: a 403 from system/Divisions (division
// scoping) leaves a login healthy.
func TestDivisionsRefusalIgnored(t *testing.T) {
	e := newEnv(t)
	e.exact.divStatus = http.StatusForbidden
	id := e.connect("Bakkerij")
	if st := e.state(id); st.Status != StatusOK || st.Attention != "" {
		t.Fatalf("state %s/%s after a refused division name, want ok", st.Status, st.Attention)
	}
}

// --- 7. Hand-out margin and waiting for Exact's window --------------------

func TestHandOutMargin(t *testing.T) {
	for _, tc := range []struct{ lifetime, margin time.Duration }{
		{600 * time.Second, 30 * time.Second},
		{3600 * time.Second, 180 * time.Second},
		{60 * time.Second, 10 * time.Second},
		{20 * time.Second, 10 * time.Second},
		{15 * time.Second, 7500 * time.Millisecond},
		{6 * time.Second, 3 * time.Second},
		{2 * time.Second, time.Second},
	} {
		if got := handOutMargin(tc.lifetime); got != tc.margin {
			t.Errorf("handOutMargin(%v) = %v, want %v", tc.lifetime, got, tc.margin)
		}
		tok := exact.Token{AccessToken: "at", IssuedAt: t0, Expiry: t0.Add(tc.lifetime)}
		if !usable(tok, tok.Expiry.Add(-tc.margin-time.Millisecond)) || usable(tok, tok.Expiry.Add(-tc.margin)) {
			t.Errorf("a %v token: usable until %v before expiry, want exactly %v", tc.lifetime, tc.margin, tc.margin)
		}
	}
}

// TestTokenWaitsForTheWindow: with no token at hand (the cache is gone)
// and Exact's window not open, Token waits on the clock for the window,
// then refreshes; a caller that gives up first gets an error and Exact
// hears nothing.
func TestTokenWaitsForTheWindow(t *testing.T) {
	for _, engine := range []bool{false, true} {
		name := "one-shot"
		if engine {
			name = "engine"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			id := e.connect("Bakkerij")
			_ = e.vault.Delete(vault.AccessTokenKey(id))
			e.clock.Advance(time.Minute)
			get := func(ctx context.Context) (exact.Token, error) { return Token(ctx, e.options(), "Bakkerij") }
			if engine {
				r := e.start()
				get = func(ctx context.Context) (exact.Token, error) { return r.Token(ctx, "Bakkerij") }
			}

			// Giving up before the window opens costs nothing.
			ctx, cancel := context.WithCancel(e.deadline())
			done := make(chan error, 1)
			go func() { _, err := get(ctx); done <- err }()
			at := e.clock.waitArmed(t)
			if !at.Equal(t0.Add(10 * time.Minute)) {
				t.Fatalf("waits until %v, want the remembered expiry %v", at, t0.Add(10*time.Minute))
			}
			cancel()
			if err := recv(t, done, "answer after giving up"); err == nil {
				t.Fatal("Token gave a token before Exact's window opened")
			}
			if n := e.exact.tokenCalls(); n != 1 {
				t.Fatalf("%d token calls, want only the login's", n)
			}

			type result struct {
				tok exact.Token
				err error
			}
			res := make(chan result, 1)
			go func() { tok, err := get(e.deadline()); res <- result{tok, err} }()
			// The clock reaches the window: whether the caller already
			// waits or asks only now, it gets a fresh token.
			e.clock.Set(at)
			got := recv(t, res, "token after the window opened")
			if got.err != nil || got.tok.AccessToken == "" || !got.tok.IssuedAt.Equal(at) {
				t.Fatalf("Token = %+v, %v; want a token refreshed at %v", got.tok, e.showErr(got.err), at)
			}
			if n, _ := e.exact.counts(); n != 1 {
				t.Fatalf("%d refreshes, want 1", n)
			}
		})
	}
}

// --- 8. Names echoed in errors --------------------------------------------

func TestLookupStripsControlCharacters(t *testing.T) {
	e := newEnv(t)
	e.connect("Bakkerij")
	_, err := Token(e.deadline(), e.opts, "Vis\x1b[31mboer\nforged line\u202e")
	if !errors.Is(err, ErrUnknown) {
		t.Fatalf("err = %v", err)
	}
	msg := err.Error()
	for _, r := range msg {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			t.Fatalf("message %q holds control character %U", msg, r)
		}
	}
	if !strings.Contains(msg, "no connection named Vis[31mboerforged line (known: Bakkerij)") {
		t.Fatalf("message %q", msg)
	}
	if got := printable(strings.Repeat("é", 150)); len([]rune(got)) != maxShownName+1 {
		t.Fatalf("a long name is shown as %d characters", len([]rune(got)))
	}
}

// --- 9. Survivors of the mutation audit ------------------------------------

// TestRotatedRefreshTokenInRefusalIsSaved: Exact refuses (too early) yet
// rotates, sending the new refresh token in the refusal; the keeper saves
// it, and the next refresh spends it.
func TestRotatedRefreshTokenInRefusalIsSaved(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	e.clock.Advance(11 * time.Minute)
	e.exact.fault("too-early-rotated")
	if _, err := Token(e.deadline(), e.opts, "Bakkerij"); err == nil {
		t.Fatal("Token after a refusal succeeded")
	}
	if rt, _ := StoredRefreshToken(e.vault, id); rt != e.exact.currentRT() {
		t.Fatal("the refresh token rotated in the refusal was not saved")
	}
	e.clock.Advance(10 * time.Minute)
	tok, err := Token(e.deadline(), e.opts, "Bakkerij")
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("Token with the rotated refresh token = %v", e.showErr(err))
	}
	if st := e.state(id); st.Status != StatusOK {
		t.Fatalf("state %+v", st)
	}
}

// TestOneShotNeverCallsExactWhileBackingOff: a one-shot Token or Refresh
// during a backoff answers from the state without a call.
func TestOneShotNeverCallsExactWhileBackingOff(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	e.clock.Advance(11 * time.Minute)
	st := e.state(id)
	st.Status, st.Failures, st.FailingSince = StatusFailing, 2, e.clock.Now().Add(-5*time.Minute)
	st.NextAttempt, st.LastError = e.clock.Now().Add(4*time.Minute), "Exact Online had a server error (HTTP 500); will retry at 09:15"
	saveState(t, e, id, st)
	for _, call := range []func(context.Context, Options, string) (exact.Token, error){Token, Refresh} {
		_, err := call(e.deadline(), e.options(), "Bakkerij")
		if err == nil || err.Error() != "Bakkerij: "+st.LastError {
			t.Fatalf("call while backing off = %v", e.showErr(err))
		}
	}
	if n := e.exact.tokenCalls(); n != 1 {
		t.Fatalf("%d token calls, want only the login's", n)
	}
	e.clock.Advance(4 * time.Minute)
	if _, err := Token(e.deadline(), e.opts, "Bakkerij"); err != nil {
		t.Fatalf("Token once the backoff is over = %v", e.showErr(err))
	}
}

// TestShutdownWaitsForRefreshInFlight: Run returns only after a refresh
// already sent has been answered and saved, and its waiter served.
func TestShutdownWaitsForRefreshInFlight(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	e.clock.Advance(11 * time.Minute)
	e.exact.gate = make(chan struct{})
	e.exact.entered = make(chan struct{}, 10)
	k, err := New(e.opts)
	if err != nil {
		t.Fatal(err)
	}
	visited := make(chan string, 10)
	k.visited = visited
	k.stopping = make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx) }()
	type result struct {
		tok exact.Token
		err error
	}
	res := make(chan result, 1)
	go func() { tok, err := k.Token(e.deadline(), "Bakkerij"); res <- result{tok, err} }()
	recv(t, e.exact.entered, "refresh call")
	cancel()
	recv(t, k.stopping, "shutdown")
	close(e.exact.gate)
	if err := recv(t, done, "end of Run"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-visited:
	default:
		t.Fatal("Run returned before the refresh in flight was applied")
	}
	got := recv(t, res, "token")
	if got.err != nil || got.tok.AccessToken == "" {
		t.Fatalf("the waiter got %v", e.showErr(got.err))
	}
	if rt, _ := StoredRefreshToken(e.vault, id); rt != e.exact.currentRT() {
		t.Fatal("the refreshed chain was not saved")
	}
	if st := e.state(id); st.Status != StatusOK || !st.LastRefresh.Equal(e.clock.Now()) {
		t.Fatalf("state %+v", st)
	}
}
