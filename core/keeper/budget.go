package keeper

import (
	"fmt"
	"slices"
	"time"

	"github.com/exactkeeper/exactkeeper/core/store"
)

// Exact blocks an app for an hour (longer on repeat) after 10 errors an
// hour per user, company and endpoint; 400, 401, 403 and 404 all count. The
// token endpoint's refusals are counted per chain in state.json, shared by
// every process that refreshes it.
const (
	// errorLimit is Exact's budget: no call is made that could be the 11th.
	errorLimit = 10
	// backgroundErrorLimit is where background attempts (keep-alives,
	// retries, Token calls) stop; the rest is kept for the owner's own
	// "refresh now".
	backgroundErrorLimit = 8
	errorWindow          = time.Hour
)

// isTokenError reports whether an HTTP status of the token endpoint counts
// against Exact's error budget.
func isTokenError(status int) bool { return status >= 400 && status <= 499 }

// recentErrors are the errors that still count at now, oldest first. Errors
// "after" now (the wall clock went back) count too.
func recentErrors(errs []time.Time, now time.Time) []time.Time {
	from := now.Add(-errorWindow)
	var out []time.Time
	for _, t := range errs {
		if t.After(from) {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	if len(out) > errorLimit {
		out = out[len(out)-errorLimit:]
	}
	return out
}

// mergeErrors joins two records of the same chain's errors: each moment
// counts as often as the record that has it most often, so a record merged
// with itself or with an older copy counts nothing twice.
func mergeErrors(a, b []time.Time, now time.Time) []time.Time {
	count := map[time.Time]int{}
	for _, t := range a {
		count[t.UTC()]++
	}
	other := map[time.Time]int{}
	for _, t := range b {
		other[t.UTC()]++
	}
	for t, n := range other {
		count[t] = max(count[t], n)
	}
	var all []time.Time
	for t, n := range count {
		for range n {
			all = append(all, t)
		}
	}
	return recentErrors(all, now)
}

// budgetFreeAt is when fewer than limit errors count again; zero when
// fewer than limit count at now already.
func budgetFreeAt(errs []time.Time, now time.Time, limit int) time.Time {
	recent := recentErrors(errs, now)
	if len(recent) < limit {
		return time.Time{}
	}
	// Once the oldest len-limit+1 of them have left the window, limit-1 remain.
	return recent[len(recent)-limit].Add(errorWindow)
}

// mergeShared takes over from fresh (another process's view of the chain
// in state.json) what every process adds to: the error budget and the last
// API check.
func mergeShared(st, fresh store.ConnState, now time.Time) store.ConnState {
	st.TokenErrors = mergeErrors(st.TokenErrors, fresh.TokenErrors, now)
	if fresh.APICheck.After(st.APICheck) {
		st.APICheck = fresh.APICheck
	}
	return st
}

// pausedText is the LastError of a chain whose background attempts wait for
// Exact's error budget.
func pausedText(free, now time.Time) string {
	return fmt.Sprintf("paused until %s to stay within Exact's limits", when(free, now))
}

// pausedState shows st as paused until free.
func pausedState(st store.ConnState, now, free time.Time, why string) store.ConnState {
	if st.FailingSince.IsZero() {
		st.FailingSince = now
	}
	st.Status = StatusPaused
	st.LastError = pausedText(free, now)
	if why != "" {
		st.LastError = why + "; " + st.LastError
	}
	return st
}
