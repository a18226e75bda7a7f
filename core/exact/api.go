// Package exact knows Exact Online's OAuth quirks: the regional hosts, the
// token endpoint's string-typed expires_in and its error bodies, the refresh
// window, and the current/Me call. Everything that keeps a chain alive builds
// on the classification in this package, so it is deliberately strict.
package exact

import (
	"net/http"
	"time"
)

// Outcome is what a token-endpoint answer means for the refresh chain.
type Outcome int

const (
	// OK: a new token pair was issued.
	OK Outcome = iota
	// NeedsReconnect: the refresh token is dead (rotated, expired, broken
	// chain); only a new browser login helps.
	NeedsReconnect
	// TooEarly: Exact refused because the access token has not expired yet.
	TooEarly
	// RateLimited: a daily or hourly budget is exhausted (429, or a 400 that
	// says so); wait until the reset.
	RateLimited
	// Transient: network errors, timeouts, 5xx and anything unrecognised;
	// retry later and never drop the stored refresh token.
	Transient
	// WrongSecret: Exact refused the app's credentials (invalid_client
	// without "not found"): the client secret is wrong or was renewed in
	// the App Center. The refresh token may still be good, so it is kept;
	// retrying cannot help until the owner enters the secret again.
	WrongSecret
)

// Token is one access token with the refresh token issued alongside it.
// IssuedAt and Expiry come from the caller's clock, not the server's.
type Token struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"-"`
	IssuedAt     time.Time `json:"issued_at"`
	Expiry       time.Time `json:"expires_at"`
}

// Error is a failed token-endpoint call, already classified. Its message never
// contains a token or a secret.
type Error struct {
	Outcome     Outcome
	Status      int    // HTTP status; 0 when no answer arrived
	Code        string // OAuth error code, e.g. "invalid_grant"
	Description string // error_description as Exact sent it (it holds no secrets)
	Reason      string // the "Reason" response header, e.g. TooEarlyToRefreshTokens
	RateLimit   string // the X-RateLimit-* headers as "Limit=200 Remaining=0 …", for support
	RetryAfter  time.Duration
	// RefreshToken is a new refresh token found in an error body (Exact may
	// rotate even when it refuses); the caller must store it.
	RefreshToken string
	Err          error // underlying transport error, if any
}

// Me is the logged-in Exact user from GET /api/v1/current/Me.
type Me struct {
	UserID          string `json:"UserID"`
	UserName        string `json:"UserName"`
	FullName        string `json:"FullName"`
	Email           string `json:"Email"`
	CurrentDivision int    `json:"CurrentDivision"`
	LanguageCode    string `json:"LanguageCode"`
}

// Client talks to one Exact Online host with one app registration.
type Client struct {
	BaseURL      string // e.g. https://start.exactonline.nl, no trailing slash
	ClientID     string
	ClientSecret string
	RedirectURI  string
	HTTP         *http.Client     // nil: a client with a 30 s timeout; token calls get at least TokenCallTimeout
	Now          func() time.Time // nil: time.Now
}

var _ = http.StatusOK
