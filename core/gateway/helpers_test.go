package gateway

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/exactsim"
	"github.com/exactkeeper/exactkeeper/core/store"
)

const (
	testRedirect = "http://127.0.0.1:8765/callback"
	division     = 1234567
)

// staticTokens hands out tokens from a list, the last one for ever after.
type staticTokens struct {
	mu    sync.Mutex
	toks  []exact.Token
	calls int
}

func (s *staticTokens) Token(ctx context.Context, conn string) (exact.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	t := s.toks[0]
	if len(s.toks) > 1 {
		s.toks = s.toks[1:]
	}
	return t, nil
}

// config is an in-memory config.json whose keys a test can change.
type config struct {
	mu  sync.Mutex
	cfg store.Config
}

func (c *config) load() (store.Config, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cfg, nil
}

func (c *config) addKey(t testing.TB, name string) string {
	t.Helper()
	key, hash := NewKey()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cfg.Settings.Gateway.Keys = append(c.cfg.Settings.Gateway.Keys, store.GatewayKey{Name: name, SHA256: hash, Created: time.Now()})
	return key
}

func (c *config) removeKey(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var keep []store.GatewayKey
	for _, k := range c.cfg.Settings.Gateway.Keys {
		if k.Name != name {
			keep = append(keep, k)
		}
	}
	c.cfg.Settings.Gateway.Keys = keep
}

// world is a simulator on 127.0.0.1, a gateway in front of it on
// 127.0.0.1, and one connection.
type world struct {
	t    testing.TB
	sim  *exactsim.Server
	simS *httptest.Server
	g    *Gateway
	gw   *httptest.Server
	port string
	cfg  *config
}

func newWorld(t testing.TB, simCfg func(*exactsim.Config), tokens func(w *world) Tokens, opts func(*Options)) *world {
	t.Helper()
	sc := exactsim.DemoConfig()
	sc.Apps[0].RedirectURIs = append(sc.Apps[0].RedirectURIs, testRedirect)
	if simCfg != nil {
		simCfg(&sc)
	}
	w := &world{t: t, sim: exactsim.New(sc)}
	w.simS = httptest.NewServer(w.sim)
	t.Cleanup(w.simS.Close)
	w.cfg = &config{cfg: store.Config{Connections: []store.Connection{{
		ID: "c0ffee000001", Name: "Bakkerij", BaseURL: w.simS.URL, ClientID: exactsim.DemoClientID, Division: division,
	}}}}
	o := Options{Config: w.cfg.load, Backoff: []time.Duration{time.Millisecond}}
	if tokens != nil {
		o.Tokens = tokens(w)
	} else {
		o.Tokens = &staticTokens{toks: []exact.Token{w.login()}}
	}
	if opts != nil {
		opts(&o)
	}
	w.g = New(o)
	w.gw = httptest.NewUnstartedServer(nil)
	_, w.port, _ = net.SplitHostPort(w.gw.Listener.Addr().String())
	w.gw.Config.Handler = w.g.Handler(w.port)
	w.gw.Start()
	t.Cleanup(w.gw.Close)
	return w
}

// login is a fresh token of the demo user, as a keeper would hold it.
func (w *world) login() exact.Token {
	w.t.Helper()
	code, err := w.sim.IssueCode(exactsim.DemoClientID, testRedirect, exactsim.DemoUserName, "")
	if err != nil {
		w.t.Fatal(err)
	}
	c := &exact.Client{BaseURL: w.simS.URL, ClientID: exactsim.DemoClientID, ClientSecret: exactsim.DemoClientSecret, RedirectURI: testRedirect}
	tok, err := c.Exchange(context.Background(), code, "")
	if err != nil {
		w.t.Fatal(err)
	}
	return tok
}

type answer struct {
	status int
	header http.Header
	raw    string
}

func (a answer) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(a.raw), &m); err != nil {
		t.Fatalf("answer %d is not JSON: %q", a.status, a.raw)
	}
	return m
}

// call sends a request to the gateway; mod may change it before.
func (w *world) call(method, path, key string, mod func(*http.Request)) answer {
	w.t.Helper()
	u := path
	if !strings.HasPrefix(u, "http") {
		u = "http://127.0.0.1:" + w.port + path
	}
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(`{"Name":"Nieuwe klant"}`)
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		w.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if mod != nil {
		mod(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(raw)}
}

// fakeClock is a clock that only moves when told; its timers never fire,
// which suits tests that stay far below every limit.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *fakeClock) After(time.Duration) <-chan time.Time { return make(chan time.Time) }

func (c *fakeClock) AfterFunc(time.Duration, func()) func() bool { return func() bool { return true } }

func (c *fakeClock) NewTicker(time.Duration) (<-chan time.Time, func()) {
	return make(chan time.Time), func() {}
}
