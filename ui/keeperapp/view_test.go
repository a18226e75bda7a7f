package keeperapp

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/remind"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/ui/notify"
	"github.com/exactkeeper/exactkeeper/ui/tray"
)

// fineConns is n connections refreshed an hour before now.
func fineConns(n int, now time.Time) []keeper.ConnStatus {
	cs := make([]keeper.ConnStatus, n)
	for i := range cs {
		last := now.Add(-time.Hour)
		cs[i] = keeper.ConnStatus{ID: fmt.Sprintf("c%d", i), Name: fmt.Sprintf("Klant %d", i), Status: keeper.StatusOK,
			LastRefresh: last, LapsesAt: last.Add(store.DefaultRefreshLifetime)}
	}
	return cs
}

// TestHorizon: with a status line per connection every tick counts; with
// more connections the view holds until the first moment passing time
// changes something: a lapse, a failure old enough to notify, a reminder
// threshold, the next calendar day, and at most viewMaxAge.
func TestHorizon(t *testing.T) {
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.Local)
	if got := horizon(fineConns(tray.MaxStatusLines, now), nil, now); !got.Equal(now) {
		t.Errorf("%d connections: horizon %s, want now (relative times are shown)", tray.MaxStatusLines, got)
	}
	many := tray.MaxStatusLines + 1
	if got := horizon(fineConns(many, now), nil, now); !got.Equal(now.Add(viewMaxAge)) {
		t.Errorf("nothing coming: horizon %s, want now + %s", got, viewMaxAge)
	}

	lapsing := fineConns(many, now)
	lapsing[3].LapsesAt = now.Add(3 * time.Minute)
	if got := horizon(lapsing, nil, now); !got.Equal(now.Add(3 * time.Minute)) {
		t.Errorf("a lapse in 3 min: horizon %s", got)
	}
	failing := fineConns(many, now)
	failing[5].Status, failing[5].FailingSince = keeper.StatusFailing, now.Add(-notify.FailingNotifyAfter+2*time.Minute)
	if got := horizon(failing, nil, now); !got.Equal(now.Add(2 * time.Minute)) {
		t.Errorf("failing for a day in 2 min: horizon %s", got)
	}
	upcoming := []remind.Reminder{{DueAt: now.Add(time.Minute)}, {DueAt: now.Add(-time.Minute)}}
	if got := horizon(fineConns(many, now), upcoming, now); !got.Equal(now.Add(time.Minute)) {
		t.Errorf("a reminder due in 1 min: horizon %s", got)
	}
	late := time.Date(2026, 11, 29, 23, 55, 0, 0, time.Local)
	if got, want := horizon(fineConns(many, late), nil, late), time.Date(2026, 11, 30, 0, 0, 0, 0, time.Local); !got.Equal(want) {
		t.Errorf("5 min before midnight: horizon %s, want %s", got, want)
	}
}

// TestViewCurrent: the last evaluation is reused only with the same
// connections, files, language, and a clock between its moment and its
// horizon.
func TestViewCurrent(t *testing.T) {
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.Local)
	conns := fineConns(10, now)
	v := view{ok: true, conns: conns, gen: 3, lang: "en", at: now, until: now.Add(5 * time.Minute)}
	if !v.current(fineConns(10, now), 3, "en", now.Add(time.Minute)) {
		t.Fatal("nothing changed, yet the view is not current")
	}
	changed := fineConns(10, now)
	changed[7].Status = keeper.StatusFailing
	for what, ok := range map[string]bool{
		"a connection changed":   v.current(changed, 3, "en", now.Add(time.Minute)),
		"a connection removed":   v.current(conns[:9], 3, "en", now.Add(time.Minute)),
		"the files were read":    v.current(conns, 4, "en", now.Add(time.Minute)),
		"the language changed":   v.current(conns, 3, "nl", now.Add(time.Minute)),
		"the horizon passed":     v.current(conns, 3, "en", now.Add(5*time.Minute)),
		"the clock was set back": v.current(conns, 3, "en", now.Add(-time.Second)),
	} {
		if ok {
			t.Errorf("%s: the view still counts as current", what)
		}
	}
	v.ok = false
	if v.current(conns, 3, "en", now.Add(time.Minute)) {
		t.Error("an unfinished evaluation counts as current")
	}
}

// manyHome is a home with n connections refreshed an hour before now, the
// first of which has been failing for two hours and lapses 5 minutes after
// now (its retry is far off, so the keeper does not visit it meanwhile).
func manyHome(t *testing.T, now time.Time, n int) string {
	t.Helper()
	dir := newHome(t, now)
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.UpdateConfig(func(c *store.Config) error {
		c.Delegations = nil
		for i := range n {
			c.Connections = append(c.Connections, store.Connection{ID: fmt.Sprintf("c%02d", i), Name: fmt.Sprintf("Klant %02d", i)})
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.UpdateState(func(s *store.State) error {
		s.Connections = map[string]store.ConnState{}
		for i := range n {
			s.Connections[fmt.Sprintf("c%02d", i)] = store.ConnState{Status: keeper.StatusOK, LastRefresh: now.Add(-time.Hour), AccessExpiry: now.Add(-50 * time.Minute)}
		}
		s.Connections["c00"] = store.ConnState{Status: keeper.StatusFailing, Failures: 3, FailingSince: now.Add(-2 * time.Hour),
			NextAttempt: now.Add(time.Hour), LastError: "Exact Online did not answer",
			LastRefresh: now.Add(-store.DefaultRefreshLifetime + 5*time.Minute), AccessExpiry: now.Add(-time.Hour)}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// settle waits until the loop took everything before it (the click comes
// after the tick's evaluation, if any).
func (h *harness) settle() {
	h.t.Helper()
	h.click(tray.IDHelp)
	recv(h.t, h.browsed, "help page")
}

func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(30 * time.Second):
		t.Fatalf("no %s within 30 s", what)
	}
	panic("unreachable")
}

// TestTickSkipsUnchangedView: with more connections than status lines, a
// tick that finds nothing changed evaluates nothing (issue 13: at 500
// connections that evaluation was most of the idle keeper's cost), yet the
// lapse of a connection and a delegation added by another process still
// reach the menu on the next tick.
func TestTickSkipsUnchangedView(t *testing.T) {
	i18n.SetLanguage("en")
	t.Cleanup(func() { i18n.SetLanguage("") })
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.Local)
	n := tray.MaxStatusLines + 4
	h := start(t, manyHome(t, now, n), now)
	if items := h.host.next(t); hasLabel(items, "Reconnect") {
		t.Fatalf("a reconnect item before any lapse: %v", labels(items))
	}
	recv(t, h.evals, "first evaluation")
	// The first evaluation recorded the lapse reminder it notified in
	// state.json: the next tick reads the files again and evaluates.
	h.tick(now.Add(trayTick))
	h.settle()
	for len(h.evals) > 0 {
		<-h.evals
	}

	for i := 2; i <= 5; i++ {
		h.tick(now.Add(time.Duration(i) * trayTick))
	}
	h.settle()
	select {
	case at := <-h.evals:
		t.Fatalf("a tick at %s evaluated the view again with nothing changed", at.Format(time.TimeOnly))
	default:
	}

	lapsed := now.Add(6 * time.Minute)
	h.tick(lapsed)
	if at := recv(t, h.evals, "evaluation after the lapse"); !at.Equal(lapsed) {
		t.Errorf("evaluated at %s, want %s", at, lapsed)
	}
	h.menuWith("Klant 00")

	st, err := store.Open(h.dir)
	if err != nil {
		t.Fatal(err)
	}
	today := store.DateOf(lapsed.In(time.Local))
	if err := st.UpdateConfig(func(c *store.Config) error {
		c.Delegations = append(c.Delegations, store.Delegation{ID: "d2", Platform: "Yuki", Grantee: "Boekhouder Bos",
			Starts: today.AddDays(-30), Ends: today})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	h.tick(lapsed.Add(trayTick))
	h.menuWith("Boekhouder Bos")
	// Klant 00's lapse reminders come first.
	var seen []note
	for range 3 {
		n := h.note()
		if strings.Contains(n.title+n.body, "Boekhouder Bos") {
			return
		}
		seen = append(seen, n)
	}
	t.Errorf("no reminder for the new delegation, only %+v", seen)
}

// TestTickEvaluatesFewConnections: with a status line per connection the
// relative times change by the minute, so every tick evaluates.
func TestTickEvaluatesFewConnections(t *testing.T) {
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.Local)
	h := start(t, manyHome(t, now, 2), now)
	recv(t, h.evals, "first evaluation")
	next := now.Add(trayTick)
	h.tick(next)
	if at := recv(t, h.evals, "evaluation on a tick"); !at.Equal(next) {
		t.Errorf("evaluated at %s, want %s", at, next)
	}
}
