package keeper

import (
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
// keep-alive at least every keepAlive, a retry at st.NextAttempt after a
// failure, and never before Exact's refresh window of the access token (the
// one given, else the expiry remembered in st). It is pure: the engine, the
// status command and the tests all ask it.
func Plan(st store.ConnState, now time.Time, keepAlive, refreshLifetime time.Duration, access exact.Token) Decision {
	if st.Status == StatusNeedsReconnect {
		return Decision{Reason: "needs reconnecting: no attempts until the user logs in again"}
	}
	if st.Attention == AttentionSecret {
		return Decision{Reason: "the client secret was refused: no attempts until the owner enters it again"}
	}
	var at time.Time
	reason := "never refreshed by the keeper"
	if !st.LastRefresh.IsZero() {
		at, reason = st.LastRefresh.Add(effectiveKeepAlive(keepAlive, refreshLifetime)), "keep-alive"
	}
	// After a failure the retry comes at NextAttempt even when the keep-alive
	// is further off, so a failing chain learns soon whether it recovered;
	// otherwise NextAttempt (after a too-early answer) only postpones.
	if !st.NextAttempt.IsZero() && (st.Failures > 0 || st.NextAttempt.After(at)) {
		at, reason = st.NextAttempt, "retry after a failed attempt"
	}
	if allowed := allowedAt(st, access); allowed.After(at) {
		at, reason = allowed, "waiting for Exact's refresh window"
	}
	if !now.Before(at) {
		return Decision{Refresh: true, At: now, Reason: reason}
	}
	return Decision{At: at, Reason: reason}
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
func allowedAt(st store.ConnState, access exact.Token) time.Time {
	if known(access) {
		return access.RefreshAllowedAt()
	}
	return st.AccessExpiry
}

// known reports whether t is an access token with its times.
func known(t exact.Token) bool { return t.AccessToken != "" && !t.Expiry.IsZero() }

// usable reports whether t may be handed out at now: it has more than the
// refresh window left, so nobody refreshes it too early.
func usable(t exact.Token, now time.Time) bool {
	return known(t) && now.Before(t.RefreshAllowedAt())
}

// StatusOf is what status screens show of one connection at now. It is pure,
// so `exactkeeperctl status` can use it when no keeper runs.
func StatusOf(c store.Connection, st store.ConnState, keepAlive time.Duration, now time.Time) ConnStatus {
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
	cs.NextRefresh = Plan(st, now, keepAlive, c.RefreshLifetimeOr(), exact.Token{}).At
	return cs
}
