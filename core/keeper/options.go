package keeper

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
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
	// LockDir holds the chain locks (in its "locks" folder). The lock of a
	// chain is named after the keychain item it protects, not after the
	// configuration folder, so two configuration folders (a copy, a
	// restored backup, another EXACTKEEPER_HOME) that share one keychain
	// item still refresh it one at a time. Default: os.UserCacheDir()/
	// exactkeeper, the same for every configuration folder of this user;
	// Store.Dir when there is no cache folder.
	LockDir string
	// KeychainService is the keychain service the Vault stores under, part
	// of the chain lock's name; default "exactkeeper".
	KeychainService string
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

// netTimeout bounds each token call of a refresh visit. The calls run
// detached from the caller's context, and the HTTP client gives them as
// long (exact.TokenCallTimeout): a refresh abandoned halfway may rotate the
// chain without anyone receiving the new token, and Exact has been seen to
// take 35 s in its busy hour.
const netTimeout = exact.TokenCallTimeout

// defaultKeychainService is the service the front ends store secrets under.
const defaultKeychainService = "exactkeeper"

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
	if o.KeychainService == "" {
		o.KeychainService = defaultKeychainService
	}
	if o.LockDir == "" {
		o.LockDir = defaultLockDir(o.Store.Dir)
	}
	return o, nil
}

// defaultLockDir is where every configuration folder of this user sees the
// same chain locks.
func defaultLockDir(fallback string) string {
	if base, err := os.UserCacheDir(); err == nil && base != "" {
		return filepath.Join(base, "exactkeeper")
	}
	return fallback
}

// lockChain takes the cross-process lock of a chain: of the keychain item
// that holds its refresh token (OS user, keychain service, item key), in
// LockDir. Everything that spends, replaces or removes a refresh token
// holds it.
func (o Options) lockChain(ctx context.Context, connID string) (func(), error) {
	dir := o.LockDir
	if dir == "" {
		dir = defaultLockDir(o.Store.Dir)
	}
	service := cmp.Or(o.KeychainService, defaultKeychainService)
	return (&store.Store{Dir: dir}).Lock(ctx, chainLockName(service, connID))
}

// chainLockName names the lock of a chain after the keychain item it
// protects. A hash keeps it a valid lock name whatever the parts hold.
func chainLockName(service, connID string) string {
	sum := sha256.Sum256([]byte(osUser() + "\x00" + service + "\x00" + vault.RefreshTokenKey(connID)))
	return "chain-" + hex.EncodeToString(sum[:16])
}

// osUser names the OS account whose keychain holds the secrets.
var osUser = sync.OnceValue(func() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return strconv.Itoa(os.Getuid())
})

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
