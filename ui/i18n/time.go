package i18n

import "time"

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
func Date(t time.Time) string { return t.Format(T("format.date")) }
