package exact

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Long, distinct values so that a leak is unmistakable in any message.
const (
	testSecret   = "client-secret-S3CR3T-0001"
	testRT       = "refresh-token-OLD-0002"
	testNewRT    = "refresh-token-NEW-0003"
	testCode     = "auth-code-C0DE-0004"
	testVerifier = "pkce-verifier-VER1F1ER-0005-abcdefghijklmnopqrstuvwxyz"
	testAT       = "access-token-AT-0006"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// seen is one request as the fake token endpoint received it.
type seen struct {
	method, path, auth, contentType string
	form                            url.Values
}

type fakeExact struct {
	mu   sync.Mutex
	reqs []seen
}

func (f *fakeExact) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reqs...)
}

// newFake starts a token endpoint that records each request and answers
// with reply.
func newFake(t *testing.T, reply func(w http.ResponseWriter, r *http.Request)) (*fakeExact, *Client) {
	t.Helper()
	f := &fakeExact{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		f.mu.Lock()
		f.reqs = append(f.reqs, seen{r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), r.PostForm})
		f.mu.Unlock()
		reply(w, r)
	}))
	t.Cleanup(srv.Close)
	return f, newClient(srv.URL)
}

func newClient(base string) *Client {
	return &Client{
		BaseURL:      base,
		ClientID:     "client-id-1",
		ClientSecret: testSecret,
		RedirectURI:  "https://example.com/exact/callback",
		Now:          func() time.Time { return t0 },
	}
}

func answer200(body, contentType string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write([]byte(body))
	}
}

// checkCredentials asserts the client secret travels only in the form body.
func checkCredentials(t *testing.T, s seen) {
	t.Helper()
	if s.method != http.MethodPost || s.path != "/api/oauth2/token" {
		t.Errorf("request = %s %s, want POST /api/oauth2/token", s.method, s.path)
	}
	if s.auth != "" {
		t.Errorf("Authorization header sent (%d bytes); credentials belong in the body", len(s.auth))
	}
	if !strings.HasPrefix(s.contentType, "application/x-www-form-urlencoded") {
		t.Errorf("Content-Type = %q", s.contentType)
	}
	if s.form.Get("client_id") != "client-id-1" || s.form.Get("client_secret") != testSecret {
		t.Errorf("form lacks client_id/client_secret: keys %v", keys(s.form))
	}
}

func keys(v url.Values) []string {
	var out []string
	for k := range v {
		out = append(out, k)
	}
	return out
}

func TestRefresh(t *testing.T) {
	tests := []struct {
		name, body, contentType string
		wantLifetime            time.Duration
	}{
		{"expires_in as string", `{"access_token":"` + testAT + `","token_type":"bearer","expires_in":"600","refresh_token":"` + testNewRT + `"}`, "application/json", 600 * time.Second},
		{"expires_in as number", `{"access_token":"` + testAT + `","token_type":"bearer","expires_in":600,"refresh_token":"` + testNewRT + `"}`, "application/json; charset=utf-8", 600 * time.Second},
		{"short simulator lifetime", `{"access_token":"` + testAT + `","expires_in":"6","refresh_token":"` + testNewRT + `"}`, "application/json", 6 * time.Second},
		{"JSON sent as text/plain", `{"access_token":"` + testAT + `","expires_in":"600","refresh_token":"` + testNewRT + `"}`, "text/plain", 600 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFake(t, answer200(tt.body, tt.contentType))
			tok, err := c.Refresh(context.Background(), testRT)
			if err != nil {
				t.Fatalf("Refresh: %v", err)
			}
			want := Token{AccessToken: testAT, RefreshToken: testNewRT, IssuedAt: t0, Expiry: t0.Add(tt.wantLifetime)}
			if tok != want {
				t.Errorf("token = %+v, want %+v", tok, want)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want exactly 1", len(reqs))
			}
			checkCredentials(t, reqs[0])
			if reqs[0].form.Get("grant_type") != "refresh_token" || reqs[0].form.Get("refresh_token") != testRT {
				t.Errorf("form grant_type=%q, refresh_token sent=%v", reqs[0].form.Get("grant_type"), reqs[0].form.Get("refresh_token") == testRT)
			}
		})
	}
}

func TestRefreshAlwaysPosts(t *testing.T) {
	f, c := newFake(t, answer200(`{"access_token":"`+testAT+`","expires_in":"600","refresh_token":"`+testNewRT+`"}`, "application/json"))
	for i := 0; i < 3; i++ {
		if _, err := c.Refresh(context.Background(), testRT); err != nil {
			t.Fatalf("Refresh %d: %v", i, err)
		}
	}
	if n := len(f.requests()); n != 3 {
		t.Errorf("3 refreshes made %d requests, want 3", n)
	}
}

func TestRefreshWithoutTokenPostsNothing(t *testing.T) {
	f, c := newFake(t, answer200(`{}`, "application/json"))
	_, err := c.Refresh(context.Background(), "")
	var e *Error
	if !errors.As(err, &e) || e.Outcome != NeedsReconnect {
		t.Fatalf("Refresh(\"\") = %v, want NeedsReconnect *Error", err)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests made without a refresh token", n)
	}
}

func TestExchange(t *testing.T) {
	f, c := newFake(t, answer200(`{"access_token":"`+testAT+`","expires_in":600,"refresh_token":"`+testNewRT+`"}`, "application/json"))
	tok, err := c.Exchange(context.Background(), testCode, testVerifier)
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	if tok.AccessToken != testAT || tok.RefreshToken != testNewRT || !tok.IssuedAt.Equal(t0) || !tok.Expiry.Equal(t0.Add(600*time.Second)) {
		t.Errorf("token = %+v", tok)
	}
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	checkCredentials(t, reqs[0])
	form := reqs[0].form
	if form.Get("grant_type") != "authorization_code" || form.Get("code") != testCode ||
		form.Get("code_verifier") != testVerifier || form.Get("redirect_uri") != "https://example.com/exact/callback" {
		t.Errorf("exchange form is incomplete: keys %v", keys(form))
	}
}

func TestTokenFailures(t *testing.T) {
	resetIn90s := strconv.FormatInt(t0.Add(90*time.Second).UnixMilli(), 10)
	resetIn30s := strconv.FormatInt(t0.Add(30*time.Second).UnixMilli(), 10)
	tests := []struct {
		name        string
		exchange    bool
		status      int
		header      map[string]string
		body        string
		wantOutcome Outcome
		wantRT      string
		wantRetry   time.Duration
		wantMsg     string
	}{
		{name: "malformed JSON", status: 200, body: `{"access_token":`, wantOutcome: Transient, wantMsg: "malformed answer"},
		{name: "missing access_token keeps rotated refresh token", status: 200,
			body: `{"expires_in":"600","refresh_token":"` + testNewRT + `"}`, wantOutcome: Transient, wantRT: testNewRT, wantMsg: "access_token is missing"},
		{name: "missing expires_in keeps rotated refresh token", status: 200,
			body: `{"access_token":"` + testAT + `","refresh_token":"` + testNewRT + `"}`, wantOutcome: Transient, wantRT: testNewRT, wantMsg: "expires_in is missing or zero"},
		{name: "zero expires_in", status: 200,
			body: `{"access_token":"` + testAT + `","expires_in":"0","refresh_token":"` + testNewRT + `"}`, wantOutcome: Transient, wantRT: testNewRT, wantMsg: "expires_in"},
		{name: "expires_in not a number keeps rotated refresh token", status: 200,
			body: `{"access_token":"` + testAT + `","expires_in":"ten minutes","refresh_token":"` + testNewRT + `"}`, wantOutcome: Transient, wantRT: testNewRT, wantMsg: "unexpected type"},
		{name: "exchange without refresh token", exchange: true, status: 200,
			body: `{"access_token":"` + testAT + `","expires_in":"600"}`, wantOutcome: Transient, wantMsg: "refresh_token is missing"},
		{name: "HTML 502 page", status: 502, header: map[string]string{"Content-Type": "text/html"}, body: htmlPage,
			wantOutcome: Transient, wantMsg: "server error (HTTP 502)"},
		{name: "old refresh token", status: 401, body: bodyOldToken, wantOutcome: NeedsReconnect, wantMsg: "already used"},
		{name: "expired refresh token", status: 400, body: bodyExpired, wantOutcome: NeedsReconnect, wantMsg: "has expired"},
		{name: "error in a 200 answer", status: 200, body: `{"error":"invalid_grant"}`, wantOutcome: NeedsReconnect, wantMsg: "log in again"},
		{name: "too early, rotated anyway", status: 400, header: map[string]string{"Reason": "TooEarlyToRefreshTokens"},
			body:        `{"error":"access_denied","error_description":"Rate limit exceeded: access_token not expired","refresh_token":"` + testNewRT + `"}`,
			wantOutcome: TooEarly, wantRT: testNewRT, wantMsg: "too early to refresh"},
		{name: "rate limited 400 carrying a refresh token", status: 400,
			header:      map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": resetIn90s, "X-RateLimit-Minutely-Reset": resetIn30s},
			body:        `{"error":"access_denied","error_description":"Rate limit exceeded: daily limit reached","refresh_token":"` + testNewRT + `"}`,
			wantOutcome: RateLimited, wantRT: testNewRT, wantRetry: 90 * time.Second, wantMsg: "try again in 1m30s"},
		{name: "429 with Retry-After", status: 429, header: map[string]string{"Retry-After": "120"},
			wantOutcome: RateLimited, wantRetry: 120 * time.Second},
		{name: "429 with minutely reset", status: 429,
			header:      map[string]string{"X-RateLimit-Remaining": "150", "X-RateLimit-Reset": resetIn90s, "X-RateLimit-Minutely-Reset": resetIn30s},
			wantOutcome: RateLimited, wantRetry: 30 * time.Second},
		{name: "429 with reset in the past", status: 429,
			header:      map[string]string{"X-RateLimit-Minutely-Reset": strconv.FormatInt(t0.Add(-time.Minute).UnixMilli(), 10)},
			wantOutcome: RateLimited, wantRetry: 0, wantMsg: "try again later"},
		{name: "refused body echoing the posted token is no rotation", status: 400,
			body:        `{"error":"unauthorized_client","error_description":"Old refresh token used.","refresh_token":"` + testRT + `"}`,
			wantOutcome: NeedsReconnect, wantRT: ""},
		{name: "description echoing the code is redacted", exchange: true, status: 400,
			body:        `{"error":"invalid_grant","error_description":"Code ` + testCode + ` is invalid, verifier ` + testVerifier + `"}`,
			wantOutcome: NeedsReconnect, wantMsg: "[redacted]"},
		{name: "unknown 4xx", status: 418, body: `{"error":"teapot"}`, wantOutcome: Transient, wantMsg: "does not recognise"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			})
			var err error
			if tt.exchange {
				_, err = c.Exchange(context.Background(), testCode, testVerifier)
			} else {
				_, err = c.Refresh(context.Background(), testRT)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not an *Error", err, err)
			}
			if e.Outcome != tt.wantOutcome || e.Status != tt.status || e.RefreshToken != tt.wantRT || e.RetryAfter != tt.wantRetry {
				t.Errorf("got outcome %v status %d rotated %v retry %v; want %v %d %v %v",
					e.Outcome, e.Status, e.RefreshToken != "", e.RetryAfter, tt.wantOutcome, tt.status, tt.wantRT != "", tt.wantRetry)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("message %q does not contain %q", msg, tt.wantMsg)
			}
			noSecrets(t, msg+" "+e.Description+" "+e.Code+" "+e.Reason)
			if n := len(f.requests()); n != 1 {
				t.Errorf("%d requests, want exactly 1 (no second try with other credentials)", n)
			}
		})
	}
}

func noSecrets(t *testing.T, s string) {
	t.Helper()
	for _, sec := range []string{testSecret, testRT, testNewRT, testCode, testVerifier, testAT} {
		if strings.Contains(s, sec) {
			t.Errorf("a secret leaked into %q", s)
		}
	}
}

func TestTransportFailures(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	hangup := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(hangup.Close)

	truncated := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"access_token\":")
		_ = buf.Flush()
		conn.Close()
	}))
	t.Cleanup(truncated.Close)

	for _, tt := range []struct{ name, url string }{
		{"connection refused", closedURL},
		{"connection closed without answer", hangup.URL},
		{"answer cut off", truncated.URL},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newClient(tt.url).Refresh(context.Background(), testRT)
			var e *Error
			if !errors.As(err, &e) || e.Outcome != Transient || e.Status != 0 || e.Err == nil {
				t.Fatalf("got %#v, want Transient with status 0 and Err set", err)
			}
			if !strings.Contains(err.Error(), "Could not reach Exact Online") {
				t.Errorf("message = %q", err)
			}
			noSecrets(t, err.Error())
		})
	}
}

func TestRefreshCancelled(t *testing.T) {
	arrived := make(chan struct{})
	_, c := newFake(t, func(_ http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done()
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	_, err := c.Refresh(ctx, testRT)
	var e *Error
	if !errors.As(err, &e) || e.Outcome != Transient || e.Status != 0 {
		t.Fatalf("got %v, want Transient with status 0", err)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("errors.Is(err, context.Canceled) = false for %v", err)
	}
}

func TestCustomHTTPClientIsUsed(t *testing.T) {
	var mu sync.Mutex
	used := 0
	_, c := newFake(t, answer200(`{"access_token":"`+testAT+`","expires_in":"600","refresh_token":"`+testNewRT+`"}`, "application/json"))
	c.HTTP = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		used++
		mu.Unlock()
		return http.DefaultTransport.RoundTrip(r)
	})}
	if _, err := c.Refresh(context.Background(), testRT); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if used != 1 {
		t.Errorf("Client.HTTP carried %d requests, want 1", used)
	}
	if c.HTTP.Transport == nil {
		t.Error("Client.HTTP was modified")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestDefaultHTTPClient(t *testing.T) {
	if got := (&Client{}).httpClient(); got.Timeout != 30*time.Second {
		t.Errorf("default client timeout = %v, want 30s", got.Timeout)
	}
}

func TestAuthCodeURL(t *testing.T) {
	challenge := func(v string) string {
		sum := sha256.Sum256([]byte(v))
		return base64.RawURLEncoding.EncodeToString(sum[:])
	}
	tests := []struct {
		name          string
		verifier      string
		force         bool
		wantChallenge string
		wantForce     string
	}{
		{"pkce", testVerifier, false, challenge(testVerifier), ""},
		{"pkce and force login", testVerifier, true, challenge(testVerifier), "1"},
		{"no verifier", "", false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient("https://start.exactonline.nl/")
			raw := c.AuthCodeURL("state-123", tt.verifier, tt.force)
			u, err := url.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			if u.Scheme+"://"+u.Host+u.Path != "https://start.exactonline.nl/api/oauth2/auth" {
				t.Errorf("endpoint = %s", raw)
			}
			q := u.Query()
			want := map[string]string{
				"response_type":  "code",
				"client_id":      "client-id-1",
				"redirect_uri":   "https://example.com/exact/callback",
				"state":          "state-123",
				"code_challenge": tt.wantChallenge,
				"force_login":    tt.wantForce,
			}
			if tt.wantChallenge != "" {
				want["code_challenge_method"] = "S256"
			}
			for k, v := range want {
				if q.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, q.Get(k), v)
				}
			}
			if strings.Contains(raw, testSecret) || strings.Contains(raw, testVerifier) || q.Has("scope") {
				t.Errorf("URL carries the secret, the verifier or a scope: %s", raw)
			}
		})
	}
}
