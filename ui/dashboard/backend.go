package dashboard

import (
	"context"
	"errors"
	"io"

	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// Backend is everything the dashboard asks of the rest of Exact Keeper. The
// window only draws; the keeper (over IPC), the store and the login flow
// decide. Calls may block on the keychain or the network, so the dashboard
// never makes them on the UI goroutine.
type Backend interface {
	// Status returns every connection as the keeper sees it.
	Status(ctx context.Context) ([]keeper.ConnStatus, error)
	// Events streams the keeper's events until ctx ends or the keeper goes
	// away (the channel is then closed).
	Events(ctx context.Context) (<-chan keeper.Event, error)
	// Refresh asks the keeper to refresh one connection now.
	Refresh(ctx context.Context, id string) error
	// Remove disconnects a connection and forgets its secrets.
	Remove(ctx context.Context, id string) error
	// Connect starts a browser login for a new connection, or for
	// req.ExistingID (a reconnect), in which case fields left empty keep
	// the stored values, the client secret included.
	Connect(ctx context.Context, req keeper.ConnectRequest) (Login, error)
	// SetClientSecret replaces a connection's client secret after Exact
	// refused the old one, keeping its login, and has the keeper try it at
	// once: the result is that refresh's. ErrSecretNotTried means it was
	// saved but no keeper runs to try it.
	SetClientSecret(ctx context.Context, id, secret string) error

	// Delegations lists the delegation records.
	Delegations(ctx context.Context) ([]store.Delegation, error)
	// SaveDelegation adds d (empty ID) or replaces the record with d.ID.
	SaveDelegation(ctx context.Context, d store.Delegation) (store.Delegation, error)
	// RenewDelegation records a renewal: a new period from starts to ends.
	RenewDelegation(ctx context.Context, id string, starts, ends store.Date) error
	// RemoveDelegation deletes a delegation record.
	RemoveDelegation(ctx context.Context, id string) error
	// ExportICS writes every delegation's end as an iCalendar file.
	ExportICS(ctx context.Context, w io.Writer) error

	// Settings returns the user's preferences.
	Settings(ctx context.Context) (store.Settings, error)
	// SaveSettings stores the user's preferences.
	SaveSettings(ctx context.Context, s store.Settings) error

	// Version is the running build, for the About line.
	Version() string
}

// Login is one browser login in progress, started by Backend.Connect.
type Login interface {
	// URL is the Exact Online address to log in at, for when the browser
	// did not open by itself.
	URL() string
	// OpenError is why the browser did not open, or nil.
	OpenError() error
	// Loopback reports whether this PC listens for the browser's answer;
	// otherwise only Paste can finish the login.
	Loopback() bool
	// Relay reports whether the answer comes through a relay page, with
	// pasting the address accepted at the same time (whichever is first).
	Relay() bool
	// Wait returns the saved connection once the login finished and the
	// keeper took it over, or why it failed.
	Wait(ctx context.Context) (store.Connection, error)
	// Paste takes the address the browser landed on; a wrong one returns
	// an error and leaves the login waiting.
	Paste(finalURL string) error
	// Cancel ends the login; nothing is changed.
	Cancel()
}

// ErrSecretNotTried: SetClientSecret saved the secret, but no keeper runs to
// try it; the keeper tries it when it starts.
var ErrSecretNotTried = errors.New("the client secret is saved; Exact Keeper is not running, so it was not tried yet")
