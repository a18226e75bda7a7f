// Package vault keeps secrets (client secrets, refresh and access tokens) in
// the OS keychain through go-keyring. There is no plaintext fallback: when no
// keychain answers, callers get ErrUnavailable and a sentence telling the user
// what to start.
package vault

import "errors"

// Vault stores string secrets by key. Implementations must be safe for
// concurrent use.
type Vault interface {
	Get(key string) (string, error) // ErrNotFound when absent
	Set(key, value string) error
	Delete(key string) error // nil when already absent
}

var (
	// ErrNotFound: no secret under that key.
	ErrNotFound = errors.New("secret not found in the keychain")
	// ErrUnavailable wraps every failure to reach the keychain (no D-Bus, no
	// Secret Service, locked collection, timeout).
	ErrUnavailable = errors.New("the OS keychain is not available")
)

// ClientSecretKey names the client secret of a connection. Key names give one
// keychain item per secret per connection.
func ClientSecretKey(connID string) string { return connID + "/client_secret" }

// RefreshTokenKey names the bare rotating refresh token of a connection, as
// versions before ChainKey stored it; read only to migrate.
func RefreshTokenKey(connID string) string { return connID + "/refresh_token" }

// ChainKey names a connection's refresh chain: the refresh token with the
// times of its access token, as one item (JSON, see core/keeper).
func ChainKey(connID string) string { return connID + "/chain" }

// ItemLimit is the largest value kept in one keychain item; longer values
// are split into parts, which is crash-safe but not one atomic write.
const ItemLimit = chunkSize

// AccessTokenKey names the cached access token (JSON of exact.Token without
// the refresh token), shared between CLI processes when no keeper runs.
func AccessTokenKey(connID string) string { return connID + "/access_token" }
