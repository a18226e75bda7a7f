package exactsim

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// postRefresh posts a refresh and reads the whole answer.
func (h *harness) postRefresh(ctx context.Context, rt string) (int, http.Header, []byte, error) {
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {DemoClientID}, "client_secret": {DemoClientSecret}}
	req, _ := http.NewRequestWithContext(ctx, "POST", h.ts.URL+"/api/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := h.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body, err
}

func TestMoreFaults(t *testing.T) {
	tests := []struct {
		kind   FaultKind
		delay  time.Duration
		status int // 0: no answer
		check  func(t *testing.T, h http.Header, body []byte)
		stat   func(Stats) int
	}{
		{FaultGatewayFault, 0, 500, func(t *testing.T, _ http.Header, body []byte) {
			var v struct {
				Fault struct{ Faultstring string } `json:"fault"`
			}
			if json.Unmarshal(body, &v) != nil || !strings.Contains(v.Fault.Faultstring, "ExtractAccessToken") {
				t.Errorf("body %s is not the gateway fault", body)
			}
		}, func(s Stats) int { return s.ServerErrors }},
		{FaultBadGateway, 0, 502, nil, func(s Stats) int { return s.ServerErrors }},
		{FaultUnavailable, 0, 503, func(t *testing.T, h http.Header, _ []byte) {
			if h.Get("Retry-After") != "" {
				t.Errorf("Retry-After %q on the bare 503", h.Get("Retry-After"))
			}
		}, func(s Stats) int { return s.ServerErrors }},
		{FaultTooManyBare, 0, 429, func(t *testing.T, h http.Header, _ []byte) {
			if h.Get("Retry-After") != "" || h.Get("X-RateLimit-Reset") != "" {
				t.Errorf("the bare 429 has rate-limit headers: %v", h)
			}
		}, func(s Stats) int { return s.RateLimited }},
		{FaultTruncated, 0, 200, func(t *testing.T, _ http.Header, body []byte) {
			if json.Valid(body) || !strings.HasPrefix(string(body), `{"access_token":"`) {
				t.Errorf("body %.80s… is not a truncated token answer", body)
			}
		}, func(s Stats) int { return s.ServerErrors }},
		{FaultHTMLPage, 0, 200, func(t *testing.T, h http.Header, body []byte) {
			if !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "<html>") {
				t.Errorf("not an HTML page: %v %s", h, body)
			}
		}, func(s Stats) int { return s.ServerErrors }},
		{FaultHuge, 0, 200, func(t *testing.T, _ http.Header, body []byte) {
			if len(body) < HugeBodySize {
				t.Errorf("body of %d bytes, want at least %d", len(body), HugeBodySize)
			}
		}, func(s Stats) int { return s.ServerErrors }},
		{FaultHang, 50 * time.Millisecond, 0, nil, func(s Stats) int { return s.Dropped }},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			h := newHarness(t, nil)
			_, rt := h.connect()
			h.clock.Advance(10 * time.Minute)
			if !tt.kind.valid() {
				t.Fatalf("%s is not a valid kind", tt.kind)
			}
			h.s.Inject(Fault{Kind: tt.kind, Delay: tt.delay})
			began := time.Now()
			status, hdr, body, err := h.postRefresh(context.Background(), rt)
			switch {
			case tt.status == 0 && err == nil:
				t.Fatalf("got status %d, want no answer", status)
			case tt.status != 0 && err != nil:
				t.Fatalf("got %v, want status %d", err, tt.status)
			case status != tt.status:
				t.Fatalf("status %d, want %d", status, tt.status)
			}
			if tt.delay > 0 && time.Since(began) < tt.delay {
				t.Errorf("answered after %s, before the delay of %s", time.Since(began), tt.delay)
			}
			if tt.check != nil {
				tt.check(t, hdr, body)
			}
			if n := tt.stat(h.s.Stats()); n != 1 {
				t.Errorf("counter = %d, want 1", n)
			}
			if st := h.s.RefreshTokenState(rt); st != TokenCurrent {
				t.Fatalf("after the fault the token is %s, want %s: the fault rotated", st, TokenCurrent)
			}
			if res := h.refresh(rt); res.status != http.StatusOK {
				t.Fatalf("the fault consumed the refresh token: %d %s", res.status, res.raw)
			}
			if st := h.s.RefreshTokenState(rt); st != TokenOld {
				t.Errorf("a spent token is %s, want %s", st, TokenOld)
			}
		})
	}
}

func TestHangEndsWhenTheClientGivesUp(t *testing.T) {
	h := newHarness(t, nil)
	_, rt := h.connect()
	h.clock.Advance(10 * time.Minute)
	h.s.Inject(Fault{Kind: FaultHang, Delay: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, _, _, err := h.postRefresh(ctx, rt); err == nil {
		t.Fatal("a hung call answered")
	}
	// The server side lets go too: the next call is answered at once.
	if res := h.refresh(rt); res.status != http.StatusOK {
		t.Fatalf("after a hang: %d %s", res.status, res.raw)
	}
}

func TestClearFaultsAndInspect(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Grace = true })
	_, rt := h.connect()
	if st := h.s.RefreshTokenState("no-such-token"); st != TokenUnknown {
		t.Errorf("unknown token is %s", st)
	}
	h.s.Inject(Fault{Kind: FaultBadGateway, Count: 5})
	h.s.Inject(Fault{Kind: FaultHTMLPage, Count: 2})
	if n := h.s.PendingFaults(); n != 7 {
		t.Errorf("PendingFaults = %d, want 7", n)
	}
	h.s.ClearFaults()
	if n := h.s.PendingFaults(); n != 0 {
		t.Errorf("PendingFaults after ClearFaults = %d", n)
	}
	h.clock.Advance(10 * time.Minute)
	res := h.refresh(rt)
	if res.status != http.StatusOK {
		t.Fatalf("refresh after ClearFaults: %d %s", res.status, res.raw)
	}
	if st := h.s.RefreshTokenState(rt); st != TokenGrace {
		t.Errorf("with grace the previous token is %s, want %s", st, TokenGrace)
	}
	if st := h.s.RefreshTokenState(res.str("refresh_token")); st != TokenCurrent {
		t.Errorf("the new token is %s, want %s", st, TokenCurrent)
	}
	// A new login replaces the chain.
	_, rt2 := h.connect()
	if st := h.s.RefreshTokenState(res.str("refresh_token")); st != TokenReplaced {
		t.Errorf("a token of a replaced chain is %s, want %s", st, TokenReplaced)
	}
	if st := h.s.RefreshTokenState(rt2); st != TokenCurrent {
		t.Errorf("the new login's token is %s", st)
	}
}
