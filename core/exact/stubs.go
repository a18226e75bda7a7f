package exact

import (
	"context"
	"time"

	"golang.org/x/oauth2"
)

// TODO(helper-exact): implement everything in this file, then move it into
// proper files (regions.go, client.go, classify.go) and delete this one.

// Regions lists the region codes in the order users expect: nl be de fr es uk us.
func Regions() []string { panic("todo") }

// BaseURL maps a region code to its host, e.g. "nl" -> https://start.exactonline.nl.
func BaseURL(region string) (string, error) { panic("todo") }

// OAuthConfig is the oauth2 configuration for a host: AuthStyleInParams,
// never auto-detection (which may post a single-use refresh token twice).
func OAuthConfig(baseURL, clientID, clientSecret, redirectURI string) *oauth2.Config {
	panic("todo")
}

// RefreshWindow is how long before expiry a refresh is allowed: 30 s of a
// 600 s token, scaled for other lifetimes (lifetime * 30 / 600).
func RefreshWindow(lifetime time.Duration) time.Duration { panic("todo") }

// Lifetime is Expiry - IssuedAt.
func (t Token) Lifetime() time.Duration { panic("todo") }

// RefreshAllowedAt is the first moment Exact accepts a refresh: Expiry - window.
func (t Token) RefreshAllowedAt() time.Time { panic("todo") }

// Classify maps an HTTP answer of the token endpoint to an Outcome.
func Classify(status int, reasonHeader string, body []byte) Outcome { panic("todo") }

func (o Outcome) String() string { panic("todo") }

func (e *Error) Error() string { panic("todo") }
func (e *Error) Unwrap() error { return e.Err }

// AuthCodeURL builds the authorize URL with state and a PKCE S256 challenge
// for verifier; forceLogin adds force_login=1.
func (c *Client) AuthCodeURL(state, verifier string, forceLogin bool) string { panic("todo") }

// Exchange trades an authorization code for the first token pair.
func (c *Client) Exchange(ctx context.Context, code, verifier string) (Token, error) {
	panic("todo")
}

// Refresh spends refreshToken once. Any failure is an *Error.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (Token, error) {
	panic("todo")
}

// Me returns the logged-in user.
func (c *Client) Me(ctx context.Context, accessToken string) (Me, error) { panic("todo") }
