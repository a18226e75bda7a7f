package remind

import (
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/eventlog"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// The reminders Check hands out for sending are in the lasting log once,
// not again on the next Check.
func TestCheckLogsRemindersSent(t *testing.T) {
	loc := amsterdam(t)
	dir := t.TempDir()
	s := openStore(t, dir)
	err := s.UpdateConfig(func(c *store.Config) error {
		c.Delegations = []store.Delegation{{ID: "d1", Platform: "Invantive Cloud", Grantee: "Smit", Ends: date("2026-12-06")}}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	now := at(loc, "2026-11-30 12:00")
	for i := range 2 {
		if _, err := Check(s, now.Add(time.Duration(i)*time.Minute), loc); err != nil {
			t.Fatal(err)
		}
	}
	got, err := eventlog.Read(dir, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("log %+v, want the one reminder sent", got)
	}
	if e := got[0]; e.Kind != eventlog.Reminder || e.ReminderKind != KindDelegation || e.Threshold != "7d" ||
		e.SubjectID != "d1" || e.Subject != "Invantive Cloud → Smit" || !e.Time.Equal(now) {
		t.Errorf("logged %+v", e)
	}
}
