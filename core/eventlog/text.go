package eventlog

import (
	"strconv"
	"time"

	"github.com/exactkeeper/exactkeeper/core/i18n"
)

// Text is the entry as one sentence in the current language (i18n).
func Text(e Entry) string { return TextIn(i18n.Language(), time.Local, e) }

// Line is the entry's moment and sentence in the current language.
func Line(e Entry) string { return LineIn(i18n.Language(), time.Local, e) }

// LineIn is Line in lang, with times in loc.
func LineIn(lang string, loc *time.Location, e Entry) string {
	return MomentIn(lang, loc, e.Time) + "  " + TextIn(lang, loc, e)
}

// MomentIn is a time in loc, its date in lang's style.
func MomentIn(lang string, loc *time.Location, t time.Time) string {
	t = t.In(loc)
	return i18n.FormatDateIn(lang, t) + " " + t.Format("15:04")
}

// TextIn is the entry as one sentence in lang, with times in loc.
func TextIn(lang string, loc *time.Location, e Entry) string {
	x := texts{lang}
	args := map[string]any{"Name": e.Connection}
	switch e.Kind {
	case Refreshed:
		if e.LapsesAt.IsZero() {
			return x.tf("log.refreshed", args)
		}
		args["Lapses"] = MomentIn(lang, loc, e.LapsesAt)
		return x.tf("log.refreshed-until", args)
	case Failed:
		args["Why"] = x.failure(e)
		return x.tf("log.failed", args) + x.details(e)
	case LocalFailed:
		return x.tf("log.local-failed", args)
	case State:
		args["Old"], args["New"] = x.stateText(e.OldStatus), x.stateText(e.Status)
		return x.tf("log.state", args)
	case Reconnected:
		return x.tf("log.reconnected", args)
	case Added:
		return x.tf("log.added", args)
	case Removed:
		return x.tf("log.removed", args)
	case Reminder:
		args["Subject"], args["What"] = e.Subject, x.reminderText(e)
		return x.tf("log.reminder", args)
	}
	args["Kind"] = string(e.Kind)
	return x.tf("log.other", args)
}

func (x texts) failure(e Entry) string {
	switch e.Outcome {
	case "too-early":
		return x.t("log.why.too-early")
	case "rate-limited":
		if e.RetryAfterSeconds > 0 {
			return x.tf("log.why.rate-limited-wait", map[string]any{"Wait": x.duration(time.Duration(e.RetryAfterSeconds) * time.Second)})
		}
		return x.t("log.why.rate-limited")
	case "needs-reconnect":
		return x.t("log.why.needs-reconnect")
	case "wrong-secret":
		return x.t("log.why.wrong-secret")
	}
	switch {
	case e.HTTPStatus == 0:
		return x.t("log.why.unreachable")
	case e.HTTPStatus >= 500:
		return x.tf("log.why.server", map[string]any{"Status": e.HTTPStatus})
	}
	return x.tf("log.why.refused", map[string]any{"Status": e.HTTPStatus})
}

// details are the facts Exact support asks for: status, code and the
// Reason header, as Exact sent them (not translated).
func (x texts) details(e Entry) string {
	s := ""
	if e.HTTPStatus != 0 {
		s = " [HTTP " + strconv.Itoa(e.HTTPStatus)
		if e.Code != "" {
			s += ", " + e.Code
		}
		s += "]"
	}
	if e.Reason != "" {
		s += " " + x.tf("log.reason", map[string]any{"Reason": e.Reason})
	}
	if e.RateLimit != "" {
		s += " " + x.tf("log.rate-limit", map[string]any{"Values": e.RateLimit})
	}
	return s
}

func (x texts) stateText(s string) string {
	switch s {
	case "ok", "failing", "needs-reconnect", "new", "needs-attention", "paused":
		return x.t("log.state." + s)
	}
	return x.t("log.state.unknown")
}

func (x texts) reminderText(e Entry) string {
	switch e.ReminderKind {
	case "reconnect":
		return x.t("log.remind.reconnect")
	case "refresh-token":
		if e.Threshold == "lapsed" {
			return x.t("log.remind.lapsed")
		}
		return x.tf("log.remind.lapses", map[string]any{"Threshold": x.threshold(e.Threshold)})
	case "delegation":
		switch e.Threshold {
		case "ended":
			return x.t("log.remind.del-ended")
		case "today":
			return x.t("log.remind.del-today")
		}
		return x.tf("log.remind.del-ends", map[string]any{"Threshold": x.threshold(e.Threshold)})
	}
	return e.Threshold
}

// threshold says "7d" or "12h" as a span in words.
func (x texts) threshold(t string) string {
	if len(t) < 2 {
		return t
	}
	n, err := strconv.Atoi(t[:len(t)-1])
	if err != nil {
		return t
	}
	switch t[len(t)-1] {
	case 'd':
		return x.plural("time.days", n, nil)
	case 'h':
		return x.plural("time.hours", n, nil)
	}
	return t
}

// texts renders in one language.
type texts struct{ lang string }

func (x texts) t(key string) string                       { return i18n.TIn(x.lang, key) }
func (x texts) tf(key string, args map[string]any) string { return i18n.TfIn(x.lang, key, args) }
func (x texts) plural(key string, n int, args map[string]any) string {
	return i18n.PluralIn(x.lang, key, n, args)
}

// duration is i18n.Duration in x's language.
func (x texts) duration(d time.Duration) string {
	switch {
	case d < time.Hour:
		return x.plural("time.minutes", int(d/time.Minute), nil)
	case d < 24*time.Hour:
		return x.plural("time.hours", int(d/time.Hour), nil)
	}
	return x.plural("time.days", int(d/(24*time.Hour)), nil)
}
