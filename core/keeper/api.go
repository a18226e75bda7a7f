// Package keeper is the engine that keeps Exact Online refresh chains alive:
// it owns every chain while it runs, refreshes only inside Exact's window,
// keeps chains from lapsing, retries transient failures within Exact's error
// budget, and tells the tray, the dashboard and the reminders what happened
// through events. One goroutine owns the state; a Clock drives it.
package keeper

import (
	"errors"
	"time"
)

// Connection states, as stored in store.ConnState.Status and shown to users.
const (
	StatusOK             = "ok"              // chain alive
	StatusFailing        = "failing"         // transient failures, retrying
	StatusNeedsReconnect = "needs-reconnect" // only a browser login helps
	StatusNew            = "new"             // connected, never refreshed by the keeper yet
	// StatusNeedsAttention: the chain is kept, but something only the
	// owner can mend stops it; ConnState.Attention says what.
	StatusNeedsAttention = "needs-attention"
	// StatusPaused: Exact refused so many token requests in the last hour
	// that background attempts wait, so that Exact does not block the app;
	// LastError says until when. The owner's own "refresh now" (Keeper.Refresh,
	// RefreshNow) may still spend the last two of Exact's ten errors an hour.
	StatusPaused = "paused"
)

// What a connection that needs attention needs.
const (
	// AttentionSecret: Exact refused the client secret. The refresh token
	// is kept; no attempt is made until the secret is entered again.
	AttentionSecret = "client-secret"
	// AttentionAPI: the chain refreshes, but Exact refuses API calls with
	// 403 (licence, a blocked user, scopes missing on the registration).
	// Refreshing goes on, so the login never lapses meanwhile.
	AttentionAPI = "api"
)

// ConnStatus is what status screens show of one connection. No secrets.
type ConnStatus struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Region       string    `json:"region,omitempty"`
	BaseURL      string    `json:"base_url"`
	Status       string    `json:"status"`
	UserName     string    `json:"user_name,omitempty"`
	FullName     string    `json:"full_name,omitempty"`
	Email        string    `json:"email,omitempty"`
	Division     int       `json:"division,omitempty"`
	Company      string    `json:"company,omitempty"` // the division's name
	LastRefresh  time.Time `json:"last_refresh,omitempty"`
	LapsesAt     time.Time `json:"lapses_at,omitempty"`    // LastRefresh + refresh lifetime
	NextRefresh  time.Time `json:"next_refresh,omitempty"` // the planned keep-alive or retry
	AccessExpiry time.Time `json:"access_expiry,omitempty"`
	FailingSince time.Time `json:"failing_since,omitempty"`
	LastError    string    `json:"last_error,omitempty"`
	// Attention says what needs the owner when Status is needs-attention
	// (AttentionSecret, AttentionAPI).
	Attention string `json:"attention,omitempty"`
}

// EventKind tells what happened.
type EventKind string

// Event kinds.
const (
	EventRefreshed     EventKind = "refreshed"      // a refresh succeeded
	EventFailed        EventKind = "failed"         // a refresh failed (transiently or not)
	EventStateChanged  EventKind = "state-changed"  // a connection's Status changed
	EventConfigChanged EventKind = "config-changed" // connections added or removed
)

// Event is emitted to subscribers. Message is a plain sentence, never a secret.
type Event struct {
	Time         time.Time `json:"time"`
	Kind         EventKind `json:"kind"`
	ConnectionID string    `json:"connection_id,omitempty"`
	Connection   string    `json:"connection,omitempty"` // name
	Status       string    `json:"status,omitempty"`
	Message      string    `json:"message,omitempty"`
}

// Errors callers can test for with errors.Is. Exit code 3 of the CLI maps to
// ErrNeedsReconnect.
var (
	ErrNeedsReconnect = errors.New("needs reconnect: log in to Exact Online again")
	ErrUnknown        = errors.New("no such connection")
	ErrNoConnections  = errors.New("no connections yet: run 'exactkeeperctl connect' first")
	// ErrWrongSecret: Exact refused the client secret; enter it again
	// (exactkeeperctl secret, or the dashboard). The login is kept.
	ErrWrongSecret = errors.New("the client secret was refused by Exact Online")
	// ErrAPIRefused: connected, but Exact refuses API calls (403); the
	// connection is saved and kept alive, and needs the owner's attention.
	ErrAPIRefused = errors.New("the app's API calls are refused by Exact Online")
)

// Clock is the keeper's view of time; tests inject a fake.
type Clock interface {
	Now() time.Time
	// NewTicker returns a channel that receives now and then, and a stop func.
	NewTicker(d time.Duration) (<-chan time.Time, func())
}

// TimerClock is a Clock that can also wait: After's channel receives once
// the clock has moved d on. The keeper waits with it when a Clock has it
// (SystemClock and test clocks do), and on the real clock otherwise.
type TimerClock interface {
	Clock
	After(d time.Duration) <-chan time.Time
}

// after waits d on c.
func after(c Clock, d time.Duration) <-chan time.Time {
	if tc, ok := c.(TimerClock); ok {
		return tc.After(d)
	}
	return time.After(d)
}

// SystemClock is the real wall clock.
type SystemClock struct{}

// After wraps time.After.
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Now returns the wall-clock time without its monotonic reading, so that
// comparisons after sleep or hibernation use the wall clock.
func (SystemClock) Now() time.Time { return time.Now().Round(0) }

// NewTicker wraps time.NewTicker.
func (SystemClock) NewTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}
