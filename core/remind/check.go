package remind

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/exactkeeper/exactkeeper/core/eventlog"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// ConnsFrom joins the configured connections with what the keeper learned.
// A connection the keeper never refreshed counts from its creation, when its
// refresh token was issued.
func ConnsFrom(cfg store.Config, st store.State) []Conn {
	out := make([]Conn, 0, len(cfg.Connections))
	for _, c := range cfg.Connections {
		cs := st.Connections[c.ID]
		last := cs.LastRefresh
		if last.IsZero() {
			last = c.Created
		}
		out = append(out, Conn{ID: c.ID, Name: c.Name, Status: cs.Status, LastRefresh: last,
			RefreshLifetime: c.RefreshLifetimeOr()})
	}
	return out
}

// errUnchanged tells UpdateState to leave state.json alone: the tray calls
// Check every minute, and most calls have nothing to record.
var errUnchanged = errors.New("remind: nothing to record")

// Check returns the reminders to notify at now and records them as notified
// in state.json under the store's lock, so a second Check (in this process
// or after a restart) does not repeat them. loc is the user's calendar zone.
func Check(s *store.Store, now time.Time, loc *time.Location) ([]Reminder, error) {
	cfg, err := s.LoadConfig()
	if err != nil {
		return nil, err
	}
	rules := RulesFrom(cfg.Settings, loc)
	var pending []Reminder
	err = s.UpdateState(func(st *store.State) error {
		due := Due(now, ConnsFrom(cfg, *st), cfg.Delegations, rules)
		pending = Pending(due, st.Reminders)
		pruned := prune(st.Reminders, cfg)
		if len(pending) == 0 && !pruned {
			return errUnchanged
		}
		if st.Reminders == nil {
			st.Reminders = make(map[string]time.Time)
		}
		for _, r := range pending {
			MarkFired(st.Reminders, r, rules)
		}
		return nil
	})
	if err != nil && !errors.Is(err, errUnchanged) {
		return nil, fmt.Errorf("could not record the reminders in state.json: %w", err)
	}
	// The caller sends what is pending; the lasting activity says so.
	log := eventlog.Open(s.Dir)
	for _, r := range pending {
		_ = log.Append(eventlog.Entry{Time: now, Kind: eventlog.Reminder, ReminderKind: r.Kind,
			Threshold: r.Threshold, Subject: r.SubjectName, SubjectID: r.SubjectID})
	}
	return pending, nil
}

// prune forgets reminders of connections and delegations that no longer
// exist, so state.json does not grow forever. It reports whether it removed any.
func prune(fired map[string]time.Time, cfg store.Config) bool {
	live := make(map[string]bool)
	for _, c := range cfg.Connections {
		live[KindRefreshToken+":"+c.ID] = true
		live[KindReconnect+":"+c.ID] = true
	}
	for _, d := range cfg.Delegations {
		live[KindDelegation+":"+d.ID] = true
	}
	removed := false
	for k := range fired {
		i := strings.LastIndexByte(k, ':')
		if i < 0 || !live[k[:i]] {
			delete(fired, k)
			removed = true
		}
	}
	return removed
}
