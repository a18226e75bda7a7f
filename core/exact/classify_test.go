package exact

import (
	"strings"
	"testing"
	"time"
)

// The bodies below are the ones quoted in exact-online.md.
const (
	bodyOldToken  = `{"error":"unauthorized_client","error_description":"Old refresh token used."}`
	bodyExpired   = `{"error":"invalid_request","error_description":"The refresh token expired at 2026-01-01 10:00:00 and it is now 2026-02-03 09:12:44"}`
	bodyTooEarly  = `{"error":"access_denied","error_description":"Rate limit exceeded: access_token not expired"}`
	bodyUnknownID = `{"error":"invalid_request","error_description":"Client with identifier 'b81cc4de-d192-400e-bcb4-09254394c52a' not found"}`
	htmlPage      = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name   string
		status int
		reason string
		body   string
		want   Outcome
	}{
		{"token issued, expires_in string", 200, "", `{"access_token":"a","token_type":"bearer","expires_in":"600","refresh_token":"r"}`, OK},
		{"token issued, expires_in number", 200, "", `{"access_token":"a","expires_in":600,"refresh_token":"r"}`, OK},
		{"token issued despite a Reason header", 200, "TooEarlyToRefreshTokens", `{"access_token":"a","expires_in":"600"}`, OK},

		{"old refresh token 401", 401, "", bodyOldToken, NeedsReconnect},
		{"old refresh token 400", 400, "", bodyOldToken, NeedsReconnect},
		{"refresh token expired", 400, "", bodyExpired, NeedsReconnect},
		{"invalid_grant without description", 400, "", `{"error":"invalid_grant"}`, NeedsReconnect},
		{"invalid_grant with description", 400, "", `{"error":"invalid_grant","error_description":"The provided grant is invalid"}`, NeedsReconnect},
		// A bare invalid_client is a wrong client secret: the refresh token
		// may be fine, so it must not be classed as a lost login.
		{"invalid_client", 401, "", `{"error":"invalid_client"}`, WrongSecret},
		{"invalid_client 400 with text", 400, "", `{"error":"invalid_client","error_description":"Invalid client credentials"}`, WrongSecret},
		{"invalid_client but client not found", 400, "", `{"error":"invalid_client","error_description":"Client with identifier 'x' not found"}`, NeedsReconnect},
		{"client not found in JSON", 400, "", bodyUnknownID, NeedsReconnect},
		{"client not found as plain text", 400, "", "Client with identifier 'abc' not found", NeedsReconnect},
		{"error in a 200 answer", 200, "", `{"error":"invalid_grant"}`, NeedsReconnect},

		{"too early 400", 400, "", bodyTooEarly, TooEarly},
		{"too early 401", 401, "", bodyTooEarly, TooEarly},
		{"too early by header only", 400, "TooEarlyToRefreshTokens", "", TooEarly},
		{"too early by header and body", 400, "TooEarlyToRefreshTokens", bodyTooEarly, TooEarly},
		{"too early header in other case", 401, " tooearlytorefreshtokens ", "<html></html>", TooEarly},

		{"429 empty", 429, "", "", RateLimited},
		{"429 html", 429, "", htmlPage, RateLimited},
		{"429 with invalid_grant", 429, "", `{"error":"invalid_grant"}`, RateLimited},
		{"400 rate limit", 400, "", `{"error":"access_denied","error_description":"Rate limit exceeded: 200 calls per day"}`, RateLimited},
		{"403 too many", 403, "", `{"error":"access_denied","error_description":"Too many errors, app blocked for an hour"}`, RateLimited},
		{"400 too_many_requests code", 400, "", `{"error":"too_many_requests"}`, RateLimited},

		{"500 empty", 500, "", "", Transient},
		{"502 html", 502, "", htmlPage, Transient},
		{"503 with invalid_grant", 503, "", `{"error":"invalid_grant"}`, Transient},
		{"500 with old token text", 500, "", bodyOldToken, Transient},
		{"400 empty", 400, "", "", Transient},
		{"401 empty", 401, "", "", Transient},
		{"400 not JSON", 400, "", "Bad Request", Transient},
		{"404 html", 404, "", htmlPage, Transient},
		{"400 JSON null", 400, "", "null", Transient},
		{"400 JSON array", 400, "", `[{"error":"invalid_grant"}]`, Transient},
		{"400 other invalid_request", 400, "", `{"error":"invalid_request","error_description":"Missing parameter"}`, Transient},
		{"400 unsupported_grant_type", 400, "", `{"error":"unsupported_grant_type"}`, Transient},
		{"400 unauthorized_client other reason", 400, "", `{"error":"unauthorized_client","error_description":"Not allowed"}`, Transient},
		{"400 error of wrong type", 400, "", `{"error":42,"error_description":["x"]}`, Transient},
		{"200 without access token", 200, "", `{"refresh_token":"r","expires_in":"600"}`, Transient},
		{"200 html", 200, "", htmlPage, Transient},
		{"200 empty", 200, "", "", Transient},
		{"302", 302, "", "", Transient},
		{"no status", 0, "", "", Transient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.status, tt.reason, []byte(tt.body)); got != tt.want {
				t.Errorf("Classify(%d, %q, %q) = %v, want %v", tt.status, tt.reason, tt.body, got, tt.want)
			}
		})
	}
}

func FuzzClassify(f *testing.F) {
	for _, b := range []string{bodyOldToken, bodyExpired, bodyTooEarly, bodyUnknownID, htmlPage, "", "null", `{"error":null}`, `{"access_token":"a"}`} {
		f.Add(400, "", []byte(b))
	}
	f.Add(200, "TooEarlyToRefreshTokens", []byte(`{"access_token":"a","expires_in":"600"}`))
	f.Fuzz(func(t *testing.T, status int, reason string, body []byte) {
		o := Classify(status, reason, body)
		if o < OK || o > Transient {
			t.Fatalf("Classify gave %d, outside the defined outcomes", o)
		}
		if o == OK && (status < 200 || status > 299) {
			t.Fatalf("Classify gave OK for HTTP %d", status)
		}
		a := parseAnswer(body)
		e := &Error{Outcome: o, Status: status, Code: clean(a.code), Description: clean(a.description), Reason: reason}
		if msg := e.Error(); msg == "" || strings.ContainsAny(msg, "\n\r") {
			t.Fatalf("Error() = %q, want one non-empty line", msg)
		}
	})
}

func TestOutcomeString(t *testing.T) {
	for o, want := range map[Outcome]string{
		OK: "ok", NeedsReconnect: "needs-reconnect", TooEarly: "too-early",
		RateLimited: "rate-limited", Transient: "transient", Outcome(99): "outcome(99)",
	} {
		if got := o.String(); got != want {
			t.Errorf("Outcome(%d).String() = %q, want %q", int(o), got, want)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want []string // substrings
	}{
		{"old token", &Error{Outcome: NeedsReconnect, Status: 401, Code: "unauthorized_client", Description: "Old refresh token used."},
			[]string{"already used", "log in again"}},
		{"expired", &Error{Outcome: NeedsReconnect, Status: 400, Code: "invalid_request", Description: "The refresh token expired at X and it is now Y"},
			[]string{"expired", "The refresh token expired at X and it is now Y", "log in again"}},
		{"unknown client", &Error{Outcome: NeedsReconnect, Status: 400, Description: "Client with identifier 'x' not found"},
			[]string{"app registration", "region and client ID"}},
		{"broken chain", &Error{Outcome: NeedsReconnect, Status: 400, Code: "invalid_grant"},
			[]string{"no longer accepts", "log in again"}},
		{"no refresh token", &Error{Outcome: NeedsReconnect, Err: errNoRefreshToken},
			[]string{"no refresh token", "log in again"}},
		{"too early", &Error{Outcome: TooEarly, Status: 400, Description: "Rate limit exceeded: access_token not expired"},
			[]string{"has not expired yet (too early to refresh)"}},
		{"rate limited with wait", &Error{Outcome: RateLimited, Status: 429, RetryAfter: 90 * time.Second},
			[]string{"rate limit", "try again in 1m30s"}},
		{"rate limited without wait", &Error{Outcome: RateLimited, Status: 429},
			[]string{"rate limit", "try again later"}},
		{"network", &Error{Outcome: Transient, Err: errNoRefreshToken},
			[]string{"Could not reach Exact Online", "internet connection"}},
		{"malformed", &Error{Outcome: Transient, Status: 200, Err: malformed("expires_in is missing or zero")},
			[]string{"malformed answer: expires_in is missing or zero", "try again later"}},
		{"server error", &Error{Outcome: Transient, Status: 502},
			[]string{"server error (HTTP 502)", "try again later"}},
		{"unknown refusal", &Error{Outcome: Transient, Status: 400, Code: "unsupported_grant_type"},
			[]string{"does not recognise", `HTTP 400, error "unsupported_grant_type"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := tt.err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("Error() = %q, want it to contain %q", msg, w)
				}
			}
			if strings.Count(msg, ". ") > 0 || strings.ContainsAny(msg, "\n") {
				t.Errorf("Error() = %q, want one sentence", msg)
			}
		})
	}
}

func TestClean(t *testing.T) {
	tests := []struct {
		in      string
		secrets []string
		want    string
	}{
		{"code ABCDEF123 is invalid", []string{"ABCDEF123"}, "code [redacted] is invalid"},
		{"short x secret", []string{"x"}, "short x secret"},
		{"line one\nline two\t", nil, "line one line two"},
		{strings.Repeat("é", 400), nil, strings.Repeat("é", 300) + "…"},
	}
	for _, tt := range tests {
		if got := clean(tt.in, tt.secrets...); got != tt.want {
			t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
