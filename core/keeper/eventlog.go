package keeper

import (
	"errors"

	"github.com/exactkeeper/exactkeeper/core/eventlog"
	"github.com/exactkeeper/exactkeeper/core/exact"
)

// logEntry is the lasting record of an event the engine publishes: kinds
// and parameters only (the Event's English Message is not kept), with the
// facts Exact support asks for taken from err. old is the status before a
// state change.
func (e *engine) logEntry(c *chain, ev Event, old string, err error) {
	le := eventlog.Entry{Time: ev.Time, ConnectionID: ev.ConnectionID, Connection: ev.Connection, Status: ev.Status}
	switch ev.Kind {
	case EventRefreshed:
		le.Kind = eventlog.Refreshed
		if c != nil && !c.st.LastRefresh.IsZero() {
			le.LapsesAt = c.st.LastRefresh.Add(c.conn.RefreshLifetimeOr())
		}
	case EventFailed:
		le.Kind = eventlog.LocalFailed
		var xe *exact.Error
		if errors.As(err, &xe) {
			le.Kind = eventlog.Failed
			le.Outcome, le.HTTPStatus, le.Code, le.Reason = xe.Outcome.String(), xe.Status, xe.Code, xe.Reason
			le.RetryAfterSeconds = int64(xe.RetryAfter.Seconds())
			le.RateLimit = xe.RateLimit
		}
	case EventStateChanged:
		le.Kind, le.OldStatus = eventlog.State, old
		if old == StatusNeedsReconnect && (ev.Status == StatusOK || ev.Status == StatusNew) {
			le.Kind = eventlog.Reconnected
		}
	default:
		return
	}
	if err := e.k.log.Append(le); err != nil {
		e.o.Logger.Warn("could not write the event log", "error", err)
	}
}

// failure is what the event log records of a failed visit: Exact's
// refusal when there was one, otherwise the local error.
func (v visit) failure() error {
	if v.xerr != nil {
		return v.xerr
	}
	return v.err
}

// logConfig records connections added and removed.
func (e *engine) logConfig(ev Event, added, removed []string) {
	for _, n := range added {
		_ = e.k.log.Append(eventlog.Entry{Time: ev.Time, Kind: eventlog.Added, Connection: n})
	}
	for _, n := range removed {
		_ = e.k.log.Append(eventlog.Entry{Time: ev.Time, Kind: eventlog.Removed, Connection: n})
	}
}
