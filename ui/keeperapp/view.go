package keeperapp

import (
	"slices"
	"time"

	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/remind"
	"github.com/exactkeeper/exactkeeper/ui/notify"
	"github.com/exactkeeper/exactkeeper/ui/tray"
)

// viewMaxAge bounds how long a tick may reuse the tray's last evaluation
// with nothing changed, in case the view depends on the passing time in a
// way horizon does not know of.
const viewMaxAge = 10 * time.Minute

// view is what the tray's last full evaluation (verdicts, menu, reminders,
// failing notifications) was made of, and until when passing time alone
// cannot change its outcome. At 500 connections an evaluation formats
// thousands of sentences; the 30 s tick made that most of an idle keeper's
// CPU and a garbage collection a tick, for a menu that only counts
// connections (issue 13).
type view struct {
	ok    bool
	conns []keeper.ConnStatus
	gen   int // files.gen of the evaluation
	lang  string
	at    time.Time
	until time.Time
}

// current reports whether an evaluation at now with these inputs would
// show and notify exactly what the last one did.
func (v *view) current(conns []keeper.ConnStatus, gen int, lang string, now time.Time) bool {
	return v.ok && gen == v.gen && lang == v.lang &&
		!now.Before(v.at) && now.Before(v.until) && slices.Equal(conns, v.conns)
}

// horizon is the first moment after now at which the passing time alone may
// change what the tray shows or notifies for conns: with a status line per
// connection (relative times) that is the next tick, so now; otherwise the
// next calendar day (days left, "today", "tomorrow"), a login lapsing, a
// failure reaching notify.FailingNotifyAfter, the next reminder threshold
// (upcoming), and at the latest viewMaxAge from now.
func horizon(conns []keeper.ConnStatus, upcoming []remind.Reminder, now time.Time) time.Time {
	if len(conns) <= tray.MaxStatusLines {
		return now
	}
	h := now.Add(viewMaxAge)
	soonest := func(t time.Time) {
		if t.After(now) && t.Before(h) {
			h = t
		}
	}
	soonest(nextMidnight(now, now.Location()))
	soonest(nextMidnight(now, time.Local))
	for _, c := range conns {
		if !c.LapsesAt.IsZero() {
			soonest(c.LapsesAt)
		}
		if !c.FailingSince.IsZero() {
			soonest(c.FailingSince.Add(notify.FailingNotifyAfter))
		}
	}
	for _, r := range upcoming {
		soonest(r.DueAt)
	}
	return h
}

// nextMidnight is the start of the calendar day after now's in loc.
func nextMidnight(now time.Time, loc *time.Location) time.Time {
	y, m, d := now.In(loc).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}
