package remind

import (
	"strings"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/store"
)

func amsterdam(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatalf("no tz data for Europe/Amsterdam: %v", err)
	}
	return loc
}

func defaultRules(loc *time.Location) Rules { return RulesFrom(store.Settings{}, loc) }

func date(s string) store.Date {
	d, err := store.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// at is a local wall-clock moment "2006-01-02 15:04" in loc.
func at(loc *time.Location, s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

// only returns the single reminder in rs, failing otherwise.
func only(t *testing.T, rs []Reminder) Reminder {
	t.Helper()
	if len(rs) != 1 {
		t.Fatalf("got %d reminders, want 1: %+v", len(rs), rs)
	}
	return rs[0]
}

func TestRefreshTokenThresholds(t *testing.T) {
	loc := amsterdam(t)
	last := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC) // 10:00 in Amsterdam
	deadline := last.Add(720 * time.Hour)                // 2026-12-02 10:00 local
	conn := Conn{ID: "c1", Name: "Bakkerij", Status: "ok", LastRefresh: last}
	tests := []struct {
		name      string
		now       time.Time
		status    string
		threshold string // "" means nothing due
		severity  Severity
		daysLeft  int
	}{
		{"fresh", last.Add(time.Hour), "ok", "", 0, 0},
		{"a minute before 7 days", deadline.Add(-7*24*time.Hour - time.Minute), "ok", "", 0, 0},
		{"7 days before", deadline.Add(-7 * 24 * time.Hour), "ok", "7d", Warning, 7},
		{"between 7 and 3", deadline.Add(-4 * 24 * time.Hour), "ok", "7d", Warning, 4},
		{"3 days before", deadline.Add(-3 * 24 * time.Hour), "ok", "3d", Warning, 3},
		{"1 day before", deadline.Add(-24 * time.Hour), "ok", "1d", Critical, 1},
		{"a minute before the lapse", deadline.Add(-time.Minute), "ok", "1d", Critical, 0},
		{"at the lapse", deadline, "ok", "lapsed", Critical, 0},
		{"long after the lapse", deadline.Add(48 * time.Hour), "ok", "lapsed", Critical, -2},
		{"failing still counts down", deadline.Add(-3 * 24 * time.Hour), "failing", "3d", Warning, 3},
		{"needs reconnect at once", last.Add(time.Hour), "needs-reconnect", "reconnect", Critical, 30},
		{"needs reconnect after the lapse", deadline.Add(time.Hour), "needs-reconnect", "reconnect", Critical, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := conn
			c.Status = tc.status
			due := Due(tc.now, []Conn{c}, nil, defaultRules(loc))
			if tc.threshold == "" {
				if len(due) != 0 {
					t.Fatalf("nothing should be due, got %+v", due)
				}
				return
			}
			r := only(t, due)
			kind := KindRefreshToken
			if tc.status == "needs-reconnect" {
				kind = KindReconnect
			}
			if r.Threshold != tc.threshold || r.Severity != tc.severity || r.DaysLeft != tc.daysLeft || r.Kind != kind {
				t.Errorf("got %s/%s/%s days left %d, want %s/%s/%s days left %d",
					r.Kind, r.Threshold, r.Severity, r.DaysLeft, kind, tc.threshold, tc.severity, tc.daysLeft)
			}
			if want := kind + ":c1:" + tc.threshold; r.Key != want {
				t.Errorf("key %q, want %q", r.Key, want)
			}
			if !r.Deadline.Equal(deadline) {
				t.Errorf("deadline %v, want %v", r.Deadline, deadline)
			}
			if r.DueAt.After(tc.now) {
				t.Errorf("due at %v, after now %v", r.DueAt, tc.now)
			}
		})
	}
}

func TestDelegationThresholds(t *testing.T) {
	loc := amsterdam(t)
	del := store.Delegation{ID: "d1", Platform: "Invantive Cloud", Grantee: "Smit", Ends: date("2026-12-06")}
	tests := []struct {
		now       string
		threshold string
		severity  Severity
		daysLeft  int
		dueAt     string
	}{
		{"2026-11-21 23:59", "", 0, 0, ""},
		{"2026-11-22 00:00", "14d", Info, 14, "2026-11-22 00:00"},
		{"2026-11-28 23:59", "14d", Info, 8, "2026-11-22 00:00"},
		{"2026-11-29 00:00", "7d", Warning, 7, "2026-11-29 00:00"},
		{"2026-12-05 00:00", "1d", Critical, 1, "2026-12-05 00:00"},
		{"2026-12-06 00:00", "today", Critical, 0, "2026-12-06 00:00"},
		{"2026-12-06 23:59", "today", Critical, 0, "2026-12-06 00:00"},
		{"2026-12-07 00:00", "ended", Critical, -1, "2026-12-07 00:00"},
		{"2027-01-10 12:00", "ended", Critical, -35, "2026-12-07 00:00"},
	}
	for _, tc := range tests {
		t.Run(tc.now, func(t *testing.T) {
			due := Due(at(loc, tc.now), nil, []store.Delegation{del}, defaultRules(loc))
			if tc.threshold == "" {
				if len(due) != 0 {
					t.Fatalf("nothing should be due, got %+v", due)
				}
				return
			}
			r := only(t, due)
			if r.Threshold != tc.threshold || r.Severity != tc.severity || r.DaysLeft != tc.daysLeft {
				t.Errorf("got %s/%s days left %d, want %s/%s days left %d",
					r.Threshold, r.Severity, r.DaysLeft, tc.threshold, tc.severity, tc.daysLeft)
			}
			if !r.DueAt.Equal(at(loc, tc.dueAt)) {
				t.Errorf("due at %v, want %s local", r.DueAt, tc.dueAt)
			}
			if got := store.DateOf(r.Deadline.In(loc)); got != del.Ends {
				t.Errorf("deadline %v is not on the end day", r.Deadline)
			}
			if r.SubjectName != "Invantive Cloud → Smit" || r.Key != "delegation:d1:"+tc.threshold {
				t.Errorf("subject %q key %q", r.SubjectName, r.Key)
			}
		})
	}
}

func TestNoReminderWithoutEndDateOrRefresh(t *testing.T) {
	loc := amsterdam(t)
	now := at(loc, "2030-01-01 12:00")
	dels := []store.Delegation{{ID: "d1", Platform: "P", Grantee: "G"}}
	conns := []Conn{{ID: "c1", Name: "Never refreshed", Status: "new"}}
	if due := Due(now, conns, dels, defaultRules(loc)); len(due) != 0 {
		t.Errorf("Due = %+v, want none", due)
	}
	if up := Upcoming(now, conns, dels, defaultRules(loc)); len(up) != 0 {
		t.Errorf("Upcoming = %+v, want none", up)
	}
}

// The PC was off across several thresholds: one reminder per subject at
// start-up, and no repeat of the missed ones after it was notified.
func TestPCOffAcrossThresholds(t *testing.T) {
	loc := amsterdam(t)
	rules := defaultRules(loc)
	last := at(loc, "2026-11-02 10:00")
	conns := []Conn{{ID: "c1", Name: "Bakkerij", Status: "ok", LastRefresh: last}}
	dels := []store.Delegation{{ID: "d1", Platform: "P", Grantee: "G", Ends: date("2026-12-06")}}
	fired := map[string]time.Time{}

	// Off from before any threshold until 1 day before both deadlines.
	now := at(loc, "2026-12-01 12:00")
	pending := Pending(Due(now, conns, dels, rules), fired)
	if len(pending) != 2 {
		t.Fatalf("want one reminder per subject, got %+v", pending)
	}
	for _, r := range pending {
		if r.Threshold != "1d" && r.Threshold != "7d" {
			t.Errorf("%s: threshold %s, want the most urgent one passed", r.Key, r.Threshold)
		}
		MarkFired(fired, r, rules)
	}
	for _, k := range []string{"refresh-token:c1:7d", "refresh-token:c1:3d", "refresh-token:c1:1d", "delegation:d1:14d", "delegation:d1:7d"} {
		if _, ok := fired[k]; !ok {
			t.Errorf("%s not recorded as fired", k)
		}
	}
	for _, k := range []string{"refresh-token:c1:lapsed", "delegation:d1:1d", "delegation:d1:today", "delegation:d1:ended"} {
		if _, ok := fired[k]; ok {
			t.Errorf("%s recorded before it was due", k)
		}
	}
	if again := Pending(Due(now.Add(time.Hour), conns, dels, rules), fired); len(again) != 0 {
		t.Errorf("repeated after MarkFired: %+v", again)
	}
	// The next thresholds still come, once each.
	next := Pending(Due(at(loc, "2026-12-05 08:00"), conns, dels, rules), fired)
	if len(next) != 2 || next[0].Key != "refresh-token:c1:lapsed" || next[1].Key != "delegation:d1:1d" {
		t.Errorf("next reminders %+v, want the lapse, then delegation:d1:1d", next)
	}
}

func TestDeadlineAlreadyPast(t *testing.T) {
	loc := amsterdam(t)
	rules := defaultRules(loc)
	conns := []Conn{{ID: "c1", Name: "Old", Status: "ok", LastRefresh: at(loc, "2026-01-01 10:00")}}
	dels := []store.Delegation{{ID: "d1", Platform: "P", Grantee: "G", Ends: date("2026-02-01")}}
	now := at(loc, "2026-06-01 10:00")
	fired := map[string]time.Time{}
	pending := Pending(Due(now, conns, dels, rules), fired)
	if len(pending) != 2 || pending[0].Threshold == pending[1].Threshold {
		t.Fatalf("want lapsed and ended, got %+v", pending)
	}
	for _, r := range pending {
		if r.Threshold != ThresholdLapsed && r.Threshold != ThresholdEnded {
			t.Errorf("%s: want lapsed or ended", r.Key)
		}
		if r.DaysLeft >= 0 {
			t.Errorf("%s: days left %d, want negative", r.Key, r.DaysLeft)
		}
		MarkFired(fired, r, rules)
	}
	if len(fired) != 4+5 { // 3 warnings + lapsed, 4 warnings + ended
		t.Errorf("fired has %d keys, want 9: %v", len(fired), fired)
	}
	if again := Pending(Due(now, conns, dels, rules), fired); len(again) != 0 {
		t.Errorf("repeated: %+v", again)
	}
}

func TestRenewalAndRefreshReArm(t *testing.T) {
	loc := amsterdam(t)
	rules := defaultRules(loc)
	fired := map[string]time.Time{}
	del := store.Delegation{ID: "d1", Platform: "P", Grantee: "G", Ends: date("2026-12-06")}
	conn := Conn{ID: "c1", Name: "C", Status: "ok", LastRefresh: at(loc, "2026-11-02 10:00")}

	now := at(loc, "2026-11-30 10:00") // delegation 7d, refresh 3d due
	for _, r := range Pending(Due(now, []Conn{conn}, []store.Delegation{del}, rules), fired) {
		MarkFired(fired, r, rules)
	}
	if len(Pending(Due(now, []Conn{conn}, []store.Delegation{del}, rules), fired)) != 0 {
		t.Fatal("not marked")
	}

	// Renewed and refreshed: nothing due now...
	del.Ends = date("2027-03-01")
	conn.LastRefresh = now
	if due := Due(now, []Conn{conn}, []store.Delegation{del}, rules); len(due) != 0 {
		t.Fatalf("after renewal and refresh nothing is due, got %+v", due)
	}
	// ...but the same thresholds fire again for the new deadlines.
	later := at(loc, "2027-02-22 10:00") // 7 days before the new end, refresh lapsed long ago
	got := Pending(Due(later, nil, []store.Delegation{del}, rules), fired)
	if r := only(t, got); r.Key != "delegation:d1:7d" {
		t.Errorf("got %s, want delegation:d1:7d re-armed", r.Key)
	}
	refreshDue := conn.LastRefresh.Add(720*time.Hour - 72*time.Hour)
	got = Pending(Due(refreshDue, []Conn{conn}, nil, rules), fired)
	if r := only(t, got); r.Key != "refresh-token:c1:3d" {
		t.Errorf("got %s, want refresh-token:c1:3d re-armed", r.Key)
	}

	// A small move of the deadline (a refresh while a warning is due) re-arms too.
	conn.LastRefresh = at(loc, "2026-11-02 10:00")
	moved := conn
	moved.LastRefresh = conn.LastRefresh.Add(time.Hour)
	if got := Pending(Due(now, []Conn{moved}, nil, rules), fired); len(got) != 1 {
		t.Errorf("moved deadline should re-arm, got %+v", got)
	}
}

func TestDSTAmsterdam(t *testing.T) {
	loc := amsterdam(t)
	rules := defaultRules(loc)
	tests := []struct {
		name      string
		ends      string
		now       string
		threshold string
		daysLeft  int
	}{
		// Spring: 2026-03-29 02:00 becomes 03:00.
		{"spring, ends that day, just after midnight", "2026-03-29", "2026-03-29 00:30", "today", 0},
		{"spring, ends that day, late evening", "2026-03-29", "2026-03-29 23:30", "today", 0},
		{"spring, the evening before", "2026-03-29", "2026-03-28 23:30", "1d", 1},
		{"spring, just after the end day", "2026-03-29", "2026-03-30 00:30", "ended", -1},
		{"spring, a week ahead at 00:30", "2026-04-05", "2026-03-29 00:30", "7d", 7},
		{"spring, a week ahead at 23:30", "2026-04-05", "2026-03-29 23:30", "7d", 7},
		{"spring, eight days ahead", "2026-04-05", "2026-03-28 23:30", "14d", 8},
		// Autumn: 2026-10-25 03:00 becomes 02:00.
		{"autumn, ends that day, just after midnight", "2026-10-25", "2026-10-25 00:30", "today", 0},
		{"autumn, ends that day, late evening", "2026-10-25", "2026-10-25 23:30", "today", 0},
		{"autumn, the evening before", "2026-10-25", "2026-10-24 23:30", "1d", 1},
		{"autumn, a week ahead at 00:30", "2026-11-01", "2026-10-25 00:30", "7d", 7},
		{"autumn, a week ahead at 23:30", "2026-11-01", "2026-10-25 23:30", "7d", 7},
		{"autumn, the day after", "2026-10-24", "2026-10-25 23:30", "ended", -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			del := store.Delegation{ID: "d", Platform: "P", Grantee: "G", Ends: date(tc.ends)}
			r := only(t, Due(at(loc, tc.now), nil, []store.Delegation{del}, rules))
			if r.Threshold != tc.threshold || r.DaysLeft != tc.daysLeft {
				t.Errorf("got %s, %d days left; want %s, %d", r.Threshold, r.DaysLeft, tc.threshold, tc.daysLeft)
			}
		})
	}

	// A refresh token lapsing at 00:30 the day after the autumn change: 25
	// hours away at 00:30 on the 25th, so the 1-day warning is not due yet,
	// but the calendar says one day left.
	lapse := at(loc, "2026-10-26 00:30")
	conn := Conn{ID: "c", Name: "C", Status: "ok", LastRefresh: lapse.Add(-720 * time.Hour)}
	r := only(t, Due(at(loc, "2026-10-25 00:30"), []Conn{conn}, nil, rules))
	if r.Threshold != "3d" || r.DaysLeft != 1 {
		t.Errorf("autumn refresh: got %s, %d days left; want 3d, 1", r.Threshold, r.DaysLeft)
	}
	r = only(t, Due(at(loc, "2026-10-25 23:30"), []Conn{conn}, nil, rules))
	if r.Threshold != "1d" || r.DaysLeft != 1 {
		t.Errorf("autumn refresh late: got %s, %d days left; want 1d, 1", r.Threshold, r.DaysLeft)
	}
	// Spring: 23 hours between 00:30 on the 29th and 00:30 on the 30th.
	lapse = at(loc, "2026-03-30 00:30")
	conn.LastRefresh = lapse.Add(-720 * time.Hour)
	r = only(t, Due(at(loc, "2026-03-29 00:30"), []Conn{conn}, nil, rules))
	if r.Threshold != "1d" || r.DaysLeft != 1 {
		t.Errorf("spring refresh: got %s, %d days left; want 1d, 1", r.Threshold, r.DaysLeft)
	}
}

func TestThresholdsFromSettings(t *testing.T) {
	loc := amsterdam(t)
	def := RulesFrom(store.Settings{}, loc)
	if len(def.RefreshWarnings) != 3 || def.RefreshWarnings[0] != 168*time.Hour || len(def.DelegationWarnDays) != 4 {
		t.Fatalf("defaults: %+v", def)
	}
	custom := RulesFrom(store.Settings{
		RefreshWarnings:    []store.Duration{store.Duration(48 * time.Hour), store.Duration(12 * time.Hour)},
		DelegationWarnDays: []int{30, 2},
	}, loc)
	conn := Conn{ID: "c", Name: "C", Status: "ok", LastRefresh: at(loc, "2026-11-02 10:00")}
	lapse := conn.LastRefresh.Add(720 * time.Hour)
	del := store.Delegation{ID: "d", Platform: "P", Grantee: "G", Ends: date("2026-12-31")}
	tests := []struct {
		now       time.Time
		subject   string
		threshold string
		severity  Severity
	}{
		{lapse.Add(-7 * 24 * time.Hour), "c", "", 0}, // the default 7 days no longer warns
		{lapse.Add(-48 * time.Hour), "c", "2d", Warning},
		{lapse.Add(-12 * time.Hour), "c", "12h", Critical},
		{at(loc, "2026-12-01 00:00"), "d", "30d", Info},
		{at(loc, "2026-12-17 00:00"), "d", "30d", Info}, // no 14-day warning any more
		{at(loc, "2026-12-29 00:00"), "d", "2d", Warning},
		{at(loc, "2026-12-31 12:00"), "d", "2d", Warning}, // no "today" any more
		{at(loc, "2027-01-01 00:00"), "d", "ended", Critical},
	}
	for _, tc := range tests {
		var conns []Conn
		var dels []store.Delegation
		if tc.subject == "c" {
			conns = []Conn{conn}
		} else {
			dels = []store.Delegation{del}
		}
		due := Due(tc.now, conns, dels, custom)
		if tc.threshold == "" {
			if len(due) != 0 {
				t.Errorf("%v: want nothing, got %+v", tc.now, due)
			}
			continue
		}
		r := only(t, due)
		if r.Threshold != tc.threshold || r.Severity != tc.severity {
			t.Errorf("%v: got %s/%s, want %s/%s", tc.now, r.Threshold, r.Severity, tc.threshold, tc.severity)
		}
	}
}

func TestUpcoming(t *testing.T) {
	loc := amsterdam(t)
	rules := defaultRules(loc)
	conn := Conn{ID: "c", Name: "C", Status: "ok", LastRefresh: at(loc, "2026-11-02 10:00")}
	lapse := conn.LastRefresh.Add(720 * time.Hour)
	del := store.Delegation{ID: "d", Platform: "P", Grantee: "G", Ends: date("2026-12-06")}
	tests := []struct {
		now  time.Time
		want []string // keys, soonest first
	}{
		{at(loc, "2026-11-03 10:00"), []string{"delegation:d:14d", "refresh-token:c:7d"}},
		{at(loc, "2026-11-29 12:00"), []string{"refresh-token:c:1d", "delegation:d:1d"}},
		{lapse, []string{"delegation:d:1d"}},
		{at(loc, "2026-12-06 12:00"), []string{"delegation:d:ended"}},
		{at(loc, "2026-12-07 00:00"), nil},
	}
	for _, tc := range tests {
		up := Upcoming(tc.now, []Conn{conn}, []store.Delegation{del}, rules)
		var got []string
		for _, r := range up {
			got = append(got, r.Key)
			if !r.DueAt.After(tc.now) {
				t.Errorf("%s: upcoming reminder due at %v, not after now", r.Key, r.DueAt)
			}
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("at %v: got %v, want %v", tc.now, got, tc.want)
		}
	}
	reconnect := conn
	reconnect.Status = "needs-reconnect"
	if up := Upcoming(lapse.Add(-time.Hour), []Conn{reconnect}, nil, rules); len(up) != 0 {
		t.Errorf("a connection that needs reconnecting has no next threshold, got %+v", up)
	}
}

func TestDueOrder(t *testing.T) {
	loc := amsterdam(t)
	now := at(loc, "2026-12-01 12:00")
	conns := []Conn{
		{ID: "c1", Name: "Later warning", Status: "ok", LastRefresh: now.Add(-720*time.Hour + 5*24*time.Hour)},
		{ID: "c2", Name: "Sooner warning", Status: "ok", LastRefresh: now.Add(-720*time.Hour + 4*24*time.Hour)},
		{ID: "c3", Name: "Reconnect", Status: "needs-reconnect", LastRefresh: now.Add(-time.Hour)},
	}
	dels := []store.Delegation{
		{ID: "d1", Platform: "P", Grantee: "Info", Ends: date("2026-12-12")},
		{ID: "d2", Platform: "P", Grantee: "Critical", Ends: date("2026-12-01")},
	}
	var got []string
	for _, r := range Due(now, conns, dels, defaultRules(loc)) {
		got = append(got, r.SubjectID)
	}
	// Critical first (soonest deadline first among them), then warnings, then info.
	if want := "d2 c3 c2 c1 d1"; strings.Join(got, " ") != want {
		t.Errorf("order %v, want %s", got, want)
	}
}

func TestMessage(t *testing.T) {
	loc := amsterdam(t)
	conn := Conn{ID: "c", Name: "Bakkerij", Status: "ok", LastRefresh: at(loc, "2026-11-02 10:00")}
	del := store.Delegation{ID: "d", Platform: "Invantive Cloud", Grantee: "Accountantskantoor Smit", Ends: date("2026-12-06")}
	rules := defaultRules(loc)
	msg := func(now time.Time, c []Conn, d []store.Delegation) string {
		return only(t, Due(now, c, d, rules)).Message()
	}
	tests := []struct{ got, want string }{
		{msg(at(loc, "2026-11-29 10:00"), []Conn{conn}, nil),
			"Bakkerij: the Exact Online login lapses in 3 days (2026-12-02); keep this PC on with Exact Keeper running, or reconnect."},
		{msg(at(loc, "2026-12-01 11:00"), []Conn{conn}, nil),
			"Bakkerij: the Exact Online login lapses tomorrow (2026-12-02); keep this PC on with Exact Keeper running, or reconnect."},
		{msg(at(loc, "2026-12-03 11:00"), []Conn{conn}, nil),
			"Bakkerij: the Exact Online login lapsed on 2026-12-02; reconnect this connection in Exact Keeper."},
		{msg(at(loc, "2026-11-29 09:00"), nil, []store.Delegation{del}),
			"Invantive Cloud → Accountantskantoor Smit: the delegation ends in 7 days (2026-12-06); renew it on the platform, then mark it renewed."},
		{msg(at(loc, "2026-12-06 09:00"), nil, []store.Delegation{del}),
			"Invantive Cloud → Accountantskantoor Smit: the delegation ends today (2026-12-06); renew it on the platform, then mark it renewed."},
		{msg(at(loc, "2026-12-08 09:00"), nil, []store.Delegation{del}),
			"Invantive Cloud → Accountantskantoor Smit: the delegation ended on 2026-12-06; renew it on the platform, then mark it renewed."},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("got  %q\nwant %q", tc.got, tc.want)
		}
	}
	conn.Status = "needs-reconnect"
	if m := msg(at(loc, "2026-11-03 10:00"), []Conn{conn}, nil); !strings.Contains(m, "Bakkerij") || !strings.Contains(m, "reconnect") {
		t.Errorf("reconnect message %q", m)
	}
}

func TestSeverityString(t *testing.T) {
	for s, want := range map[Severity]string{Info: "info", Warning: "warning", Critical: "critical", 7: "severity(7)"} {
		if got := s.String(); got != want {
			t.Errorf("%d: %q, want %q", int(s), got, want)
		}
	}
}
