package exact

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestTooEarlyReasonIsAPrefix: the live Reason header carries Exact's text
// after the name; a refusal with only that header (an HTML body, a 401) is
// still too early, and other names that merely start alike are not.
func TestTooEarlyReasonIsAPrefix(t *testing.T) {
	const live = "TooEarlyToRefreshTokens: Rate limit exceeded: access_token not expired"
	for _, tc := range []struct {
		reason string
		status int
		want   Outcome
	}{
		{live, 400, TooEarly},
		{live, 401, TooEarly},
		{"tooearlytorefreshtokens:rate limit exceeded", 400, TooEarly},
		{"  TooEarlyToRefreshTokens ; more", 401, TooEarly},
		{"TooEarlyToRefreshTokensPolicy", 401, Transient},
		{"Rate limit: TooEarlyToRefreshTokens", 401, Transient},
	} {
		if got := Classify(tc.status, tc.reason, []byte("<html>refused</html>")); got != tc.want {
			t.Errorf("Classify(%d, %q) = %v, want %v", tc.status, tc.reason, got, tc.want)
		}
	}
	// Through the client too: the header alone makes the answer too early.
	_, c := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Reason", live)
		w.WriteHeader(http.StatusUnauthorized)
	})
	_, err := c.Refresh(context.Background(), testRT)
	var e *Error
	if !errors.As(err, &e) || e.Outcome != TooEarly {
		t.Fatalf("Refresh with the live Reason header = %v, want TooEarly", err)
	}
}

// TestClientSecretRedactedEverywhere: whatever part of a refused answer
// echoes the client secret (description, error code, Reason header, in
// every kind of refusal), no message or field shows it.
func TestClientSecretRedactedEverywhere(t *testing.T) {
	statuses := []int{200, 400, 401, 403, 404, 418, 429, 500, 503}
	bodies := []string{
		`{"error":"invalid_client","error_description":"secret ` + testSecret + ` is wrong"}`,
		`{"error":"access_denied","error_description":"Rate limit exceeded for ` + testSecret + `"}`,
		`{"error":"` + testSecret + `"}`,
		`{"error":"unauthorized_client","error_description":"Old refresh token used. (` + testSecret + `)"}`,
		`{"error":"server_error","error_description":"` + testSecret + `"}`,
	}
	for _, status := range statuses {
		for _, body := range bodies {
			for _, exchange := range []bool{false, true} {
				_, c := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					w.Header().Set("Reason", "TooEarlyToRefreshTokens: "+testSecret)
					w.WriteHeader(status)
					_, _ = w.Write([]byte(body))
				})
				var err error
				if exchange {
					_, err = c.Exchange(context.Background(), testCode, testVerifier)
				} else {
					_, err = c.Refresh(context.Background(), testRT)
				}
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("HTTP %d %s: %v is not an *Error", status, body, err)
				}
				all := strings.Join([]string{err.Error(), e.Description, e.Code, e.Reason, e.RefreshToken}, " | ")
				if strings.Contains(all, testSecret) {
					t.Errorf("HTTP %d, body %s: the client secret shows in %q", status, body, all)
				}
			}
		}
	}
}

// TestTokenCallsOutlastShortClientTimeouts: a token call is given at least
// TokenCallTimeout even when the HTTP client (or the default one) would cut
// it off after 30 s; the caller's client is not modified.
func TestTokenCallsOutlastShortClientTimeouts(t *testing.T) {
	var mu sync.Mutex
	var left time.Duration
	_, c := newFake(t, answer200(`{"access_token":"`+testAT+`","expires_in":"600","refresh_token":"`+testNewRT+`"}`, "application/json"))
	c.HTTP = &http.Client{Timeout: 30 * time.Second, Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if d, ok := r.Context().Deadline(); ok {
			mu.Lock()
			left = time.Until(d)
			mu.Unlock()
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	if _, err := c.Refresh(context.Background(), testRT); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	got := left
	mu.Unlock()
	if got < TokenCallTimeout-10*time.Second {
		t.Errorf("the token call had %v before the client gave up, want about %v", got, TokenCallTimeout)
	}
	if c.HTTP.Timeout != 30*time.Second {
		t.Errorf("the caller's client was changed: timeout %v", c.HTTP.Timeout)
	}
	if TokenCallTimeout < 120*time.Second {
		t.Errorf("TokenCallTimeout = %v, want at least 120 s", TokenCallTimeout)
	}
	def := (&Client{}).tokenHTTP()
	if def.Timeout < TokenCallTimeout {
		t.Errorf("token calls through the default client time out after %v, want at least %v", def.Timeout, TokenCallTimeout)
	}
	none := (&Client{HTTP: &http.Client{}}).tokenHTTP()
	if none.Timeout != 0 {
		t.Errorf("a client without a timeout got %v", none.Timeout)
	}
}
