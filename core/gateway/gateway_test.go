package gateway

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/exactsim"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// TestTwoProgramsShareFairly: two programs with their own keys fire 15
// requests each at once against a simulator that allows 10 per 3-second
// "minute". Every request is answered 200, the simulator refuses none,
// and whenever both programs wait, the places alternate between them.
func TestTwoProgramsShareFairly(t *testing.T) {
	type grant struct {
		key     string
		waiting []string
	}
	var mu sync.Mutex
	var grants []grant
	w := newWorld(t, func(c *exactsim.Config) { c.APIMinutelyLimit, c.APIMinute = 10, 3*time.Second }, nil, nil)
	w.g.granted = func(key string, waiting []string) {
		mu.Lock()
		grants = append(grants, grant{key, waiting})
		mu.Unlock()
	}
	keys := map[string]string{"powerbi": w.cfg.addKey(t, "powerbi"), "excel": w.cfg.addKey(t, "excel")}
	var wg sync.WaitGroup
	var ok atomic.Int32
	var failed sync.Map
	for name, key := range keys {
		for i := range 15 {
			wg.Go(func() {
				a := w.call("GET", "/api/v1/1234567/financialtransaction/TransactionLines?$top=5", key, nil)
				if a.status == 200 {
					ok.Add(1)
				} else {
					failed.Store(fmt.Sprintf("%s-%d", name, i), fmt.Sprintf("%d %s", a.status, a.raw))
				}
			})
		}
	}
	wg.Wait()
	failed.Range(func(k, v any) bool { t.Errorf("%s: %s", k, v); return true })
	if ok.Load() != 30 {
		t.Fatalf("%d of 30 answered 200", ok.Load())
	}
	if st := w.sim.Stats(); st.APIRateLimited != 0 || st.APIOK != 30 {
		t.Fatalf("simulator: %d refused with 429, %d answered; want 0 and 30", st.APIRateLimited, st.APIOK)
	}
	both := func(g grant) bool { return len(g.waiting) == 2 }
	alternated := 0
	for i := 1; i < len(grants); i++ {
		if both(grants[i-1]) && both(grants[i]) {
			if grants[i-1].key == grants[i].key {
				t.Fatalf("grant %d and %d both went to %s while both waited", i-1, i, grants[i].key)
			}
			alternated++
		}
	}
	if alternated < 5 {
		t.Fatalf("only %d grants happened while both programs waited; the test did not test fairness", alternated)
	}
	stats := w.g.Stats()
	if len(stats) != 2 || stats[0].RequestsToday != 15 || stats[1].RequestsToday != 15 || stats[0].RefusalsToday != 0 || stats[0].LastRequest.IsZero() {
		t.Fatalf("stats %+v", stats)
	}
}

// TestRefused: no key, a wrong key, a revoked key, a foreign Host header,
// a CORS preflight and a browser's request get nothing from Exact.
func TestRefused(t *testing.T) {
	w := newWorld(t, nil, nil, nil)
	key := w.cfg.addKey(t, "powerbi")
	path := "/api/v1/1234567/crm/Accounts"
	if a := w.call("GET", path, key, nil); a.status != 200 {
		t.Fatalf("with the key: %d %s", a.status, a.raw)
	}
	cases := []struct {
		name   string
		key    string
		mod    func(*http.Request)
		status int
	}{
		{"no key", "", nil, 401},
		{"wrong key", "ekg_" + strings.Repeat("A", 43), nil, 401},
		{"foreign host", key, func(r *http.Request) { r.Host = "evil.example:" + w.port }, http.StatusMisdirectedRequest},
		{"other port", key, func(r *http.Request) { r.Host = "127.0.0.1:1" }, http.StatusMisdirectedRequest},
		{"preflight", key, func(r *http.Request) {
			r.Method = http.MethodOptions
			r.Header.Set("Origin", "https://evil.example")
			r.Header.Set("Access-Control-Request-Method", "GET")
		}, 403},
		{"browser page", key, func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") }, 403},
	}
	for _, c := range cases {
		a := w.call("GET", path, c.key, c.mod)
		if a.status != c.status || strings.TrimSpace(a.raw) != "" {
			t.Errorf("%s: %d %q, want %d and no body", c.name, a.status, a.raw, c.status)
		}
		for h := range a.header {
			if strings.HasPrefix(h, "Access-Control-") || strings.HasPrefix(h, "X-Ratelimit") {
				t.Errorf("%s: header %s", c.name, h)
			}
		}
	}
	w.cfg.removeKey("powerbi")
	if a := w.call("GET", path, key, nil); a.status != 401 || a.raw != "" {
		t.Fatalf("revoked key: %d %q, want 401 and nothing else", a.status, a.raw)
	}
	if a := w.call("GET", "/api/oauth2/token", key, nil); a.status != 401 {
		t.Fatalf("token endpoint with a revoked key: %d", a.status)
	}
	if st := w.sim.Stats(); st.APIOK != 1 {
		t.Fatalf("simulator answered %d API calls, want only the first", st.APIOK)
	}
}

// TestPagingThroughGateway: __next links point back through the gateway
// and the same connection, and following them reads all 150 rows.
func TestPagingThroughGateway(t *testing.T) {
	w := newWorld(t, nil, nil, nil)
	key := w.cfg.addKey(t, "excel")
	if a := w.call("GET", "/oauth2/whatever", key, nil); a.status != 404 {
		t.Fatalf("a path outside the REST API: %d", a.status)
	}
	next := "/connections/bakkerij/api/v1/1234567/crm/Accounts?$select=ID,Name"
	rows := 0
	for page := 0; next != ""; page++ {
		a := w.call("GET", next, key, nil)
		if a.status != 200 || a.header.Get("X-RateLimit-Minutely-Limit") != "60" {
			t.Fatalf("page %d: %d %v %s", page, a.status, a.header, a.raw)
		}
		d := a.json(t)["d"].(map[string]any)
		rows += len(d["results"].([]any))
		next, _ = d["__next"].(string)
		if next != "" && !strings.HasPrefix(next, "http://127.0.0.1:"+w.port+"/connections/bakkerij/api/v1/1234567/crm/Accounts?") {
			t.Fatalf("__next %q does not point back through the gateway", next)
		}
		if page > 5 {
			t.Fatal("paging does not end")
		}
	}
	if rows != 150 {
		t.Fatalf("%d rows, want 150", rows)
	}
}

// TestUnauthorizedRetry: after Exact's 401 the request is repeated once
// when the keeper holds a newer token, and answered 401 with the reason
// otherwise, without asking Exact a third time.
func TestUnauthorizedRetry(t *testing.T) {
	bad := exact.Token{AccessToken: "revoked", Expiry: time.Now().Add(5 * time.Minute)}
	var tokens *staticTokens
	w := newWorld(t, nil, func(w *world) Tokens {
		tokens = &staticTokens{toks: []exact.Token{bad, w.login()}}
		return tokens
	}, nil)
	key := w.cfg.addKey(t, "powerbi")
	if a := w.call("GET", "/api/v1/current/Me", key, nil); a.status != 200 {
		t.Fatalf("with a newer token at hand: %d %s", a.status, a.raw)
	}
	tokens.mu.Lock()
	tokens.toks = []exact.Token{bad}
	tokens.mu.Unlock()
	before := w.sim.Stats().MeUnauthorized
	a := w.call("GET", "/api/v1/current/Me", key, nil)
	if a.status != 401 || !strings.Contains(a.raw, "no newer one") {
		t.Fatalf("without a newer token: %d %s", a.status, a.raw)
	}
	if n := w.sim.Stats().MeUnauthorized - before; n != 1 {
		t.Fatalf("Exact was asked %d times with the refused token, want 1", n)
	}
}

// flaky is an upstream that fails the first n requests with status.
type flaky struct {
	status int
	n      atomic.Int32
	hits   atomic.Int32
	header http.Header
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.hits.Add(1)
	for k, v := range f.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	if f.n.Add(-1) >= 0 {
		w.WriteHeader(f.status)
		fmt.Fprint(w, `{"error":{"code":"","message":{"lang":"","value":"Service unavailable."}}}`)
		return
	}
	fmt.Fprint(w, `{"d":{"results":[]}}`)
}

func flakyWorld(t *testing.T, f *flaky, opts func(*Options)) *world {
	t.Helper()
	up := httptest.NewServer(f)
	t.Cleanup(up.Close)
	w := newWorld(t, nil, func(*world) Tokens {
		return &staticTokens{toks: []exact.Token{{AccessToken: "t", Expiry: time.Now().Add(time.Hour)}}}
	}, opts)
	w.cfg.cfg.Connections[0].BaseURL = up.URL
	return w
}

// TestRetriesOnlyGET: a GET is repeated after 5xx; a POST never is.
func TestRetriesOnlyGET(t *testing.T) {
	f := &flaky{status: 503}
	f.n.Store(2)
	w := flakyWorld(t, f, nil)
	key := w.cfg.addKey(t, "p")
	if a := w.call("GET", "/api/v1/1/crm/Accounts", key, nil); a.status != 200 || f.hits.Load() != 3 {
		t.Fatalf("GET: %d after %d hits, want 200 after 3", a.status, f.hits.Load())
	}
	f.n.Store(1)
	f.hits.Store(0)
	if a := w.call("POST", "/api/v1/1/crm/Accounts", key, nil); a.status != 503 || f.hits.Load() != 1 || !strings.Contains(a.raw, "Service unavailable") {
		t.Fatalf("POST: %d after %d hits (%s), want Exact's 503 after 1", a.status, f.hits.Load(), a.raw)
	}
}

// TestRefusesLongWaitAndSpentDay: a request that would wait past the
// bound, or for which the day's budget is gone, is answered 429 with
// Retry-After and which limit it was, without reaching Exact.
func TestRefusesLongWaitAndSpentDay(t *testing.T) {
	reset := func(d time.Duration) string { return fmt.Sprint(time.Now().Add(d).UnixMilli()) }
	f := &flaky{header: http.Header{
		"X-Ratelimit-Minutely-Limit":     {"60"},
		"X-Ratelimit-Minutely-Remaining": {"0"},
		"X-Ratelimit-Minutely-Reset":     {reset(10 * time.Minute)},
	}}
	w := flakyWorld(t, f, func(o *Options) { o.MaxWait = time.Minute })
	key := w.cfg.addKey(t, "p")
	if a := w.call("GET", "/api/v1/1/crm/Accounts", key, nil); a.status != 200 {
		t.Fatalf("first: %d", a.status)
	}
	a := w.call("GET", "/api/v1/1/crm/Accounts", key, nil)
	if a.status != 429 || a.header.Get("Retry-After") == "" || !strings.Contains(a.raw, "per minute") || f.hits.Load() != 1 {
		t.Fatalf("minute spent: %d %v %s after %d hits", a.status, a.header, a.raw, f.hits.Load())
	}

	f2 := &flaky{header: http.Header{
		"X-Ratelimit-Limit":     {"5000"},
		"X-Ratelimit-Remaining": {"0"},
		"X-Ratelimit-Reset":     {reset(5 * time.Hour)},
	}}
	w2 := flakyWorld(t, f2, nil)
	key2 := w2.cfg.addKey(t, "p")
	w2.call("GET", "/api/v1/1/crm/Accounts", key2, nil)
	a = w2.call("GET", "/api/v1/1/crm/Accounts", key2, nil)
	if a.status != 429 || a.header.Get("Retry-After") == "" || !strings.Contains(a.raw, "daily limit") || f2.hits.Load() != 1 {
		t.Fatalf("day spent: %d %v %s after %d hits", a.status, a.header, a.raw, f2.hits.Load())
	}
	if st := w2.g.Stats(); st[0].RefusalsToday != 1 || st[0].RequestsToday != 2 {
		t.Fatalf("stats %+v", st)
	}
}

// TestRunnerLoopbackOnly: the runner listens where config says, only on
// loopback, and stops when switched off.
func TestRunnerLoopbackOnly(t *testing.T) {
	for _, bad := range []string{"0.0.0.0:41000", "192.168.1.5:41000", "example.com:80", "127.0.0.1", "[::1]:41000"} {
		if CheckAddr(bad) == nil {
			t.Errorf("CheckAddr(%q) accepted", bad)
		}
	}
	if err := CheckAddr(DefaultAddr()); err != nil {
		t.Fatalf("default address %s: %v", DefaultAddr(), err)
	}
	c := &config{}
	r := &Runner{G: New(Options{Config: c.load, Tokens: &staticTokens{toks: []exact.Token{{}}}})}
	defer r.Close()
	if st := r.Apply(context.Background()); st.Running || st.Enabled {
		t.Fatalf("off by default: %+v", st)
	}
	c.cfg.Settings.Gateway = store.Gateway{Enabled: true, Addr: "127.0.0.1:0"}
	st := r.Apply(context.Background())
	if !st.Running || st.Error != "" || !strings.HasPrefix(st.Addr, "127.0.0.1:") || st.Addr == "127.0.0.1:0" {
		t.Fatalf("on: %+v", st)
	}
	resp, err := http.Get("http://" + st.Addr + "/api/v1/current/Me")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("without a key: %d", resp.StatusCode)
	}
	c.cfg.Settings.Gateway.Enabled = false
	if st := r.Apply(context.Background()); st.Running {
		t.Fatalf("off: %+v", st)
	}
	if _, err := http.Get("http://" + st.Addr + "/api/v1/current/Me"); err == nil {
		t.Fatal("still listening after off")
	}
}
