package keeper

import (
	"strings"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// An error exactly one hour old no longer counts: at the moment
// budgetFreeAt names, the budget is free.
func TestBudgetIsFreeAtTheMomentItNames(t *testing.T) {
	var errs []time.Time
	for i := range 10 {
		errs = append(errs, t0.Add(time.Duration(i)*time.Minute))
	}
	free := budgetFreeAt(errs, t0.Add(15*time.Minute), errorLimit)
	if got := budgetFreeAt(errs, free, errorLimit); !got.IsZero() {
		t.Fatalf("at %v the budget is still spent until %v", free, got)
	}
	if !isTokenError(400) || !isTokenError(499) || isTokenError(500) || isTokenError(399) {
		t.Fatal("isTokenError bounds")
	}
}

// Near the lapse a keep-alive is not moved out of the busy hour when the
// move would leave less than busyHourLapseMargin before the lapse.
func TestBusyHourMoveKeepsTheLapseMargin(t *testing.T) {
	ams := amsterdam()
	now := time.Date(2026, 3, 2, 1, 30, 0, 0, ams)
	// lapse at 02:30: a move to 02:00 leaves only 30 minutes.
	st := store.ConnState{Status: StatusOK, LastRefresh: now.Add(-47 * time.Hour)}
	if d := Plan(st, now, 24*time.Hour, 48*time.Hour, exact.Token{}); !d.Refresh {
		t.Fatalf("an hour before the lapse the keep-alive waits for the busy hour's end: %+v", d)
	}
}

// A wall clock set back before the last refresh: without a token at hand
// one try is allowed now rather than waiting for the remembered expiry.
func TestAllowedAtClockSetBackWithoutToken(t *testing.T) {
	st := store.ConnState{LastRefresh: t0.Add(time.Hour), AccessExpiry: t0.Add(70 * time.Minute)}
	if got := allowedAt(st, exact.Token{}, t0); !got.Equal(t0) {
		t.Fatalf("allowedAt = %v, want now %v", got, t0)
	}
}

// A refresh token rotated inside a refused answer that the keychain will
// not take is reported as a keychain failure (and kept), not dropped.
func TestRotatedRefreshTokenInRefusalKeychainRefuses(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	e.clock.Advance(11 * time.Minute)
	e.exact.fault("too-early-rotated")
	e.vault.setFailing(true)
	_, err := Token(e.deadline(), e.opts, "Bakkerij")
	if err == nil || !strings.Contains(err.Error(), "keychain") {
		t.Fatalf("Token = %v, want a keychain failure", e.showErr(err))
	}
	if st := e.state(id); st.Status != StatusFailing || !strings.Contains(st.LastError, "keychain") {
		t.Fatalf("state %+v, want failing on the keychain", st)
	}
	if rt, _ := StoredRefreshToken(e.vault, id); rt == e.exact.currentRT() {
		t.Fatal("test setup: the rotated token was saved despite the failing vault")
	}
}
