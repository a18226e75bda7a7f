package exactsim

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestTokenResponse(t *testing.T) {
	tests := []struct {
		lifetime time.Duration
		want     string
	}{
		{0, "600"}, // the default
		{6 * time.Second, "6"},
		{6500 * time.Millisecond, "6"}, // whole seconds
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.AccessLifetime = tt.lifetime })
			res := h.exchange(h.login(""), "")
			if res.status != http.StatusOK {
				t.Fatalf("status %d: %s", res.status, res.raw)
			}
			if got, ok := res.body["expires_in"].(string); !ok || got != tt.want {
				t.Errorf("expires_in = %#v, want the string %q", res.body["expires_in"], tt.want)
			}
			if res.str("token_type") != "bearer" {
				t.Errorf("token_type = %q", res.str("token_type"))
			}
			if a := res.str("access_token"); len(a) < 600 {
				t.Errorf("access token has %d characters, want at least 600", len(a))
			}
			if r := res.str("refresh_token"); len(r) < 100 || r == res.str("access_token") {
				t.Errorf("refresh token %d characters, or equal to the access token", len(r))
			}
			if res.header.Get("Cache-Control") != "no-store" {
				t.Error("token response may be cached")
			}
		})
	}
}

func TestClientCredentials(t *testing.T) {
	tests := []struct {
		name   string
		mod    func(req *http.Request, form url.Values)
		status int
		code   string
		desc   string
	}{
		{"basic auth header", func(req *http.Request, _ url.Values) { req.SetBasicAuth(DemoClientID, DemoClientSecret) }, 401, "invalid_client", ""},
		{"wrong secret", func(_ *http.Request, f url.Values) { f.Set("client_secret", "guess") }, 401, "invalid_client", ""},
		{"no secret", func(_ *http.Request, f url.Values) { f.Del("client_secret") }, 401, "invalid_client", ""},
		{"unknown client", func(_ *http.Request, f url.Values) { f.Set("client_id", "abc") }, 400, "invalid_client", "Client with identifier 'abc' not found"},
		{"secret in the URL", func(req *http.Request, f url.Values) {
			req.URL.RawQuery = url.Values{"client_secret": {DemoClientSecret}}.Encode()
			f.Del("client_secret")
		}, 400, "invalid_request", ""},
		{"JSON body", func(req *http.Request, _ url.Values) { req.Header.Set("Content-Type", "application/json") }, 400, "invalid_request", ""},
		{"unknown grant type", func(_ *http.Request, f url.Values) { f.Set("grant_type", "password") }, 400, "unsupported_grant_type", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			_, rt := h.connect()
			h.clock.Advance(10 * time.Minute)
			form := url.Values{
				"grant_type": {"refresh_token"}, "refresh_token": {rt},
				"client_id": {DemoClientID}, "client_secret": {DemoClientSecret},
			}
			req, _ := http.NewRequest("POST", h.ts.URL+"/api/oauth2/token", nil)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			tt.mod(req, form)
			body := form.Encode()
			req.Body, req.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
			res := h.do(req)
			wantError(t, res, tt.status, tt.code)
			if tt.desc != "" && res.str("error_description") != tt.desc {
				t.Errorf("error_description = %q, want %q", res.str("error_description"), tt.desc)
			}
			if strings.Contains(res.raw, rt) || strings.Contains(res.raw, DemoClientSecret) {
				t.Error("the error echoes a secret")
			}
			if st := h.s.Stats(); st.ClientErrors != 1 {
				t.Errorf("ClientErrors = %d, want 1", st.ClientErrors)
			}
			// The refused call consumed nothing.
			if res := h.refresh(rt); res.status != http.StatusOK {
				t.Fatalf("refresh after a refused call: %d %s", res.status, res.raw)
			}
		})
	}
}

func TestRotation(t *testing.T) {
	h := newHarness(t, nil)
	a1, r1 := h.connect()
	a2, r2 := h.mustRefresh(r1)
	if a2 == a1 || r2 == r1 {
		t.Fatal("refresh did not rotate the tokens")
	}
	res := h.refresh(r1)
	wantError(t, res, http.StatusUnauthorized, "unauthorized_client")
	if res.str("error_description") != "Old refresh token used." {
		t.Errorf("error_description = %q", res.str("error_description"))
	}
	if _, r3 := h.mustRefresh(r2); r3 == r2 {
		t.Fatal("second refresh did not rotate")
	}
	st := h.s.Stats()
	if st.Refreshes != 2 || st.OldTokenReuses != 1 || st.Exchanges != 1 || st.TokenCalls != 4 {
		t.Fatalf("stats %+v", st)
	}
}

func TestGrace(t *testing.T) {
	t.Run("off", func(t *testing.T) {
		h := newHarness(t, nil)
		_, r1 := h.connect()
		h.mustRefresh(r1)
		wantError(t, h.refresh(r1), http.StatusUnauthorized, "unauthorized_client")
	})
	t.Run("previous token until the new access token is used", func(t *testing.T) {
		h := newHarness(t, func(c *Config) { c.Grace = true })
		_, r1 := h.connect()
		_, r2 := h.mustRefresh(r1) // the answer "got lost"
		// An immediate retry with the old token works and is not too early:
		// the access token the client holds is the old one.
		res := h.refresh(r1)
		if res.status != http.StatusOK {
			t.Fatalf("grace retry: %d %s", res.status, res.raw)
		}
		a3, r3 := res.str("access_token"), res.str("refresh_token")
		wantError(t, h.refresh(r2), http.StatusUnauthorized, "unauthorized_client") // the lost pair is dead
		if res := h.me(a3); res.status != http.StatusOK {
			t.Fatalf("Me: %d", res.status)
		}
		wantError(t, h.refresh(r1), http.StatusUnauthorized, "unauthorized_client")
		if _, r4 := h.mustRefresh(r3); r4 == "" {
			t.Fatal("no refresh token")
		}
		if st := h.s.Stats(); st.OldTokenReuses != 2 || st.Refreshes != 3 {
			t.Fatalf("stats %+v", st)
		}
	})
	t.Run("previous token until the new refresh token is used", func(t *testing.T) {
		h := newHarness(t, func(c *Config) { c.Grace = true })
		_, r1 := h.connect()
		_, r2 := h.mustRefresh(r1)
		h.mustRefresh(r2)
		wantError(t, h.refresh(r1), http.StatusUnauthorized, "unauthorized_client")
	})
	t.Run("even a too-early use of the new token ends grace", func(t *testing.T) {
		h := newHarness(t, func(c *Config) { c.Grace = true })
		_, r1 := h.connect()
		_, r2 := h.mustRefresh(r1)
		wantError(t, h.refresh(r2), http.StatusBadRequest, "access_denied")
		wantError(t, h.refresh(r1), http.StatusUnauthorized, "unauthorized_client")
	})
}

func TestTooEarly(t *testing.T) {
	tests := []struct {
		lifetime, opens time.Duration
	}{
		{10 * time.Minute, 570 * time.Second},
		{6 * time.Second, 5700 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.lifetime.String(), func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.AccessLifetime = tt.lifetime })
			_, rt := h.connect()
			var elapsed time.Duration
			for _, at := range []time.Duration{0, tt.opens - time.Millisecond} {
				h.clock.Advance(at - elapsed)
				elapsed = at
				res := h.refresh(rt)
				wantError(t, res, http.StatusBadRequest, "access_denied")
				if res.str("error_description") != "Rate limit exceeded: access_token not expired" {
					t.Errorf("error_description = %q", res.str("error_description"))
				}
				if res.header.Get("Reason") != "TooEarlyToRefreshTokens" {
					t.Errorf("Reason header = %q", res.header.Get("Reason"))
				}
			}
			h.clock.Advance(time.Millisecond) // exactly when the window opens
			if res := h.refresh(rt); res.status != http.StatusOK {
				t.Fatalf("refresh when the window opens: %d %s", res.status, res.raw)
			}
			if st := h.s.Stats(); st.TooEarly != 2 || st.Refreshes != 1 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

func TestIdleExpiry(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.RefreshIdle = 48 * time.Hour })
	_, r1 := h.connect()
	h.clock.Advance(48*time.Hour - time.Second)
	res := h.refresh(r1)
	if res.status != http.StatusOK {
		t.Fatalf("refresh just before the lapse: %d %s", res.status, res.raw)
	}
	r2 := res.str("refresh_token")
	h.clock.Advance(48 * time.Hour) // the lapse counts from the last refresh
	res = h.refresh(r2)
	wantError(t, res, http.StatusBadRequest, "invalid_request")
	desc := res.str("error_description")
	if !strings.HasPrefix(desc, "The refresh token expired at 2026-03") || !strings.Contains(desc, " and it is now 2026-03") {
		t.Errorf("error_description = %q", desc)
	}
	if st := h.s.Stats(); st.ExpiredRefresh != 1 {
		t.Fatalf("ExpiredRefresh = %d", st.ExpiredRefresh)
	}
}

func TestNewLoginBreaksChain(t *testing.T) {
	h := newHarness(t, nil)
	h.s.AddApp(App{ClientID: "app2", ClientSecret: "s2", RedirectURIs: []string{testRedirect}})
	code, err := h.s.IssueCode("app2", testRedirect, DemoUserName, "")
	if err != nil {
		t.Fatal(err)
	}
	other := h.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect}, "client_id": {"app2"}, "client_secret": {"s2"}})

	_, r1 := h.connect()
	_, r2 := h.mustRefresh(r1)
	_, s1 := h.connect() // a second installation logs in
	wantError(t, h.refresh(r2), http.StatusBadRequest, "invalid_grant")
	wantError(t, h.refresh(r1), http.StatusBadRequest, "invalid_grant")
	if _, s2 := h.mustRefresh(s1); s2 == "" {
		t.Fatal("the new chain does not refresh")
	}
	// Another app's chain for the same user is untouched.
	res := h.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {other.str("refresh_token")}, "client_id": {"app2"}, "client_secret": {"s2"}})
	if res.status != http.StatusOK {
		t.Fatalf("other app's chain: %d %s", res.status, res.raw)
	}
}

func TestDailyLimit(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.DailyLimit = 3 })
	code := h.login("")
	res := h.exchange(code, "") // call 1
	if res.header.Get("X-RateLimit-Limit") != "3" || res.header.Get("X-RateLimit-Remaining") != "2" {
		t.Fatalf("rate-limit headers %v", res.header)
	}
	rt := res.str("refresh_token")
	h.refresh(rt) // 2: too early
	h.refresh(rt) // 3: too early
	h.clock.Advance(10 * time.Minute)
	res = h.refresh(rt) // 4: over the limit
	wantError(t, res, http.StatusTooManyRequests, "rate_limit_exceeded")
	midnight := time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)
	if res.header.Get("X-RateLimit-Remaining") != "0" || res.header.Get("X-RateLimit-Reset") != strconv.FormatInt(midnight.UnixMilli(), 10) {
		t.Fatalf("rate-limit headers %v", res.header)
	}
	if res.header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}

	// Another user has a budget of their own.
	h.s.AddUser(User{UserName: "piet", Password: "pw", Division: 1})
	code, _ = h.s.IssueCode(DemoClientID, testRedirect, "piet", "")
	if res := h.exchange(code, ""); res.status != http.StatusOK {
		t.Fatalf("other user: %d %s", res.status, res.raw)
	}

	h.clock.Advance(midnight.Sub(h.clock.Now()))
	if res := h.refresh(rt); res.status != http.StatusOK {
		t.Fatalf("next day: %d %s", res.status, res.raw)
	}
	if st := h.s.Stats(); st.RateLimited != 1 || st.TokenCalls != 6 {
		t.Fatalf("stats %+v", st)
	}
}

func TestHourlyErrorBlock(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.HourlyErrorLimit = 3; c.BlockFor = 2 * time.Hour })
	_, rt := h.connect()
	for range 3 {
		wantError(t, h.refresh(rt), http.StatusBadRequest, "access_denied")
	}
	h.clock.Advance(10 * time.Minute) // the refresh would be allowed now
	res := h.refresh(rt)
	wantError(t, res, http.StatusTooManyRequests, "rate_limit_exceeded")
	if !strings.HasPrefix(res.str("error_description"), "Too many errors; blocked") {
		t.Errorf("error_description = %q", res.str("error_description"))
	}

	// Another user is not blocked.
	h.s.AddUser(User{UserName: "piet", Password: "pw"})
	code, _ := h.s.IssueCode(DemoClientID, testRedirect, "piet", "")
	if res := h.exchange(code, ""); res.status != http.StatusOK {
		t.Fatalf("other user: %d %s", res.status, res.raw)
	}

	h.clock.Advance(time.Hour) // errors age out, the block does not
	wantError(t, h.refresh(rt), http.StatusTooManyRequests, "rate_limit_exceeded")
	h.clock.Advance(time.Hour)
	if res := h.refresh(rt); res.status != http.StatusOK {
		t.Fatalf("after the block: %d %s", res.status, res.raw)
	}
	if st := h.s.Stats(); st.Blocked != 2 || st.TooEarly != 3 {
		t.Fatalf("stats %+v", st)
	}
}

func TestErrorsInDifferentHoursDoNotBlock(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.HourlyErrorLimit = 3 })
	_, rt := h.connect()
	wantError(t, h.refresh(rt), http.StatusBadRequest, "access_denied")
	wantError(t, h.refresh(rt), http.StatusBadRequest, "access_denied")
	h.clock.Advance(time.Hour)
	// The token is old now, but the window has also moved on.
	res := h.refresh(rt)
	if res.status != http.StatusOK {
		t.Fatalf("status %d: %s", res.status, res.raw)
	}
	rt = res.str("refresh_token")
	wantError(t, h.refresh(rt), http.StatusBadRequest, "access_denied")
	wantError(t, h.refresh(rt), http.StatusBadRequest, "access_denied")
	if st := h.s.Stats(); st.Blocked != 0 {
		t.Fatalf("blocked after errors spread over two hours: %+v", st)
	}
}

func TestConcurrentRefresh(t *testing.T) {
	h := newHarness(t, nil)
	_, rt := h.connect()
	h.clock.Advance(10 * time.Minute)
	const n = 8
	statuses := make(chan int, n)
	for range n {
		go func() {
			form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {DemoClientID}, "client_secret": {DemoClientSecret}}
			resp, err := http.PostForm(h.ts.URL+"/api/oauth2/token", form)
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	count := map[int]int{}
	for range n {
		count[<-statuses]++
	}
	if count[http.StatusOK] != 1 || count[http.StatusUnauthorized] != n-1 {
		t.Fatalf("statuses %v, want one 200 and the rest 401", count)
	}
}
