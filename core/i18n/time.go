// Dates, one format per language for showing and for typing:
//
//	FormatDate(t) / FormatDateIn(lang, t)  "2026-03-04" (en), "04-03-2026" (nl)
//	ParseDate(s)  / ParseDateIn(lang, s)   en: ISO only; nl: dd-mm-jjjj,
//	                                       d-m-jjjj and ISO; a time.Time at
//	                                       midnight UTC (store.DateOf gives the day)
//	DateHint() / DateHintIn(lang)          "YYYY-MM-DD" / "dd-mm-jjjj", for labels
//	                                       and placeholders
//
// Use these for every date a person reads or types (CLI, dashboard,
// delegations); files and JSON keep ISO.

package i18n

import (
	"errors"
	"strings"
	"time"
)

// Duration says a span in whole minutes, hours or days ("2 hours",
// "3 dagen"), rounded down so that it never overstates.
func Duration(d time.Duration) string {
	switch {
	case d < time.Hour:
		return Plural("time.minutes", int(d/time.Minute), nil)
	case d < 24*time.Hour:
		return Plural("time.hours", int(d/time.Hour), nil)
	}
	return Plural("time.days", int(d/(24*time.Hour)), nil)
}

// Ago says how long ago something happened ("just now", "2 hours ago").
// A moment in the future (a clock set back) counts as just now.
func Ago(d time.Duration) string {
	if d < time.Minute {
		return T("time.just-now")
	}
	return Tf("time.ago", map[string]any{"Duration": Duration(d)})
}

// InDays says a number of calendar days ahead: "today", "tomorrow",
// "in 3 days" (0 or less is today).
func InDays(n int) string {
	switch {
	case n <= 0:
		return T("time.today")
	case n == 1:
		return T("time.tomorrow")
	}
	return Tf("time.in-days", map[string]any{"N": n})
}

// Date formats a day in the language's numeric style ("2026-11-29",
// "29-11-2026"); numeric, because Go's month names are English only.
func Date(t time.Time) string { return FormatDate(t) }

// FormatDate formats t's calendar day (in t's location) in the current
// language.
func FormatDate(t time.Time) string { return FormatDateIn(Language(), t) }

// FormatDateIn formats t's calendar day in lang ("en", "nl", or a tag such
// as "nl-BE").
func FormatDateIn(lang string, t time.Time) string {
	return t.Format(get().text(match(get(), []string{lang}), "format.date"))
}

// DateHint is how the current language writes a date, for a label or a
// placeholder: "YYYY-MM-DD" or "dd-mm-jjjj".
func DateHint() string { return DateHintIn(Language()) }

// DateHintIn is DateHint in lang.
func DateHintIn(lang string) string { return TIn(lang, "format.date-hint") }

// ErrNotADate is what ParseDate's errors wrap.
var ErrNotADate = errors.New("not a date")

// dateError is a refused date, its sentence in the language it was typed in.
type dateError struct{ msg string }

func (e dateError) Error() string        { return e.msg }
func (e dateError) Unwrap() error        { return ErrNotADate }
func (e dateError) Is(target error) bool { return target == ErrNotADate }

// ParseDate reads a date typed in the current language.
func ParseDate(s string) (time.Time, error) { return ParseDateIn(Language(), s) }

// ParseDateIn reads a date typed in lang: ISO (2026-03-31) in every
// language, and in Dutch also 31-03-2026 and 31-3-2026, the ways a Dutch
// owner writes it. Impossible days (31-02-2026) are refused. The result is
// midnight UTC of that day. The error is one sentence in lang that names
// the expected format.
func ParseDateIn(lang, s string) (time.Time, error) {
	lang = match(get(), []string{lang})
	v := strings.TrimSpace(s)
	layouts := []string{"2006-01-02"}
	if lang == "nl" {
		// Go's "2" and "1" also accept two digits, so this covers dd-mm too.
		layouts = append(layouts, "2-1-2006")
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, dateError{TfIn(lang, "date.invalid", map[string]any{
		"Value": s, "Hint": DateHintIn(lang),
		"Example": FormatDateIn(lang, time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC))})}
}
