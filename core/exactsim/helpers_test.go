package exactsim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const testRedirect = "http://127.0.0.1:8765/callback"

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

// harness is a simulator behind real HTTP on 127.0.0.1 with a fake clock.
type harness struct {
	t     *testing.T
	s     *Server
	ts    *httptest.Server
	clock *fakeClock
	http  *http.Client // does not follow redirects
}

func newHarness(t *testing.T, mod func(*Config)) *harness {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)}
	cfg := DemoConfig()
	cfg.Now = clock.Now
	if mod != nil {
		mod(&cfg)
	}
	s := New(cfg)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return &harness{t: t, s: s, ts: ts, clock: clock, http: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type result struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

func (r result) str(k string) string {
	s, _ := r.body[k].(string)
	return s
}

func (h *harness) do(req *http.Request) result {
	h.t.Helper()
	resp, err := h.http.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	res := result{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &res.body); err != nil {
			h.t.Fatalf("%s: invalid JSON %q: %v", req.URL.Path, raw, err)
		}
	}
	return res
}

func (h *harness) get(path string, q url.Values) result {
	h.t.Helper()
	req, _ := http.NewRequest("GET", h.ts.URL+path+"?"+q.Encode(), nil)
	return h.do(req)
}

func (h *harness) postForm(path string, form url.Values) result {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return h.do(req)
}

func authParams(challenge string) url.Values {
	q := url.Values{
		"client_id":     {DemoClientID},
		"redirect_uri":  {testRedirect},
		"response_type": {"code"},
		"state":         {"st-123"},
	}
	if challenge != "" {
		q.Set("code_challenge", challenge)
		q.Set("code_challenge_method", "S256")
	}
	return q
}

// login posts the login form and returns the code from the redirect.
func (h *harness) login(challenge string) string {
	h.t.Helper()
	form := authParams(challenge)
	form.Set("username", DemoUserName)
	form.Set("password", DemoPassword)
	res := h.postForm("/api/oauth2/auth", form)
	if res.status != http.StatusFound {
		h.t.Fatalf("login: status %d, want 302: %s", res.status, res.raw)
	}
	loc, err := url.Parse(res.header.Get("Location"))
	if err != nil {
		h.t.Fatal(err)
	}
	if loc.Query().Get("state") != "st-123" {
		h.t.Fatalf("login: state %q not carried back", loc.Query().Get("state"))
	}
	return loc.Query().Get("code")
}

func (h *harness) token(form url.Values) result {
	h.t.Helper()
	return h.postForm("/api/oauth2/token", form)
}

func (h *harness) exchange(code, verifier string) result {
	h.t.Helper()
	f := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {testRedirect},
		"client_id":     {DemoClientID},
		"client_secret": {DemoClientSecret},
	}
	if verifier != "" {
		f.Set("code_verifier", verifier)
	}
	return h.token(f)
}

func (h *harness) refresh(rt string) result {
	h.t.Helper()
	return h.token(url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {rt},
		"client_id":     {DemoClientID},
		"client_secret": {DemoClientSecret},
	})
}

// connect logs in and exchanges the code: a fresh chain.
func (h *harness) connect() (access, refresh string) {
	h.t.Helper()
	res := h.exchange(h.login(""), "")
	if res.status != http.StatusOK {
		h.t.Fatalf("exchange: status %d: %s", res.status, res.raw)
	}
	return res.str("access_token"), res.str("refresh_token")
}

// mustRefresh refreshes once the window is open and returns the new pair.
func (h *harness) mustRefresh(rt string) (access, refresh string) {
	h.t.Helper()
	h.clock.Advance(10 * time.Minute)
	res := h.refresh(rt)
	if res.status != http.StatusOK {
		h.t.Fatalf("refresh: status %d: %s", res.status, res.raw)
	}
	return res.str("access_token"), res.str("refresh_token")
}

func (h *harness) me(access string) result {
	h.t.Helper()
	req, _ := http.NewRequest("GET", h.ts.URL+"/api/v1/current/Me", nil)
	if access != "" {
		req.Header.Set("Authorization", "Bearer "+access)
	}
	return h.do(req)
}

func wantError(t *testing.T, res result, status int, code string) {
	t.Helper()
	if res.status != status || res.str("error") != code {
		t.Fatalf("got %d %q, want %d %q: %s", res.status, res.str("error"), status, code, res.raw)
	}
}
