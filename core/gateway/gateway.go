// Package gateway is the local API gateway of the running keeper: programs
// that cannot run a command (Power BI Desktop, Excel's Power Query) call
// Exact Online's REST API through it on a loopback address with a key of
// their own, and the keeper adds the current access token. Because every
// program on one app registration shares Exact's limits per division, the
// gateway paces all of them together: it learns the limits from Exact's
// X-RateLimit-* headers, queues rather than rejects, shares the places
// fairly between keys, and answers 429 only when a wait would be too long
// or the day's budget is gone.
//
// Bodies and keys are never logged; keys are kept as SHA-256 hashes in
// config.json and checked against it on every request, so a removed key
// is refused at once.
package gateway

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// Tokens hands out current access tokens; the running keeper implements it
// (*keeper.Keeper). conn is a connection's ID or name, "" for the only one.
type Tokens interface {
	Token(ctx context.Context, conn string) (exact.Token, error)
}

// Clock is the gateway's time; tests inject their own.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
	// AfterFunc calls f in its own goroutine after d; stop cancels it.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now is time.Now.
func (SystemClock) Now() time.Time { return time.Now() }

// After is time.After.
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// AfterFunc is time.AfterFunc.
func (SystemClock) AfterFunc(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }

// Defaults and bounds.
const (
	DefaultMaxWait = 2 * time.Minute
	// MaxRequestBody and MaxResponseBody bound what passes through. Exact's
	// pages are 60 rows (bulk endpoints up to 1,000), far below either.
	MaxRequestBody  = 8 << 20
	MaxResponseBody = 64 << 20
	// getRetries is how often a GET is tried again after a 5xx or 429.
	getRetries = 3
	// CLIClient is the name under which `exactkeeperctl api` is counted.
	CLIClient = "exactkeeperctl"
)

// Options configure a Gateway.
type Options struct {
	Tokens Tokens
	// Config reads the configuration: the keys and the connections. It is
	// called for every request, so changes (a revoked key) count at once.
	Config func() (store.Config, error)
	HTTP   *http.Client // to Exact; nil: a client with a 2-minute timeout
	Clock  Clock        // nil: SystemClock
	Logger *slog.Logger // nil: discard
	// MaxWait is how long a request may wait for its turn before it is
	// answered 429; default 2 minutes.
	MaxWait time.Duration
	// Backoff is the wait before each retry of a GET; default 1s, 2s, 4s.
	Backoff []time.Duration
}

// Gateway is the proxy with its pacing and counters. Serve it on a loopback
// listener with Handler, or from the keeper's IPC endpoint with Internal.
type Gateway struct {
	o Options

	mu       sync.Mutex
	limiters map[string]*limiter
	stats    map[string]*KeyStats

	granted func(key string, waiting []string) // tests: see limiter.granted
}

// KeyStats is what the dashboard shows of one key (or of the CLI's use).
type KeyStats struct {
	Name          string    `json:"name"`
	Created       time.Time `json:"created,omitzero"`
	LastRequest   time.Time `json:"last_request,omitzero"`
	RequestsToday int       `json:"requests_today"`
	RefusalsToday int       `json:"refusals_today"`
	day           string
}

// New returns a gateway.
func New(o Options) *Gateway {
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	if o.HTTP == nil {
		o.HTTP = &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     90 * time.Second,
		}}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxWait <= 0 {
		o.MaxWait = DefaultMaxWait
	}
	if o.Backoff == nil {
		o.Backoff = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}
	}
	return &Gateway{o: o, limiters: map[string]*limiter{}, stats: map[string]*KeyStats{}}
}

// NewKey returns a new key and the hash to store for it. The key is shown
// once; only the hash is kept.
func NewKey() (key, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails since Go 1.24
	key = "ekg_" + base64.RawURLEncoding.EncodeToString(b)
	return key, HashKey(key)
}

// HashKey is the stored form of a key.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// keyName finds the key a request carries; "" when it has none that is
// configured. Every stored hash is compared, in constant time each.
func keyName(cfg store.Config, r *http.Request) string {
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || key == "" {
		return ""
	}
	h := []byte(HashKey(strings.TrimSpace(key)))
	name := ""
	for _, k := range cfg.Settings.Gateway.Keys {
		if subtle.ConstantTimeCompare(h, []byte(strings.ToLower(k.SHA256))) == 1 {
			name = k.Name
		}
	}
	return name
}

// Stats returns the counters of every configured key (and of the CLI when
// it used the gateway), keys first in configuration order.
func (g *Gateway) Stats() []KeyStats {
	var keys []store.GatewayKey
	if cfg, err := g.o.Config(); err == nil {
		keys = cfg.Settings.Gateway.Keys
	}
	today := g.o.Clock.Now().UTC().Format(time.DateOnly)
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]KeyStats, 0, len(keys)+1)
	seen := map[string]bool{}
	add := func(name string, created time.Time) {
		s := KeyStats{Name: name, Created: created}
		if c := g.stats[name]; c != nil {
			s.LastRequest = c.LastRequest
			if c.day == today {
				s.RequestsToday, s.RefusalsToday = c.RequestsToday, c.RefusalsToday
			}
		}
		seen[name] = true
		out = append(out, s)
	}
	for _, k := range keys {
		add(k.Name, k.Created)
	}
	if _, ok := g.stats[CLIClient]; ok && !seen[CLIClient] {
		add(CLIClient, time.Time{})
	}
	return out
}

// count records a request of client, and whether it was refused.
func (g *Gateway) count(client string, refused bool) {
	now := g.o.Clock.Now()
	day := now.UTC().Format(time.DateOnly)
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.stats[client]
	if s == nil {
		s = &KeyStats{Name: client}
		g.stats[client] = s
	}
	if s.day != day {
		s.day, s.RequestsToday, s.RefusalsToday = day, 0, 0
	}
	s.LastRequest = now
	s.RequestsToday++
	if refused {
		s.RefusalsToday++
	}
}

// limiterFor is the pacer of one division of one app registration.
func (g *Gateway) limiterFor(key string) *limiter {
	g.mu.Lock()
	defer g.mu.Unlock()
	l := g.limiters[key]
	if l == nil {
		l = newLimiter(g.o.Clock)
		l.granted = g.granted
		g.limiters[key] = l
	}
	return l
}

// Handler serves the gateway to programs: only with a configured key, only
// for a Host of 127.0.0.1:port or localhost:port (a page that rebinds its
// own name to 127.0.0.1 is refused), and never to a browser page (no CORS:
// a request with an Origin and every preflight are refused).
func (g *Gateway) Handler(port string) http.Handler {
	hosts := []string{"127.0.0.1:" + port, "localhost:" + port}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hostOK := false
		for _, h := range hosts {
			hostOK = hostOK || strings.EqualFold(r.Host, h)
		}
		switch {
		case !hostOK:
			http.Error(w, "", http.StatusMisdirectedRequest)
			return
		case r.Method == http.MethodOptions || r.Header.Get("Origin") != "" || r.Header.Get("Sec-Fetch-Mode") == "cors":
			http.Error(w, "", http.StatusForbidden)
			return
		}
		cfg, err := g.o.Config()
		if err != nil {
			writeError(w, http.StatusServiceUnavailable, "The gateway could not read its configuration; try again.")
			return
		}
		client := keyName(cfg, r)
		if client == "" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		g.serve(w, r, cfg, client, "http://"+r.Host)
	})
}

// Internal serves the same paths without keys or Host checks, for the
// keeper's IPC endpoint (`exactkeeperctl api`), which only its own user
// can reach. __next links come back as paths.
func (g *Gateway) Internal() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cfg, err := g.o.Config()
		if err != nil {
			writeError(w, http.StatusServiceUnavailable, "The keeper could not read its configuration; try again.")
			return
		}
		g.serve(w, r, cfg, CLIClient, "")
	})
}

// route splits a gateway path into the connection it names ("" for the
// only one) and Exact's own path.
func route(p string) (conn, rest string, ok bool) {
	if strings.HasPrefix(p, "/api/v1/") {
		return "", p, true
	}
	after, found := strings.CutPrefix(p, "/connections/")
	if !found {
		return "", "", false
	}
	conn, rest, found = strings.Cut(after, "/")
	rest = "/" + rest
	if !found || conn == "" || !strings.HasPrefix(rest, "/api/v1/") {
		return "", "", false
	}
	return conn, rest, true
}

// findConnection is the connection a request names, as the keeper's own
// lookup picks it: by ID, by name in any case, or the only one. When there
// is none, why is the second result, a sentence for the program.
func findConnection(cfg store.Config, name string) (store.Connection, string) {
	if name == "" {
		switch len(cfg.Connections) {
		case 0:
			return store.Connection{}, "There are no connections yet: connect one with Exact Keeper first."
		case 1:
			return cfg.Connections[0], ""
		}
		names := make([]string, len(cfg.Connections))
		for i, c := range cfg.Connections {
			names[i] = c.Name
		}
		return store.Connection{}, "There are several connections: use /connections/<name>/api/v1/… with one of " + strings.Join(names, ", ") + "."
	}
	c, err := cfg.Connection(name)
	if err != nil {
		return store.Connection{}, "There is no single connection named " + name + "."
	}
	return *c, ""
}
