package keeper

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

// Options configure the engine and the one-shot operations.
type Options struct {
	Store   *store.Store
	Vault   vault.Vault
	Clock   Clock           // nil: SystemClock{}
	HTTP    *http.Client    // for exact.Client; nil: its default
	Tick    time.Duration   // how often deadlines are checked against the wall clock; default 15s
	Backoff []time.Duration // transient-failure retry delays; default 2m, 5m, 15m, 30m, 60m (then 60m)
	Logger  *slog.Logger    // nil: discard. Never given a secret.
}

// Defaults of Options.
const (
	DefaultTick = 15 * time.Second
	// DefaultRetryAfter is the wait after a rate-limited answer that did not
	// say how long to wait: Exact blocks an app for an hour.
	DefaultRetryAfter = time.Hour
)

// DefaultBackoff are the waits after successive failed refresh rounds. Each
// round is at most two token calls (the attempt and its immediate retry), so
// the first hour holds at most 10 calls: Exact's error budget.
var DefaultBackoff = []time.Duration{2 * time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute, 60 * time.Minute}

// netTimeout bounds one refresh visit's network calls. They run detached
// from the caller's context: a refresh abandoned halfway may rotate the
// chain without anyone receiving the new token.
const netTimeout = 2 * time.Minute

// defaultAccessLifetime is Exact's access-token lifetime, used to size the
// refresh window when the token itself is not at hand.
const defaultAccessLifetime = 10 * time.Minute

func (o Options) withDefaults() (Options, error) {
	if o.Store == nil {
		return o, errors.New("keeper: Options.Store is required")
	}
	if o.Vault == nil {
		return o, errors.New("keeper: Options.Vault is required")
	}
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	if o.Tick <= 0 {
		o.Tick = DefaultTick
	}
	if len(o.Backoff) == 0 {
		o.Backoff = DefaultBackoff
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

// backoff is the wait after the n-th failed round in a row (n >= 1).
func (o Options) backoff(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	if n > len(o.Backoff) {
		n = len(o.Backoff)
	}
	return o.Backoff[n-1]
}

// client talks to conn's Exact host with this process's HTTP client and
// clock, so token times come from the same clock that plans refreshes.
func (o Options) client(conn store.Connection, secret string) exact.Client {
	return exact.Client{
		BaseURL:      conn.BaseURL,
		ClientID:     conn.ClientID,
		ClientSecret: secret,
		RedirectURI:  conn.RedirectURI,
		HTTP:         o.HTTP,
		Now:          o.Clock.Now,
	}
}
