// Package remind decides when Exact Keeper warns the owner: before a refresh
// token lapses from disuse, at once when a connection needs a new login, and
// before a delegation granted on a platform ends. The rules are pure
// functions of a moment, the connections and the delegations; Check adds the
// one persistence step, so that each threshold notifies once, across
// restarts, and is re-armed when its deadline moves.
package remind

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/exactkeeper/exactkeeper/core/store"
)

// Severity ranks reminders; a higher value is more urgent.
type Severity int

// Severities.
const (
	Info Severity = iota
	Warning
	Critical
)

// String returns "info", "warning" or "critical".
func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Critical:
		return "critical"
	}
	return "severity(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText writes the severity by name, so JSON output stays readable.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Reminder kinds.
const (
	KindRefreshToken = "refresh-token"
	KindReconnect    = "reconnect"
	KindDelegation   = "delegation"
)

// Thresholds with a name rather than a number of days.
const (
	ThresholdLapsed    = "lapsed"
	ThresholdReconnect = "reconnect"
	ThresholdToday     = "today"
	ThresholdEnded     = "ended"
)

// Reminder is one warning about one subject (a connection or a delegation)
// at one threshold.
type Reminder struct {
	Key         string    `json:"key"`          // "<kind>:<subjectID>:<threshold>", the key in State.Reminders
	Kind        string    `json:"kind"`         // KindRefreshToken, KindReconnect or KindDelegation
	SubjectID   string    `json:"subject_id"`   // connection or delegation ID
	SubjectName string    `json:"subject_name"` // connection name, or "Platform → Grantee"
	Threshold   string    `json:"threshold"`    // "7d", "3d", "1d", "lapsed", "reconnect", "14d", "today", "ended", …
	Deadline    time.Time `json:"deadline"`     // refresh-token lapse, or the end of the delegation's last day (local)
	DueAt       time.Time `json:"due_at"`       // when this threshold becomes due
	DaysLeft    int       `json:"days_left"`    // calendar days from now's local date to the deadline's (negative after)
	Severity    Severity  `json:"severity"`
}

// Message is one English sentence with the next step, for the CLI and logs;
// the UI builds its own translated text from the fields. Due and Upcoming
// give Deadline in the user's zone, so its date is the user's date.
func (r Reminder) Message() string {
	date := store.DateOf(r.Deadline).String()
	switch r.Kind {
	case KindReconnect:
		return fmt.Sprintf("%s: Exact Online needs you to log in again; reconnect this connection in Exact Keeper.", r.SubjectName)
	case KindRefreshToken:
		if r.Threshold == ThresholdLapsed {
			return fmt.Sprintf("%s: the Exact Online login lapsed on %s; reconnect this connection in Exact Keeper.", r.SubjectName, date)
		}
		return fmt.Sprintf("%s: the Exact Online login lapses %s (%s); keep this PC on with Exact Keeper running, or reconnect.",
			r.SubjectName, inDays(r.DaysLeft), date)
	case KindDelegation:
		if r.Threshold == ThresholdEnded {
			return fmt.Sprintf("%s: the delegation ended on %s; renew it on the platform, then mark it renewed.", r.SubjectName, date)
		}
		return fmt.Sprintf("%s: the delegation ends %s (%s); renew it on the platform, then mark it renewed.",
			r.SubjectName, inDays(r.DaysLeft), date)
	}
	return fmt.Sprintf("%s: %s reminder (%s).", r.SubjectName, r.Kind, date)
}

func inDays(n int) string {
	switch {
	case n <= 0:
		return "today"
	case n == 1:
		return "tomorrow"
	}
	return fmt.Sprintf("in %d days", n)
}

// Conn is what the rules need of a connection.
type Conn struct {
	ID, Name string
	// Status is the keeper status; keeper.StatusNeedsReconnect ("needs-reconnect")
	// gives the reconnect reminder.
	Status          string
	LastRefresh     time.Time     // zero: unknown, no refresh-token reminder
	RefreshLifetime time.Duration // zero: store.DefaultRefreshLifetime
}

// statusNeedsReconnect mirrors keeper.StatusNeedsReconnect; importing the
// engine for one string would tie these pure rules to it.
const statusNeedsReconnect = "needs-reconnect"

// Rules are the thresholds and the zone of the user's calendar.
type Rules struct {
	RefreshWarnings    []time.Duration // before the refresh token lapses
	DelegationWarnDays []int           // calendar days before a delegation's end day; 0 is the day itself
	Loc                *time.Location  // the user's calendar; nil is time.Local
}

// RulesFrom takes the thresholds from the settings, with the defaults for
// unset ones.
func RulesFrom(s store.Settings, loc *time.Location) Rules {
	return Rules{RefreshWarnings: s.RefreshWarningsOr(), DelegationWarnDays: s.DelegationWarnDaysOr(), Loc: loc}
}

func (r Rules) loc() *time.Location {
	if r.Loc == nil {
		return time.Local
	}
	return r.Loc
}

// Due returns what is due at now: for each subject the most urgent threshold
// already passed, most severe first, then soonest deadline.
func Due(now time.Time, conns []Conn, dels []store.Delegation, r Rules) []Reminder {
	var out []Reminder
	for _, s := range subjects(conns, dels, r) {
		var best *Reminder
		for i := range s {
			if !s[i].DueAt.After(now) && (best == nil || s[i].DueAt.After(best.DueAt)) {
				best = &s[i]
			}
		}
		if best != nil {
			out = append(out, finish(*best, now, r))
		}
	}
	sortReminders(out)
	return out
}

// Upcoming returns, for each subject, the next threshold not yet reached at
// now, soonest first.
func Upcoming(now time.Time, conns []Conn, dels []store.Delegation, r Rules) []Reminder {
	var out []Reminder
	for _, s := range subjects(conns, dels, r) {
		var next *Reminder
		for i := range s {
			if s[i].DueAt.After(now) && (next == nil || s[i].DueAt.Before(next.DueAt)) {
				next = &s[i]
			}
		}
		if next != nil {
			out = append(out, finish(*next, now, r))
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].DueAt.Equal(out[j].DueAt) {
			return out[i].DueAt.Before(out[j].DueAt)
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// Pending keeps the due reminders not yet notified for their current deadline.
func Pending(due []Reminder, fired map[string]time.Time) []Reminder {
	var out []Reminder
	for _, r := range due {
		if at, ok := fired[r.Key]; ok && at.Equal(r.Deadline) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// MarkFired records r as notified, and with it every lesser threshold of the
// same subject that had already passed, so that thresholds missed while the
// PC was off do not come back one by one after the one notification.
func MarkFired(fired map[string]time.Time, r Reminder, rules Rules) {
	fired[r.Key] = r.Deadline
	for _, t := range thresholdsOf(r.Kind, r.SubjectID, r.SubjectName, r.Deadline, rules) {
		if !t.DueAt.After(r.DueAt) {
			fired[t.Key] = r.Deadline
		}
	}
}

// subjects lists every threshold of every subject, one slice per subject.
func subjects(conns []Conn, dels []store.Delegation, r Rules) [][]Reminder {
	var out [][]Reminder
	for _, c := range conns {
		if c.Status == statusNeedsReconnect {
			// The chain is already lost: a new login is the only step, and
			// the lapse countdown no longer means anything.
			rm := Reminder{Kind: KindReconnect, SubjectID: c.ID, SubjectName: c.Name, Threshold: ThresholdReconnect,
				Deadline: lapse(c), Severity: Critical}
			rm.Key = key(rm.Kind, c.ID, rm.Threshold)
			out = append(out, []Reminder{rm})
			continue
		}
		if c.LastRefresh.IsZero() {
			continue
		}
		out = append(out, thresholdsOf(KindRefreshToken, c.ID, c.Name, lapse(c), r))
	}
	for _, d := range dels {
		if d.Ends.IsZero() {
			continue
		}
		out = append(out, thresholdsOf(KindDelegation, d.ID, DelegationName(d), endOf(d.Ends, r.loc()), r))
	}
	return out
}

// thresholdsOf lists a subject's thresholds for a deadline. A reconnect
// reminder has no lesser thresholds.
func thresholdsOf(kind, id, name string, deadline time.Time, r Rules) []Reminder {
	mk := func(th string, due time.Time, sev Severity) Reminder {
		return Reminder{Key: key(kind, id, th), Kind: kind, SubjectID: id, SubjectName: name,
			Threshold: th, Deadline: deadline, DueAt: due, Severity: sev}
	}
	var out []Reminder
	switch kind {
	case KindRefreshToken:
		for _, w := range r.RefreshWarnings {
			if w <= 0 {
				continue
			}
			sev := Warning
			if w <= 24*time.Hour {
				sev = Critical
			}
			out = append(out, mk(durationName(w), deadline.Add(-w), sev))
		}
		out = append(out, mk(ThresholdLapsed, deadline, Critical))
	case KindDelegation:
		loc := r.loc()
		end := store.DateOf(deadline.In(loc))
		for _, n := range r.DelegationWarnDays {
			if n < 0 {
				continue
			}
			th, sev := fmt.Sprintf("%dd", n), Info
			switch {
			case n == 0:
				th, sev = ThresholdToday, Critical
			case n <= 1:
				sev = Critical
			case n <= 7:
				sev = Warning
			}
			out = append(out, mk(th, end.AddDays(-n).In(loc), sev))
		}
		out = append(out, mk(ThresholdEnded, end.AddDays(1).In(loc), Critical))
	}
	return dedupe(out)
}

// dedupe drops repeated thresholds (a setting listing 7 days twice).
func dedupe(rs []Reminder) []Reminder {
	seen := make(map[string]bool, len(rs))
	out := rs[:0]
	for _, r := range rs {
		if !seen[r.Key] {
			seen[r.Key] = true
			out = append(out, r)
		}
	}
	return out
}

// finish fills in what depends on the moment of asking.
func finish(rm Reminder, now time.Time, r Rules) Reminder {
	loc := r.loc()
	rm.Deadline, rm.DueAt = rm.Deadline.In(loc), rm.DueAt.In(loc)
	rm.DaysLeft = store.DateOf(now.In(loc)).DaysUntil(store.DateOf(rm.Deadline.In(loc)))
	if rm.Kind == KindReconnect {
		rm.DueAt = now.In(loc)
	}
	return rm
}

func sortReminders(rs []Reminder) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if !a.Deadline.Equal(b.Deadline) {
			return a.Deadline.Before(b.Deadline)
		}
		return a.Key < b.Key
	})
}

func key(kind, id, threshold string) string { return kind + ":" + id + ":" + threshold }

// lapse is when a connection's refresh token lapses unless it is used.
func lapse(c Conn) time.Time {
	if c.LastRefresh.IsZero() {
		return time.Time{}
	}
	life := c.RefreshLifetime
	if life <= 0 {
		life = store.DefaultRefreshLifetime
	}
	return c.LastRefresh.Add(life)
}

// endOf is the last moment of a delegation's end day in loc.
func endOf(d store.Date, loc *time.Location) time.Time {
	return d.AddDays(1).In(loc).Add(-time.Second)
}

// durationName writes whole days as "7d" and anything else as Go does ("36h0m0s"
// becomes "36h").
func durationName(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	if d%time.Hour == 0 {
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	if d%time.Minute == 0 {
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

// DelegationName is how reminders and lists name a delegation: "Platform → Grantee".
func DelegationName(d store.Delegation) string { return d.Platform + " → " + d.Grantee }
