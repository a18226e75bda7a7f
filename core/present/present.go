// Package present decides what the owner is told about a connection: one
// verdict (state, how serious, the sentences, which actions make sense) that
// the tray, the dashboard, the command line and the notifications all show,
// so that no two of them can contradict each other ("All well" above a red
// "lapses today", "ok" after the lapse, "Refresh now" offered where only a
// new login helps).
//
// It is a package of its own rather than part of core/keeper: the engine
// decides what to do and records it in English for the logs, while this
// package only reads a keeper.ConnStatus and a moment and words it in the
// owner's language (core/i18n). It is pure: no I/O, no clock of its own;
// the zone of the given now is the zone dates are shown in.
package present

import (
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/keeper"
)

// States, as `exactkeeperctl status --json` names them. The keeper's own
// names are kept; Lapsed is added (the refresh token's 30 days passed
// without a refresh, whatever the keeper last recorded).
const (
	OK             = keeper.StatusOK
	New            = keeper.StatusNew
	Failing        = keeper.StatusFailing
	Paused         = keeper.StatusPaused
	NeedsAttention = keeper.StatusNeedsAttention
	NeedsReconnect = keeper.StatusNeedsReconnect
	Lapsed         = "lapsed"
)

// Level is how serious a verdict is; it picks the colour, the tray icon and
// the exit code.
type Level int

// Levels, from calm to urgent.
const (
	Fine      Level = iota // nothing to do
	Notice                 // still working, but the lapse comes near: keep Exact Keeper running
	Attention              // the owner should look: failing, paused, a refused secret or API
	Action                 // only a new login helps
)

// Exit codes of exactkeeperctl, one table for every command.
const (
	ExitOK        = 0
	ExitError     = 1
	ExitUsage     = 2
	ExitNeedLogin = 3 // a new login is needed, or the connection lapsed
	ExitAttention = 4 // failing, paused by Exact's error budget, client secret or API refused
)

// ExitCode is the exit code a script sees for a verdict of this level.
func (l Level) ExitCode() int {
	switch l {
	case Action:
		return ExitNeedLogin
	case Attention:
		return ExitAttention
	}
	return ExitOK
}

// SoonDays: a lapse this many calendar days away or fewer is worth saying
// in colour (the first default reminder is 7 days before).
const SoonDays = 7

// Verdict is everything shown about one connection at one moment.
type Verdict struct {
	State string
	Level Level
	// Headline is the card's first line and the command line's note: a
	// full sentence saying how things are and, if needed, what to do.
	Headline string
	// Line is the short form for the tray menu, without the name.
	Line string
	// Lapse is the line about when the login lapses ("" to hide it), and
	// LapseLevel its colour; it is never more alarming than Level.
	Lapse      string
	LapseLevel Level
	// CanRefresh: "Refresh now" may do something (not when only a login or
	// the client secret helps).
	CanRefresh bool
	// NeedsLogin: offer "Reconnect" first. NeedsSecret: offer entering the
	// client secret again.
	NeedsLogin, NeedsSecret bool
}

// Connection decides the verdict of c at now, in the app's language.
func Connection(c keeper.ConnStatus, now time.Time) Verdict {
	return ConnectionIn(i18n.Language(), c, now)
}

// ConnectionIn is Connection in lang (the command line speaks its shell's
// language, not the app's).
func ConnectionIn(lang string, c keeper.ConnStatus, now time.Time) Verdict {
	w := words(lang)
	loc := now.Location()
	lapsed := !c.LapsesAt.IsZero() && !now.Before(c.LapsesAt)
	args := map[string]any{"Error": c.LastError}
	if !c.LapsesAt.IsZero() {
		args["Date"] = w.date(c.LapsesAt.In(loc))
	}
	v := Verdict{State: c.Status, CanRefresh: true}
	switch {
	case lapsed:
		v.State, v.Level, v.NeedsLogin, v.CanRefresh = Lapsed, Action, true, false
		if !c.FailingSince.IsZero() && c.FailingSince.Before(c.LapsesAt) {
			args["Since"] = w.date(c.FailingSince.In(loc))
			v.Headline = w.tf("present.lapsed-failing", args)
		} else {
			v.Headline = w.tf("present.lapsed-off", args)
		}
		v.Line = w.tf("present.line.lapsed", args)
	case c.Status == keeper.StatusNeedsReconnect:
		v.Level, v.NeedsLogin, v.CanRefresh = Action, true, false
		v.Headline, v.Line = w.t("present.needs-reconnect"), w.t("present.line.needs-reconnect")
	case c.Status == keeper.StatusNeedsAttention && c.Attention == keeper.AttentionSecret:
		v.Level, v.NeedsSecret, v.CanRefresh = Attention, true, false
		v.Headline, v.Line = w.t("present.secret"), w.t("present.line.secret")
	case c.Status == keeper.StatusNeedsAttention:
		v.Level = Attention
		v.Headline, v.Line = w.tf("present.attention", args), w.t("present.line.attention")
	case c.Status == keeper.StatusPaused:
		v.Level = Attention
		v.Headline, v.Line = w.tf("present.paused", args), w.t("present.line.paused")
	case c.Status == keeper.StatusFailing:
		v.Level = Attention
		v.Headline = w.t("present.failing")
		if c.FailingSince.IsZero() || now.Sub(c.FailingSince) < time.Minute {
			v.Line = w.t("present.line.failing")
		} else {
			v.Line = w.tf("present.line.failing-for", map[string]any{"Duration": w.duration(now.Sub(c.FailingSince))})
		}
	case c.Status == keeper.StatusNew, c.Status == keeper.StatusOK && c.LastRefresh.IsZero():
		v.State = New
		v.Headline, v.Line = w.t("present.new"), w.t("present.line.new")
	case c.Status == keeper.StatusOK:
		v.Headline = w.t("present.ok")
		v.Line = w.tf("present.line.ok", map[string]any{"Ago": w.ago(now.Sub(c.LastRefresh))})
		if days := daysUntil(now, c.LapsesAt); !c.LapsesAt.IsZero() && days <= SoonDays {
			// A running keeper refreshes daily, so a lapse this near means
			// it has not been running for weeks: not "all well".
			v.Level = Notice
			args["When"] = w.inDays(days)
			args["Duration"] = w.duration(now.Sub(c.LastRefresh))
			v.Headline = w.tf("present.ok-stale", args)
			v.Line = w.tf("present.line.ok-stale", args)
		}
	default: // a status of a newer version
		v.Level = Attention
		v.Headline, v.Line = w.t("present.unknown"), w.t("present.line.unknown")
	}
	v.Lapse, v.LapseLevel = lapseLine(w, c, now, lapsed, v)
	return v
}

// lapseLine words when the login lapses, coloured no more urgently than
// the verdict itself.
func lapseLine(w words, c keeper.ConnStatus, now time.Time, lapsed bool, v Verdict) (string, Level) {
	if c.LapsesAt.IsZero() || (v.State == NeedsReconnect && !lapsed) {
		// Exact already refused the login: when it would have lapsed does
		// not matter any more.
		return "", Fine
	}
	days := daysUntil(now, c.LapsesAt)
	args := map[string]any{"When": w.when(c.LapsesAt, now)}
	if lapsed {
		args["Ago"] = w.ago(now.Sub(c.LapsesAt))
		return w.tf("present.lapse.past", args), Action
	}
	key := "present.lapse.future"
	if days > 1 {
		key, args["Left"] = "present.lapse.future-days", w.inDays(days)
	}
	lvl := Fine
	if days <= SoonDays {
		lvl = Notice
		if days <= 1 {
			lvl = Attention
		}
	}
	return w.tf(key, args), min(lvl, v.Level)
}

// daysUntil counts calendar days from now to t in now's zone.
func daysUntil(now, t time.Time) int {
	y1, m1, d1 := now.Date()
	y2, m2, d2 := t.In(now.Location()).Date()
	a := time.Date(y1, m1, d1, 12, 0, 0, 0, time.UTC)
	b := time.Date(y2, m2, d2, 12, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Round(24*time.Hour) / (24 * time.Hour))
}

// When words a moment in now's zone with its time of day: "today at
// 17:00", "tomorrow at 09:30" or "on 2026-12-29 at 12:00".
func When(t, now time.Time) string { return words(i18n.Language()).when(t, now) }

func (w words) when(t, now time.Time) string {
	t = t.In(now.Location())
	args := map[string]any{"Date": w.date(t), "Time": t.Format(w.t("present.format.time"))}
	switch daysUntil(now, t) {
	case 0:
		return w.tf("present.format.today", args)
	case 1:
		return w.tf("present.format.tomorrow", args)
	}
	return w.tf("present.format.date-time", args)
}

// Worst is the most serious level of the verdicts of conns at now (Fine for
// none): what `exactkeeperctl status` exits with and what the tray shows.
func Worst(conns []keeper.ConnStatus, now time.Time) Level {
	w := Fine
	for _, c := range conns {
		w = max(w, Connection(c, now).Level)
	}
	return w
}

// AnyRefreshable reports whether "Refresh now" can do anything for one of
// conns.
func AnyRefreshable(conns []keeper.ConnStatus, now time.Time) bool {
	for _, c := range conns {
		if Connection(c, now).CanRefresh {
			return true
		}
	}
	return false
}

// RefreshAllowedAt is when Exact accepts the next refresh of c: inside the
// last 1/20 of the access token's life (30 s of 600 s). The token's
// lifetime is taken from the last refresh to its expiry; zero when nothing
// is known.
func RefreshAllowedAt(c keeper.ConnStatus) time.Time {
	if c.AccessExpiry.IsZero() {
		return time.Time{}
	}
	life := c.AccessExpiry.Sub(c.LastRefresh)
	if c.LastRefresh.IsZero() || life <= 0 || life > 24*time.Hour {
		life = 10 * time.Minute
	}
	return c.AccessExpiry.Add(-exact.RefreshWindow(life))
}

// Refreshed words the outcome of the owner's "Refresh now" that returned
// without an error, comparing the connection before and after: a refresh
// that had nothing to do says so, and when Exact will allow one, instead
// of claiming it refreshed.
func Refreshed(before, after keeper.ConnStatus, now time.Time) string {
	return RefreshedIn(i18n.Language(), before, after, now)
}

// RefreshedIn is Refreshed in lang.
func RefreshedIn(lang string, before, after keeper.ConnStatus, now time.Time) string {
	w := words(lang)
	name := after.Name
	if name == "" {
		name = after.ID
	}
	args := map[string]any{"Name": name}
	if after.LastRefresh.After(before.LastRefresh) {
		args["Date"] = w.date(after.LapsesAt.In(now.Location()))
		if after.LapsesAt.IsZero() {
			return w.tf("present.refresh.done-plain", args)
		}
		return w.tf("present.refresh.done", args)
	}
	if at := RefreshAllowedAt(after); at.After(now) {
		args["When"] = w.when(at, now)
		return w.tf("present.refresh.too-early", args)
	}
	return w.tf("present.refresh.nothing", args)
}

// Unkept is v as shown while no keeper runs (the dashboard over the files
// alone): a connection that is fine is then not being kept alive, and
// saying "kept alive" would be stale.
func Unkept(v Verdict) Verdict {
	if v.Level <= Notice && (v.State == OK || v.State == New) {
		v.Headline = i18n.T("present.unkept")
		v.Level = max(v.Level, Notice)
	}
	return v
}

// words is the catalogue in one language; the time phrases are i18n's,
// which speak the app's language only.
type words string

func (w words) t(key string) string                       { return i18n.TIn(string(w), key) }
func (w words) tf(key string, args map[string]any) string { return i18n.TfIn(string(w), key, args) }
func (w words) date(t time.Time) string                   { return i18n.FormatDateIn(string(w), t) }

// duration is i18n.Duration in w.
func (w words) duration(d time.Duration) string {
	switch {
	case d < time.Hour:
		return i18n.PluralIn(string(w), "time.minutes", int(d/time.Minute), nil)
	case d < 24*time.Hour:
		return i18n.PluralIn(string(w), "time.hours", int(d/time.Hour), nil)
	}
	return i18n.PluralIn(string(w), "time.days", int(d/(24*time.Hour)), nil)
}

// ago is i18n.Ago in w.
func (w words) ago(d time.Duration) string {
	if d < time.Minute {
		return w.t("time.just-now")
	}
	return w.tf("time.ago", map[string]any{"Duration": w.duration(d)})
}

// inDays is i18n.InDays in w.
func (w words) inDays(n int) string {
	switch {
	case n <= 0:
		return w.t("time.today")
	case n == 1:
		return w.t("time.tomorrow")
	}
	return w.tf("time.in-days", map[string]any{"N": n})
}
