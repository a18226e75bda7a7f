// Package store keeps Exact Keeper's non-secret configuration and state in
// JSON files under the user's config directory: written atomically, guarded
// by a cross-process file lock, versioned, read only up to a size limit, and
// each followed by a copy of its last good save (config.json.good,
// state.json.good). A damaged config.json is never overwritten; a damaged
// state.json is kept aside and replaced by its last good copy, so the keeper
// goes on. Secrets live in core/vault, never here.
package store

import (
	"time"
)

// Schema versions of the files this build writes.
const (
	ConfigVersion = 1
	StateVersion  = 1
)

// Config is config.json: what the user chose. It changes rarely.
type Config struct {
	Version     int          `json:"version"`
	Connections []Connection `json:"connections"`
	Delegations []Delegation `json:"delegations"`
	Settings    Settings     `json:"settings"`
}

// Connection is one Exact user logged in through one app registration in one
// region. The client secret and tokens are in the vault under ID.
type Connection struct {
	ID              string    `json:"id"`
	Name            string    `json:"name"`
	Region          string    `json:"region,omitempty"` // nl be de fr es uk us; empty with a custom BaseURL
	BaseURL         string    `json:"base_url"`
	ClientID        string    `json:"client_id"`
	RedirectURI     string    `json:"redirect_uri"`
	RefreshLifetime Duration  `json:"refresh_lifetime"` // default 720h
	User            User      `json:"user"`
	Division        int       `json:"division"`
	DivisionName    string    `json:"division_name,omitempty"` // the company, from system/Divisions
	Created         time.Time `json:"created"`
}

// User is who logged in, from current/Me.
type User struct {
	ID       string `json:"id"`
	UserName string `json:"user_name"`
	FullName string `json:"full_name"`
	Email    string `json:"email"`
}

// Delegation is a record the owner keeps of access granted on a platform.
type Delegation struct {
	ID           string `json:"id"`
	Platform     string `json:"platform"`
	Grantee      string `json:"grantee"`
	Environment  string `json:"environment,omitempty"`
	Starts       Date   `json:"starts"`
	Ends         Date   `json:"ends"`
	ConnectionID string `json:"connection_id,omitempty"`
	Note         string `json:"note,omitempty"`
}

// Settings are the user's preferences; zero values mean "the default".
type Settings struct {
	KeepAlive          Duration   `json:"keepalive,omitempty"`            // default 24h
	RefreshWarnings    []Duration `json:"refresh_warnings,omitempty"`     // default 168h, 72h, 24h before lapse
	DelegationWarnDays []int      `json:"delegation_warn_days,omitempty"` // default 14, 7, 1, 0
	Language           string     `json:"language,omitempty"`             // "", "en", "nl"; "" follows the OS
	Autostart          *bool      `json:"autostart,omitempty"`            // nil: not decided yet
	// Gateway is the local API gateway (core/gateway). A new field of
	// schema version 1: older builds ignore it.
	Gateway Gateway `json:"gateway,omitzero"`
}

// Gateway configures the local API gateway of the running keeper.
type Gateway struct {
	Enabled bool         `json:"enabled,omitempty"` // off by default
	Addr    string       `json:"addr,omitempty"`    // loopback host:port; "" is the per-user default
	Keys    []GatewayKey `json:"keys,omitempty"`
}

// GatewayKey is one program's key. Only its SHA-256 is kept: the key is
// 32 random bytes, so a plain hash is as good as a slow one, and it is
// checked on every request.
type GatewayKey struct {
	Name    string    `json:"name"`
	SHA256  string    `json:"sha256"` // hex
	Created time.Time `json:"created"`
}

// State is state.json: what the keeper learned. It changes on every refresh.
type State struct {
	Version     int                  `json:"version"`
	Connections map[string]ConnState `json:"connections"` // by connection ID
	// Reminders records which (subject, threshold) reminders were notified,
	// keyed by reminder key, with the deadline they were for, so a moved
	// deadline re-arms them.
	Reminders map[string]time.Time `json:"reminders,omitempty"`
}

// ConnState is the keeper's knowledge of one chain. No token in it.
type ConnState struct {
	Status       string    `json:"status"` // see keeper.Status* constants
	LastRefresh  time.Time `json:"last_refresh"`
	AccessExpiry time.Time `json:"access_expiry,omitempty"`
	FailingSince time.Time `json:"failing_since,omitempty"`
	Failures     int       `json:"failures,omitempty"`
	NextAttempt  time.Time `json:"next_attempt,omitempty"`
	LastError    string    `json:"last_error,omitempty"`
	// Attention names what the owner must mend when Status is
	// "needs-attention" (see keeper.Attention*); empty otherwise.
	Attention string `json:"attention,omitempty"`
	// TokenErrors are the moments of the token endpoint's refusals (4xx)
	// for this chain in the last hour, oldest first, at most ten: Exact
	// blocks an app after ten errors an hour, and every process that
	// refreshes this chain counts against the same budget.
	TokenErrors []time.Time `json:"token_errors,omitempty"`
	// APICheck is when current/Me last answered (or refused with 403), so
	// the API's health is checked at least daily.
	APICheck time.Time `json:"api_check,omitempty"`
}

// Defaults.
const (
	DefaultRefreshLifetime = 720 * time.Hour
	DefaultKeepAlive       = 24 * time.Hour
)

// DefaultRefreshWarnings are the lapse warnings before a refresh token lapses.
var DefaultRefreshWarnings = []time.Duration{7 * 24 * time.Hour, 3 * 24 * time.Hour, 24 * time.Hour}

// DefaultDelegationWarnDays are the days before a delegation's end to warn.
var DefaultDelegationWarnDays = []int{14, 7, 1, 0}
