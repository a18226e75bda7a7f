package keeper

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

// fakeClock is a settable wall clock whose ticker fires only when the test
// says so. tick blocks until the engine takes the tick, so a request made
// after it is served after the tick's check. After's channels fire when Set
// or Advance moves the clock past their moment; armed hears each moment a
// waiter waits for.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	ticks  chan time.Time
	timers []fakeTimer
	armed  chan time.Time
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock(t time.Time) *fakeClock {
	return &fakeClock{now: t, ticks: make(chan time.Time), armed: make(chan time.Time, 100)}
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	at := c.now.Add(d)
	c.timers = append(c.timers, fakeTimer{at: at, ch: ch})
	select {
	case c.armed <- at:
	default:
	}
	return ch
}

// waitArmed returns the moment the next After waits for, failing the test
// when none is armed in time.
func (c *fakeClock) waitArmed(t *testing.T) time.Time {
	t.Helper()
	return recv(t, c.armed, "clock waiter")
}

// recv receives from ch, failing the test (by name) when nothing comes
// within a generous deadline: a guard against hanging, not a
// synchronisation.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: no %s within 10 s", t.Name(), what)
	}
	panic("unreachable")
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTicker(time.Duration) (<-chan time.Time, func()) { return c.ticks, func() {} }

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	kept := c.timers[:0]
	for _, tm := range c.timers {
		if tm.at.After(t) {
			kept = append(kept, tm)
			continue
		}
		tm.ch <- t
	}
	c.timers = kept
}

func (c *fakeClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

func (c *fakeClock) tick() {
	select {
	case c.ticks <- c.Now():
	case <-time.After(10 * time.Second):
		panic("the engine took no tick within 10 s")
	}
}

// fakeExact is a token endpoint with Exact's rotation, too-early rule and
// scripted faults, on the test's clock.
type fakeExact struct {
	clock  *fakeClock
	mu     sync.Mutex
	secret string
	// current is the refresh token Exact accepts; grace an older one it
	// still accepts once (after an answer that was lost).
	current, grace string
	lastIssued     time.Time
	faults         []string // popped per refresh call: 500, 503, 500-after-rotate, old, 429, too-early
	refreshes      int
	exchanges      int
	calls          int      // every token-endpoint call, refused ones too
	secrets        []string // everything secret it issued or accepted
	n              int
	userID         string
	gate           chan struct{} // when set, refresh calls wait for it
	entered        chan struct{} // receives when a refresh call arrives
	// meStatus, when set, is current/Me's refusal, with meSaid as
	// Exact's text; divStatus likewise for system/Divisions.
	meStatus, divStatus int
	meSaid              string
	meCalls             int
	answers             []answer // every refresh call's moment and status
	// live, when set, holds every refresh token issued and not yet spent,
	// for tests with many chains (one per user); no faults, no too-early.
	live map[string]bool
}

// answer is one refresh call as the fake Exact answered it.
type answer struct {
	at     time.Time
	status int
	early  bool // a too-early refusal
}

const lifetime = 600 * time.Second

func (f *fakeExact) newToken(kind string) string {
	f.n++
	tok := fmt.Sprintf("%s-%04d-c0ffee5ecret", kind, f.n)
	f.secrets = append(f.secrets, tok)
	return tok
}

func (f *fakeExact) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/api/v1/current/Me":
		f.mu.Lock()
		user, status, said := f.userID, f.meStatus, f.meSaid
		f.meCalls++
		f.mu.Unlock()
		if status != 0 {
			deny(w, status, "", fmt.Sprintf(`{"error":{"code":"","message":{"lang":"","value":%q}}}`, said))
			return
		}
		fmt.Fprintf(w, `{"d":{"results":[{"UserID":%q,"UserName":"jan@bakkerij","FullName":"Jan","Email":"jan@bakkerij.nl","CurrentDivision":42}]}}`, user)
		return
	case "/api/v1/42/system/Divisions":
		f.mu.Lock()
		status := f.divStatus
		f.mu.Unlock()
		if status != 0 {
			deny(w, status, "", `{"error":{"code":"","message":{"lang":"","value":"Forbidden - User division is not within division scope"}}}`)
			return
		}
		http.NotFound(w, r)
		return
	case "/api/oauth2/token":
	default:
		http.NotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	if f.entered != nil {
		f.entered <- struct{}{}
	}
	if f.gate != nil {
		<-f.gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.clock.Now()
	if r.PostForm.Get("client_id") != "app-1" {
		deny(w, 400, "", `{"error":"invalid_client","error_description":"Client with identifier not found"}`)
		return
	}
	if r.PostForm.Get("client_secret") != f.secret {
		deny(w, 401, "", `{"error":"invalid_client"}`)
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		f.exchanges++
		if r.PostForm.Get("code") != "code-ok" {
			deny(w, 400, "", `{"error":"invalid_grant"}`)
			return
		}
		f.issue(w, now)
		return
	case "refresh_token":
	default:
		deny(w, 400, "", `{"error":"unsupported_grant_type"}`)
		return
	}
	f.refreshes++
	rec := answer{at: now, status: 200}
	defer func() { f.answers = append(f.answers, rec) }()
	deny := func(w http.ResponseWriter, status int, reason, body string) {
		rec.status = status
		rec.early = reason != ""
		deny(w, status, reason, body)
	}
	rt := r.PostForm.Get("refresh_token")
	if f.live != nil {
		if !f.live[rt] {
			deny(w, 401, "", `{"error":"unauthorized_client","error_description":"Old refresh token used."}`)
			return
		}
		delete(f.live, rt)
		f.issue(w, now)
		return
	}
	fault := ""
	if len(f.faults) > 0 {
		fault, f.faults = f.faults[0], f.faults[1:]
	}
	tooEarly := !f.lastIssued.IsZero() && now.Before(f.lastIssued.Add(lifetime-lifetime/20))
	switch {
	case fault == "too-early" || (tooEarly && fault == ""):
		deny(w, 400, "TooEarlyToRefreshTokens: Rate limit exceeded: access_token not expired", `{"error":"access_denied","error_description":"Rate limit exceeded: access_token not expired"}`)
	case fault == "too-early-rotated":
		// Refused, yet rotated: the new refresh token is in the refusal.
		f.current = f.newToken("rt")
		deny(w, 400, "TooEarlyToRefreshTokens", fmt.Sprintf(`{"error":"access_denied","error_description":"Rate limit exceeded: access_token not expired","refresh_token":%q}`, f.current))
	case fault == "400":
		deny(w, 400, "", `{"error":"invalid_request","error_description":"Something this app does not know"}`)
	case fault == "429":
		w.Header().Set("Retry-After", "120")
		deny(w, 429, "", `{"error":"rate_limited"}`)
	case fault == "500" || fault == "503":
		deny(w, map[string]int{"500": 500, "503": 503}[fault], "", `{"error":"server_error"}`)
	case fault == "old" || (rt != f.current && (rt != f.grace || rt == "")):
		deny(w, 401, "", `{"error":"unauthorized_client","error_description":"Old refresh token used."}`)
	case fault == "500-after-rotate":
		// Exact issues the pair, the answer is lost; the old token keeps a
		// grace period.
		f.grace = rt
		f.current = f.newToken("rt")
		f.lastIssued = time.Time{}
		deny(w, 500, "", `{"error":"server_error"}`)
	default:
		f.grace = ""
		f.issue(w, now)
	}
}

func (f *fakeExact) issue(w http.ResponseWriter, now time.Time) {
	f.current = f.newToken("rt")
	f.lastIssued = now
	if f.live != nil {
		f.live[f.current] = true
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"access_token":%q,"token_type":"bearer","expires_in":"600","refresh_token":%q}`, f.newToken("at"), f.current)
}

func deny(w http.ResponseWriter, status int, reason, body string) {
	if reason != "" {
		w.Header().Set("Reason", reason)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

func (f *fakeExact) fault(fs ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, fs...)
}

func (f *fakeExact) counts() (refreshes, exchanges int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refreshes, f.exchanges
}

// issuedUnseen makes Exact remember an access token issued at at that the
// keeper never saw (a lost answer, a process killed after saving).
func (f *fakeExact) issuedUnseen(at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastIssued = at
}

// refreshAnswers are the refresh calls so far.
func (f *fakeExact) refreshAnswers() []answer {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]answer(nil), f.answers...)
}

func (f *fakeExact) setMe(status int, said string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.meStatus, f.meSaid = status, said
}

func (f *fakeExact) meCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.meCalls
}

func (f *fakeExact) currentRT() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.current
}

// flakyVault refuses to store refresh tokens while failing is set.
type flakyVault struct {
	*vault.Memory
	mu      sync.Mutex
	failing bool
}

func (v *flakyVault) setFailing(b bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.failing = b
}

func (v *flakyVault) Set(key, value string) error {
	v.mu.Lock()
	failing := v.failing
	v.mu.Unlock()
	if failing && strings.HasSuffix(key, "/chain") {
		return fmt.Errorf("%w: the collection is locked", vault.ErrUnavailable)
	}
	return v.Memory.Set(key, value)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is one test's world: an Exact endpoint, a store dir, a vault, a
// clock and a log, checked for leaked secrets at the end.
type env struct {
	t      *testing.T
	clock  *fakeClock
	exact  *fakeExact
	url    string
	srv    *httptest.Server
	dir    string
	vault  *flakyVault
	logs   *syncBuffer
	opts   Options
	shown  []string // messages users saw (errors, events), checked for secrets
	shownM sync.Mutex
}

const clientSecret = "client-secret-9f8e7d6c"

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func newEnv(t *testing.T) *env {
	t.Helper()
	clock := newFakeClock(t0)
	fx := &fakeExact{clock: clock, secret: clientSecret, userID: "user-guid-1"}
	srv := httptest.NewServer(fx)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, clock: clock, exact: fx, url: srv.URL, srv: srv, dir: dir, vault: &flakyVault{Memory: vault.NewMemory()}, logs: &syncBuffer{}}
	e.opts = Options{
		Store:  st,
		Vault:  e.vault,
		Clock:  clock,
		HTTP:   srv.Client(),
		Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		// Shared by every Store of this test, as the user's cache folder
		// is by every configuration folder.
		LockDir: t.TempDir(),
	}
	t.Cleanup(e.checkNoSecrets)
	return e
}

// options is e.opts with its own Store handle on the same dir, as a second
// process would have.
func (e *env) options() Options {
	st, err := store.Open(e.dir)
	if err != nil {
		e.t.Fatal(err)
	}
	o := e.opts
	o.Store = st
	return o
}

func (e *env) show(s string) {
	e.shownM.Lock()
	defer e.shownM.Unlock()
	e.shown = append(e.shown, s)
}

func (e *env) showErr(err error) error {
	if err != nil {
		e.show(err.Error())
	}
	return err
}

func (e *env) connect(name string) string {
	e.t.Helper()
	c, err := Complete(context.Background(), e.opts, ConnectRequest{Name: name, BaseURL: e.url, ClientID: "app-1",
		ClientSecret: clientSecret, RedirectURI: "http://127.0.0.1:8765/callback"}, "code-ok", "verifier-abcdef123456")
	if err != nil {
		e.t.Fatalf("Complete: %v", err)
	}
	return c.ID
}

func (e *env) state(id string) store.ConnState {
	e.t.Helper()
	s, err := e.opts.Store.LoadState()
	if err != nil {
		e.t.Fatal(err)
	}
	return s.Connections[id]
}

// checkNoSecrets fails when any token, the client secret, the code or the
// verifier shows up in the store dir, the log or a message shown to users.
func (e *env) checkNoSecrets() {
	e.exact.mu.Lock()
	secrets := append([]string{clientSecret, "code-ok", "verifier-abcdef123456"}, e.exact.secrets...)
	e.exact.mu.Unlock()
	places := map[string]string{"log": e.logs.String()}
	e.shownM.Lock()
	places["messages"] = strings.Join(e.shown, "\n")
	e.shownM.Unlock()
	_ = filepath.WalkDir(e.dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			places[p] = string(b)
		}
		return nil
	})
	for where, text := range places {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				e.t.Errorf("secret %.6s… found in %s", s, where)
			}
		}
	}
}

// running is a Keeper whose Run goroutine is up, with a subscription.
type running struct {
	*Keeper
	e       *env
	events  <-chan Event
	visited chan string
}

func (e *env) start() *running {
	e.t.Helper()
	k, err := New(e.opts)
	if err != nil {
		e.t.Fatal(err)
	}
	visited := make(chan string, 1000)
	k.visited = visited
	events, unsub := k.Subscribe(100)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx) }()
	e.t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				e.t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			e.t.Errorf("%s: Run did not return within 10 s of its end", e.t.Name())
		}
		unsub()
	})
	r := &running{Keeper: k, e: e, events: events, visited: visited}
	r.status() // Run is in its loop
	return r
}

// deadline is a context for one call of a test: a guard against hanging,
// so that a hang fails with the test's name instead of stalling the run.
func (e *env) deadline() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	e.t.Cleanup(cancel)
	return ctx
}

func (r *running) status() []ConnStatus {
	r.e.t.Helper()
	s, err := r.Status(r.e.deadline())
	if err != nil {
		r.e.t.Fatal(err)
	}
	return s
}

// wait returns the next event of kind, failing after a generous timeout (a
// guard against hanging, not a synchronisation).
func (r *running) wait(kind EventKind) Event {
	r.e.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-r.events:
			r.e.show(ev.Message)
			if ev.Kind == kind {
				return ev
			}
		case <-timeout:
			r.e.t.Fatalf("no %s event", kind)
		}
	}
}

// waitStatus returns the next state-changed event to status.
func (r *running) waitStatus(status string) Event {
	r.e.t.Helper()
	for {
		if ev := r.wait(EventStateChanged); ev.Status == status {
			return ev
		}
	}
}

// visit waits until the engine has applied one more visit's outcome.
func (r *running) visit() {
	r.e.t.Helper()
	select {
	case <-r.visited:
	case <-time.After(10 * time.Second):
		r.e.t.Fatal("no visit ended")
	}
}

// settle waits until every visit the engine started so far has ended, so
// the test may move the clock without a visit seeing the new time.
func (r *running) settle() {
	r.e.t.Helper()
	for {
		rep := r.call(r.e.deadline(), request{kind: reqInflight})
		if rep.err != nil {
			r.e.t.Fatal(rep.err)
		}
		if rep.n == 0 {
			return
		}
		r.visit()
	}
}

// drain returns the events published so far; Status first makes sure the
// engine has handled everything sent before.
func (r *running) drain() []Event {
	r.status()
	var out []Event
	for {
		select {
		case ev := <-r.events:
			r.e.show(ev.Message)
			out = append(out, ev)
		default:
			return out
		}
	}
}

func (r *running) token(name string) (string, error) {
	tok, err := r.Token(r.e.deadline(), name)
	return tok.AccessToken, r.e.showErr(err)
}

// refresh is the owner's "refresh now" on the running keeper.
func (r *running) refresh(name string) error {
	return r.e.showErr(r.Refresh(r.e.deadline(), name))
}

func saveState(t *testing.T, e *env, id string, st store.ConnState) {
	t.Helper()
	err := e.opts.Store.UpdateState(func(s *store.State) error {
		s.Connections[id] = st
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func cachedAccess(t *testing.T, v vault.Vault, id string) map[string]any {
	t.Helper()
	raw, err := v.Get(vault.AccessTokenKey(id))
	if err != nil {
		t.Fatalf("no cached access token: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatal(err)
	}
	return m
}
