// Package exactsim is an HTTP simulator of Exact Online's OAuth endpoints and
// current/Me, built to the strictest reading of the project's notes on Exact:
// single-use codes, one rotating refresh chain per app and user, the
// too-early refresh window, idle lapse, daily and hourly budgets, and
// injectable faults such as "a token was issued but probably not received".
//
// It is the "other side" for integration tests and for demo mode, so it
// deliberately shares no code with core/exact. All times come from
// Config.Now, so tests drive it with a fake clock.
package exactsim

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"github.com/exactkeeper/exactkeeper/core/login"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Config sets the simulator's policies, apps and users. Zero values take the
// defaults documented per field.
type Config struct {
	// AccessLifetime is how long an access token lives; default 10m. It is
	// rounded down to whole seconds (minimum 1s), because expires_in is a
	// string of whole seconds.
	AccessLifetime time.Duration
	// RefreshIdle is how long a refresh token may stay unused before it
	// lapses; default 720h.
	RefreshIdle time.Duration
	// CodeLifetime is how long an authorization code is valid; default 3m.
	CodeLifetime time.Duration
	// Grace keeps the immediately previous refresh token working until the
	// newer access or refresh token is first used. A retry with it is judged
	// too early or not by the access token issued with it, so retrying at
	// once after a lost answer works.
	Grace bool
	// DailyLimit is the number of token-endpoint calls per app and user per
	// UTC day; default 200.
	DailyLimit int
	// HourlyErrorLimit is how many 4xx token answers (429s aside) one app
	// and user may get within an hour; the call after that is refused with
	// 429 for BlockFor. Default 10.
	HourlyErrorLimit int
	// BlockFor is how long a block lasts; default 1h.
	BlockFor time.Duration
	// Now is the simulator's clock; default time.Now.
	Now func() time.Time
	// APIMinutelyLimit and APIDailyLimit are the REST API's limits per
	// division; default 60 and 5,000, as Exact's.
	APIMinutelyLimit int
	APIDailyLimit    int
	// APIMinute is the length of the API's "minute" window; default 1m.
	// Tests shorten it so that pacing shows in seconds.
	APIMinute time.Duration
	// EntityRows is how many rows each entity (crm/Accounts,
	// financialtransaction/TransactionLines) has per division; default 150.
	EntityRows int
	// RelayMirror lists registered redirect URIs of public relay pages that
	// this simulator stands in for: a redirect to one of them lands on the
	// simulator's own copy of the relay page (/relay/login.html) with the
	// same query, so the default login works offline (demo mode).
	RelayMirror []string
	// Apps are the registered app registrations.
	Apps []App
	// Users are the Exact users who can log in.
	Users []User
}

// App is one app registration. Redirect URIs must match exactly.
type App struct {
	ClientID     string
	ClientSecret string
	RedirectURIs []string
}

// User is one Exact Online user. UserID is a GUID; New fills in a random one
// when it is empty.
type User struct {
	UserID       string
	UserName     string
	Password     string
	FullName     string
	Email        string
	Company      string
	Division     int
	LanguageCode string
}

// Demo app and user, as registered by DemoConfig.
const (
	DemoClientID     = "f7a0c9d2-6b1e-4c8a-9d3f-2e5b7a1c0d4e"
	DemoClientSecret = "demo-secret"
	DemoUserName     = "demo"
	DemoPassword     = "demo"
)

// DemoConfig returns one app and one user for demo mode and tests. Lifetimes
// are left at their defaults; callers shorten them.
func DemoConfig() Config {
	return Config{
		RelayMirror: []string{login.DefaultRedirectURI},
		Apps: []App{{
			ClientID:     DemoClientID,
			ClientSecret: DemoClientSecret,
			RedirectURIs: []string{
				login.DefaultRedirectURI,
				"http://127.0.0.1:8765/callback",
				"https://localhost:8765/callback",
				"https://example.com/exact/callback",
			},
		}},
		Users: []User{{
			UserID:       "3c9e1f6a-0b7d-4e2a-8f15-6d4c2b9a7e01",
			UserName:     DemoUserName,
			Password:     DemoPassword,
			FullName:     "Jan de Vries",
			Email:        "jan@bakkerijdejong.example",
			Company:      "Bakkerij De Jong",
			Division:     1234567,
			LanguageCode: "nl-NL",
		}},
	}
}

// FaultKind names a fault that Inject can queue.
type FaultKind string

// Fault kinds. The after-rotate kinds wait for the next token call that
// succeeds; the others hit the next token calls whatever they ask.
const (
	// FaultErrorAfterRotate rotates, then answers 500: "a token was issued
	// but probably not received".
	FaultErrorAfterRotate FaultKind = "error-after-rotate"
	// FaultServerError answers 500 and rotates nothing.
	FaultServerError FaultKind = "server-error"
	// FaultSlow waits Delay (or until the request's context ends), then
	// handles the call normally, even if the client has given up.
	FaultSlow FaultKind = "slow"
	// FaultDrop closes the connection without an answer; nothing rotated.
	FaultDrop FaultKind = "drop"
	// FaultDropAfterRotate rotates, then closes the connection without an
	// answer.
	FaultDropAfterRotate FaultKind = "drop-after-rotate"
	// FaultTooMany answers 429 with rate-limit headers; nothing rotated.
	FaultTooMany FaultKind = "too-many"
)

func (k FaultKind) valid() bool {
	switch k {
	case FaultErrorAfterRotate, FaultServerError, FaultSlow, FaultDrop, FaultDropAfterRotate, FaultTooMany:
		return true
	}
	_, more := moreFaults[k] // faults_more.go
	return more
}

func (k FaultKind) afterRotate() bool {
	return k == FaultErrorAfterRotate || k == FaultDropAfterRotate
}

// Fault is queued by Inject and hits the next Count token calls (Count 0
// means 1). Delay is used by FaultSlow. In JSON, delay is a Go duration
// string such as "1.5s"; a number is read as nanoseconds.
type Fault struct {
	Kind  FaultKind     `json:"kind"`
	Count int           `json:"count,omitempty"`
	Delay time.Duration `json:"delay,omitempty"`
	// Grant and ClientID, when set, scope the fault to token calls of that
	// grant type ("refresh_token", "authorization_code") and app; other
	// calls pass it by untouched. The demo breaks its connection's
	// keep-alive refresh this way without hitting a new login.
	Grant    string `json:"grant,omitempty"`
	ClientID string `json:"client_id,omitempty"`
}

// applies reports whether f may hit a token call with this form.
func (f Fault) applies(form url.Values) bool {
	return (f.Grant == "" || f.Grant == form.Get("grant_type")) && (f.ClientID == "" || f.ClientID == form.Get("client_id"))
}

// MarshalJSON writes Delay as a duration string.
func (f Fault) MarshalJSON() ([]byte, error) {
	v := struct {
		Kind     FaultKind `json:"kind"`
		Count    int       `json:"count,omitempty"`
		Delay    string    `json:"delay,omitempty"`
		Grant    string    `json:"grant,omitempty"`
		ClientID string    `json:"client_id,omitempty"`
	}{Kind: f.Kind, Count: f.Count, Grant: f.Grant, ClientID: f.ClientID}
	if f.Delay != 0 {
		v.Delay = f.Delay.String()
	}
	return json.Marshal(v)
}

// UnmarshalJSON reads Delay as a duration string or as nanoseconds.
func (f *Fault) UnmarshalJSON(b []byte) error {
	var v struct {
		Kind     FaultKind       `json:"kind"`
		Count    int             `json:"count"`
		Delay    json.RawMessage `json:"delay"`
		Grant    string          `json:"grant"`
		ClientID string          `json:"client_id"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = Fault{Kind: v.Kind, Count: v.Count, Grant: v.Grant, ClientID: v.ClientID}
	if len(v.Delay) == 0 || string(v.Delay) == "null" {
		return nil
	}
	var s string
	if json.Unmarshal(v.Delay, &s) == nil {
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("fault delay %q is not a duration such as \"2s\"", s)
		}
		f.Delay = d
		return nil
	}
	var ns int64
	if err := json.Unmarshal(v.Delay, &ns); err != nil {
		return fmt.Errorf("fault delay must be a duration string such as \"2s\"")
	}
	f.Delay = time.Duration(ns)
	return nil
}

// Stats counts what the simulator saw since New or the last Reset.
type Stats struct {
	TokenCalls     int `json:"token_calls"`
	Exchanges      int `json:"exchanges"`
	Refreshes      int `json:"refreshes"`
	TooEarly       int `json:"too_early"`
	OldTokenReuses int `json:"old_token_reuses"`
	ExpiredRefresh int `json:"expired_refresh"`
	InvalidGrant   int `json:"invalid_grant"`
	ClientErrors   int `json:"client_errors"` // invalid_client and malformed token requests
	RateLimited    int `json:"rate_limited"`  // 429 for a budget or a too-many fault
	Blocked        int `json:"blocked"`       // 429 because of too many errors
	ServerErrors   int `json:"server_errors"`
	Dropped        int `json:"dropped"`
	Logins         int `json:"logins"`
	LoginFailures  int `json:"login_failures"`
	MeOK           int `json:"me_ok"`
	MeUnauthorized int `json:"me_unauthorized"`
	APIOK          int `json:"api_ok"`           // entity calls answered 2xx
	APIRateLimited int `json:"api_rate_limited"` // REST calls refused with 429
}

// chainKey identifies a refresh chain and a budget: one per app and user.
// user is empty when a call names no known code or token.
type chainKey struct{ client, user string }

// Server is the simulator. It is an http.Handler; all state sits behind one
// mutex and no goroutines run in the background.
type Server struct {
	cfg Config
	mux *http.ServeMux

	mu       sync.Mutex
	logw     io.Writer
	apps     map[string]App
	users    map[string]User // by lower-cased user name
	usersID  map[string]User
	codes    map[string]*authCode
	chains   map[chainKey]*chain
	refresh  map[string]refreshRec
	access   map[string]accessRec
	budgets  map[chainKey]*budget
	apiUse   map[int]*apiBudget // Me and Divisions, per division
	faults   []Fault
	stats    Stats
	chainGen int
}

// New returns a simulator with cfg's defaults applied.
func New(cfg Config) *Server {
	if cfg.AccessLifetime <= 0 {
		cfg.AccessLifetime = 10 * time.Minute
	}
	cfg.AccessLifetime = cfg.AccessLifetime.Truncate(time.Second)
	if cfg.AccessLifetime < time.Second {
		cfg.AccessLifetime = time.Second
	}
	if cfg.RefreshIdle <= 0 {
		cfg.RefreshIdle = 720 * time.Hour
	}
	if cfg.CodeLifetime <= 0 {
		cfg.CodeLifetime = 3 * time.Minute
	}
	if cfg.DailyLimit <= 0 {
		cfg.DailyLimit = 200
	}
	if cfg.HourlyErrorLimit <= 0 {
		cfg.HourlyErrorLimit = 10
	}
	if cfg.BlockFor <= 0 {
		cfg.BlockFor = time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.APIMinutelyLimit <= 0 {
		cfg.APIMinutelyLimit = apiMinutelyLimit
	}
	if cfg.APIDailyLimit <= 0 {
		cfg.APIDailyLimit = apiDailyLimit
	}
	if cfg.APIMinute <= 0 {
		cfg.APIMinute = time.Minute
	}
	if cfg.EntityRows <= 0 {
		cfg.EntityRows = defaultEntityRows
	}
	s := &Server{
		cfg:     cfg,
		apps:    map[string]App{},
		users:   map[string]User{},
		usersID: map[string]User{},
		codes:   map[string]*authCode{},
		chains:  map[chainKey]*chain{},
		refresh: map[string]refreshRec{},
		access:  map[string]accessRec{},
		budgets: map[chainKey]*budget{},
		apiUse:  map[int]*apiBudget{},
	}
	for _, a := range cfg.Apps {
		s.AddApp(a)
	}
	for _, u := range cfg.Users {
		s.AddUser(u)
	}
	s.cfg.Apps, s.cfg.Users = nil, nil // the maps are the truth from here on

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.handleIndex)
	mux.HandleFunc("GET /api/oauth2/auth", s.handleAuthPage)
	mux.HandleFunc("GET "+relayPath, handleRelayPage)
	mux.HandleFunc("POST /api/oauth2/auth", s.handleAuthForm)
	mux.HandleFunc("POST /api/oauth2/token", s.handleToken)
	mux.HandleFunc("GET /api/v1/current/Me", s.handleMe)
	mux.HandleFunc("GET /api/v1/{division}/system/Divisions", s.handleDivisions)
	s.entityRoutes(mux) // entities.go
	mux.HandleFunc("GET /sim/stats", s.handleStats)
	mux.HandleFunc("POST /sim/faults", s.handleFaults)
	mux.HandleFunc("POST /sim/reset", s.handleReset)
	s.mux = mux
	return s
}

// ServeHTTP serves the simulator's HTTP surface.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// AddApp registers (or replaces) an app registration.
func (s *Server) AddApp(a App) {
	a.RedirectURIs = append([]string(nil), a.RedirectURIs...)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps[a.ClientID] = a
}

// AddUser adds (or replaces) a user, giving it a random UserID if it has none.
func (s *Server) AddUser(u User) {
	if u.UserID == "" {
		u.UserID = newGUID()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[strings.ToLower(u.UserName)] = u
	s.usersID[u.UserID] = u
}

// Inject queues a fault for the next token calls. A fault of unknown kind is
// ignored (POST /sim/faults refuses it with 400).
func (s *Server) Inject(f Fault) {
	if !f.Kind.valid() {
		return
	}
	if f.Count <= 0 {
		f.Count = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Reset zeroes the counters. Chains, codes, budgets and faults stay.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = Stats{}
}

// takeFault consumes one count of the first queued fault that applies to
// this call (faults scoped to other calls are passed over) when its kind
// fits the moment: after-rotate kinds only when a grant succeeded. Callers
// hold mu.
func (s *Server) takeFault(afterRotate bool, form url.Values) (FaultKind, time.Duration, bool) {
	i := slices.IndexFunc(s.faults, func(f Fault) bool { return f.applies(form) })
	if i < 0 || s.faults[i].Kind.afterRotate() != afterRotate {
		return "", 0, false
	}
	f := &s.faults[i]
	kind, delay := f.Kind, f.Delay
	f.Count--
	if f.Count <= 0 {
		s.faults = slices.Delete(s.faults, i, i+1)
	}
	return kind, delay, true
}

// logf writes one line to the log writer set by ListenAndServe. Callers hold
// mu and never pass tokens, codes or secrets.
func (s *Server) logf(format string, args ...any) {
	if s.logw == nil {
		return
	}
	fmt.Fprintf(s.logw, "%s exactsim: %s\n", s.cfg.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// newToken returns n characters of random standard base64. Its '+' and '/'
// catch clients that forget to form-encode tokens.
func newToken(n int) string {
	b := make([]byte, n*3/4+3)
	_, _ = rand.Read(b) // crypto/rand.Read never fails since Go 1.24
	return base64.StdEncoding.EncodeToString(b)[:n]
}

func newGUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) handleStats(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Stats())
}

func (s *Server) handleFaults(w http.ResponseWriter, r *http.Request) {
	var f Fault
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
	if err := dec.Decode(&f); err != nil {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "The fault is not valid JSON such as {\"kind\":\"slow\",\"delay\":\"2s\"}."})
		return
	}
	if !f.Kind.valid() {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", fmt.Sprintf("Unknown fault kind %q; use one of error-after-rotate, server-error, slow, drop, drop-after-rotate, too-many.", f.Kind)})
		return
	}
	if f.Count < 0 || f.Delay < 0 {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "A fault's count and delay must not be negative."})
		return
	}
	s.Inject(f)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleReset(w http.ResponseWriter, r *http.Request) {
	s.Reset()
	w.WriteHeader(http.StatusNoContent)
}
