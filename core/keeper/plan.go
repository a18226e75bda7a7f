package keeper

import (
	"sync"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// Decision is what to do for one chain at one moment. When Refresh is true,
// At is the moment asked about; otherwise At is when to refresh next, and
// zero means never without the user (needs reconnect).
type Decision struct {
	Refresh bool
	At      time.Time
	Reason  string
}

// Plan decides whether a chain's background refresh is due at now: a
// keep-alive at least every keepAlive, never inside Exact's busy hour
// (01:00-02:00 Europe/Amsterdam); a retry at st.NextAttempt after a
// failure; never while Exact's error budget is spent (StatusPaused); and
// never before Exact's refresh window of the access token (the one given,
// else the expiry remembered in st). It is pure: the engine, the status
// command and the tests all ask it.
func Plan(st store.ConnState, now time.Time, keepAlive, refreshLifetime time.Duration, access exact.Token) Decision {
	if st.Status == StatusNeedsReconnect {
		return Decision{Reason: "needs reconnecting: no attempts until the user logs in again"}
	}
	if st.Attention == AttentionSecret {
		return Decision{Reason: "the client secret was refused: no attempts until the owner enters it again"}
	}
	var at time.Time
	reason := "never refreshed by the keeper"
	keepingAlive := false
	if !st.LastRefresh.IsZero() {
		at, reason, keepingAlive = st.LastRefresh.Add(effectiveKeepAlive(keepAlive, refreshLifetime)), "keep-alive", true
	}
	// After a failure the retry comes at NextAttempt even when the keep-alive
	// is further off, so a failing chain learns soon whether it recovered;
	// otherwise NextAttempt (after a too-early answer) only postpones.
	if !st.NextAttempt.IsZero() && (st.Failures > 0 || st.NextAttempt.After(at)) {
		at, reason, keepingAlive = st.NextAttempt, "retry after a failed attempt", false
	}
	if free := budgetFreeAt(st.TokenErrors, now, backgroundErrorLimit); free.After(at) {
		at, reason = free, "paused to stay within Exact's limits"
	}
	if allowed := allowedAt(st, access, now); allowed.After(at) {
		at, reason = allowed, "waiting for Exact's refresh window"
	}
	if keepingAlive {
		// The zone is loaded here only: a token served from memory or the
		// cache never plans.
		due := at
		if now.After(due) {
			due = now
		}
		lapse := st.LastRefresh.Add(refreshLifetimeOr(refreshLifetime))
		if moved := afterBusyHour(due); !moved.Equal(due) && moved.Before(lapse.Add(-busyHourLapseMargin)) {
			at, reason = moved, "keep-alive, after Exact's busy hour (01:00-02:00 Amsterdam time)"
		}
	}
	if !now.Before(at) {
		return Decision{Refresh: true, At: now, Reason: reason}
	}
	return Decision{At: at, Reason: reason}
}

// busyHourLapseMargin: a keep-alive moves out of Exact's busy hour only
// when the chain still lives this long after the move; a refresh in the
// busy hour beats a lapsed login.
const busyHourLapseMargin = time.Hour

// amsterdam is Exact's zone, loaded on first use (from the system's
// zoneinfo, on Windows from the embedded tzdata: tzdata_windows.go).
var amsterdam = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
})

// afterBusyHour moves a moment inside 01:00-02:00 Europe/Amsterdam, when
// Exact's token calls are slowest (a 35 s answer cost a chain), to 02:00.
// Neither daylight-saving change touches that hour, so it is always one
// hour from 01:00.
func afterBusyHour(t time.Time) time.Time {
	loc := amsterdam()
	y, m, d := t.In(loc).Date()
	start := time.Date(y, m, d, 1, 0, 0, 0, loc)
	end := start.Add(time.Hour)
	if !t.Before(start) && t.Before(end) {
		return end
	}
	return t
}

func refreshLifetimeOr(d time.Duration) time.Duration {
	if d <= 0 {
		return store.DefaultRefreshLifetime
	}
	return d
}

// effectiveKeepAlive applies the defaults and keeps the keep-alive well
// inside the refresh lifetime.
func effectiveKeepAlive(keepAlive, refreshLifetime time.Duration) time.Duration {
	if keepAlive <= 0 {
		keepAlive = store.DefaultKeepAlive
	}
	if refreshLifetime <= 0 {
		refreshLifetime = store.DefaultRefreshLifetime
	}
	if keepAlive >= refreshLifetime {
		keepAlive = refreshLifetime / 2
	}
	return keepAlive
}

// allowedAt is the first moment Exact accepts a refresh. Without the token
// its lifetime is unknown, so the remembered expiry itself is the safe
// bound; with neither, any moment is.
//
// When the wall clock is before the token's issue time it was set back:
// Exact's window, which runs on Exact's clock, cannot be judged on this
// one, so one try is allowed now (a too-early answer then waits a whole
// lifetime, at most one refusal).
func allowedAt(st store.ConnState, access exact.Token, now time.Time) time.Time {
	if known(access) {
		if now.Before(access.IssuedAt) {
			return now
		}
		return access.RefreshAllowedAt()
	}
	if now.Before(st.LastRefresh) {
		return now
	}
	return st.AccessExpiry
}

// known reports whether t is an access token with its times.
func known(t exact.Token) bool { return t.AccessToken != "" && !t.Expiry.IsZero() }

// usable reports whether t may be handed out at now: it has more than
// handOutMargin left, so whoever gets it can still use it, and nobody
// refreshes it too early.
//
// A clock set back before the issue time makes the expiry meaningless on
// this clock: such a token is not handed out (it had been refused by Exact
// for hours while looking valid here).
func usable(t exact.Token, now time.Time) bool {
	return known(t) && !now.Before(t.IssuedAt) && now.Before(t.Expiry.Add(-handOutMargin(t.Lifetime())))
}

// minHandOutMargin is the least time a handed-out token has left, for
// tokens that live long enough.
const minHandOutMargin = 10 * time.Second

// handOutMargin is how long a handed-out token must still live: Exact's
// refresh window, at least 10 s, but at most half the lifetime, so that
// short-lived tokens (a simulator's) can be handed out at all.
func handOutMargin(lifetime time.Duration) time.Duration {
	return min(max(exact.RefreshWindow(lifetime), minHandOutMargin), lifetime/2)
}

// StatusOf is what status screens show of one connection at now. It is pure,
// so `exactkeeperctl status` can use it when no keeper runs.
func StatusOf(c store.Connection, st store.ConnState, keepAlive time.Duration, now time.Time) ConnStatus {
	cs := describe(c, st)
	cs.NextRefresh = Plan(st, now, keepAlive, c.RefreshLifetimeOr(), exact.Token{}).At
	return cs
}

// describe is StatusOf without NextRefresh: the engine plans with the
// access token it holds, and planning twice per connection doubled the
// cost of every status asked (the tray asks every 30 s).
func describe(c store.Connection, st store.ConnState) ConnStatus {
	cs := ConnStatus{
		ID:           c.ID,
		Name:         c.Name,
		Region:       c.Region,
		BaseURL:      c.BaseURL,
		Status:       st.Status,
		UserName:     c.User.UserName,
		FullName:     c.User.FullName,
		Email:        c.User.Email,
		Division:     c.Division,
		Company:      c.DivisionName,
		LastRefresh:  st.LastRefresh,
		AccessExpiry: st.AccessExpiry,
		FailingSince: st.FailingSince,
		LastError:    st.LastError,
		Attention:    st.Attention,
	}
	if cs.Status == "" {
		cs.Status = StatusNew
	}
	if !st.LastRefresh.IsZero() {
		cs.LapsesAt = st.LastRefresh.Add(c.RefreshLifetimeOr())
	}
	return cs
}
