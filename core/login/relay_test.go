package login

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/exactkeeper/exactkeeper/core/exact"
)

func TestRelayPort(t *testing.T) {
	tests := []struct {
		state string
		port  int
		ok    bool
	}{
		{"8765.Yx3_-abc", 8765, true},
		{"1024.a", 1024, true},
		{"65535.a", 65535, true},
		{"1023.a", 0, false},
		{"65536.a", 0, false},
		{"99999.a", 0, false},
		{"80.a", 0, false},
		{"08765.a", 0, false},
		{"0x1f90.a", 0, false},
		{"8765.", 0, false},
		{"8765", 0, false},
		{".abc", 0, false},
		{"8765.ab/c", 0, false},
		{"8765.ab%2Fc", 0, false},
		{"evil.example:8765.x", 0, false},
		{"127.0.0.1:8765.x", 0, false},
		{"8765.x@evil.example", 0, false},
		{"javascript:alert(1)", 0, false},
		{"８７６５.a", 0, false}, // full-width digits
		{"8765.a\n", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		port, ok := RelayPort(tt.state)
		if port != tt.port || ok != tt.ok {
			t.Errorf("RelayPort(%q) = %d, %v; want %d, %v", tt.state, port, ok, tt.port, tt.ok)
		}
	}
}

func TestIsRelay(t *testing.T) {
	for uri, want := range map[string]bool{
		DefaultRedirectURI:                  true,
		"https://www.example.nl/exact.html": true,
		"https://localhost:8765/callback":   false,
		"http://127.0.0.1:8765/callback":    false,
		"http://www.example.nl/exact.html":  false,
		"ftp://example.nl/":                 false,
		"":                                  false,
	} {
		if got := IsRelay(uri); got != want {
			t.Errorf("IsRelay(%q) = %v, want %v", uri, got, want)
		}
	}
	if !strings.HasPrefix(DefaultRedirectURI, "https://") || IsLoopback(DefaultRedirectURI) {
		t.Errorf("the default redirect URI %q must be public https", DefaultRedirectURI)
	}
}

// relaySession starts a relay-mode login and returns it with its listener's
// base address.
func relaySession(t *testing.T) (*Session, string) {
	t.Helper()
	s := start(t, Params{RedirectURI: "https://relay.example/login.html"})
	if !s.Relay() {
		t.Fatal("Relay() = false for an https redirect URI")
	}
	st := stateOf(t, s)
	port, ok := RelayPort(st)
	if !ok {
		t.Fatalf("state %q is not in the relay format", st)
	}
	if s.addr.String() != "127.0.0.1:"+strconv.Itoa(port) {
		t.Fatalf("state names port %d, listener is on %s", port, s.addr)
	}
	return s, "http://127.0.0.1:" + strconv.Itoa(port)
}

// TestRelayForwardAndResult: the answer arrives as the relay page forwards
// it; the browser sees "Connecting…" until Finish, then the outcome.
func TestRelayForwardAndResult(t *testing.T) {
	for _, tt := range []struct {
		name      string
		who       string
		err       error
		wantCode  int
		wantTitle string
		wantSaid  string
	}{
		{"connected", "Jan de Vries, Bakkerij De Jong", nil, 200, "Connected", ""},
		{"wrong secret", "", &exact.Error{Outcome: exact.WrongSecret, Status: 401, Code: "invalid_client"}, 502, "the client secret is wrong", ""},
		{"code refused", "", &exact.Error{Outcome: exact.NeedsReconnect, Status: 400, Code: "invalid_grant", Description: "Token is not allowed"}, 502, "refused the login code", "Token is not allowed"},
		{"unreachable", "", &exact.Error{Outcome: exact.Transient}, 502, "did not answer properly", ""},
		{"api refused", "Jan", &exact.APIError{Status: 403, Said: "Forbidden - Application Scope Violated"}, 502, "refuses the app", "Forbidden - Application Scope Violated"},
		{"other", "", errors.New("keychain locked"), 502, "Not connected", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, base := relaySession(t)
			st := stateOf(t, s)
			c := client(t, "")

			// The relay page's probe: only this login's state gets the
			// cross-origin answer.
			resp, err := c.Get(base + "/callback/ready?state=" + url.QueryEscape(st))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
				t.Fatalf("ready probe: %d, ACAO %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
			}
			if status, _ := get(t, c, base+"/callback/ready?state=x"+url.QueryEscape(st)); status != http.StatusNotFound {
				t.Errorf("ready probe with another state: %d, want 404", status)
			}

			status, page := get(t, c, base+"/callback?"+url.Values{"code": {"XYZ!abc"}, "state": {st}}.Encode())
			if status != 200 || !strings.Contains(page, "Connecting…") || !strings.Contains(page, `http-equiv="refresh"`) {
				t.Fatalf("callback: %d\n%s", status, page)
			}
			res, err := s.Wait(context.Background())
			if err != nil || res.Code != "XYZ!abc" {
				t.Fatalf("Wait = %v; code decoded %v", err, res.Code == "XYZ!abc")
			}
			result := base + s.resultPath()
			if status, page := get(t, c, result); status != 200 || !strings.Contains(page, "Connecting…") {
				t.Fatalf("result before Finish: %d\n%s", status, page)
			}
			if status, _ := get(t, c, base+"/callback/result?r=guess"); status != http.StatusNotFound {
				t.Errorf("result with a wrong nonce: %d, want 404", status)
			}
			// A reload of the callback goes to the result, not "finished".
			status, page = get(t, c, base+"/callback?"+url.Values{"code": {"XYZ!abc"}, "state": {st}}.Encode())
			if status != 200 || !strings.Contains(page, "Connecting…") {
				t.Errorf("reloaded callback: %d\n%s", status, page)
			}

			s.Finish(tt.who, tt.err)
			status, page = get(t, c, result)
			if status != tt.wantCode || !strings.Contains(page, tt.wantTitle) || strings.Contains(page, "refresh") {
				t.Fatalf("result after Finish: %d, want %d with %q\n%s", status, tt.wantCode, tt.wantTitle, page)
			}
			if tt.who != "" && !strings.Contains(page, tt.who) {
				t.Errorf("result page does not say who is connected:\n%s", page)
			}
			if tt.wantSaid != "" && !strings.Contains(page, "“"+tt.wantSaid) {
				t.Errorf("result page does not quote Exact (%q):\n%s", tt.wantSaid, page)
			}
			if strings.Contains(page, "XYZ") || strings.Contains(page, st) {
				t.Errorf("result page shows the code or state:\n%s", page)
			}
			// The browser fetched the outcome, so Close does not wait.
			s.Close()
		})
	}
}

// TestRelayPaste: in relay mode the pasted address may be the relay page's,
// a self-hosted copy's or the loopback one; the state decides.
func TestRelayPaste(t *testing.T) {
	for _, host := range []string{"https://relay.example/login.html", "https://www.bakkerij.nl/exact/", "http://127.0.0.1:9/callback"} {
		s, _ := relaySession(t)
		st := stateOf(t, s)
		if err := s.Paste(host + "?code=other&state=x" + st); !errors.Is(err, ErrStateMismatch) {
			t.Errorf("%s with another state: %v, want ErrStateMismatch", host, err)
		}
		if err := s.Paste("javascript:alert(1)?code=a&state=" + st); !errors.Is(err, ErrNotRedirect) {
			t.Errorf("javascript: address: %v, want ErrNotRedirect", err)
		}
		if err := s.Paste(" " + host + "?code=the-code&state=" + url.QueryEscape(st) + "\n"); err != nil {
			t.Fatalf("Paste(%s): %v", host, err)
		}
		res, err := s.Wait(context.Background())
		if err != nil || res.Code != "the-code" {
			t.Fatalf("Wait after paste: %v", err)
		}
		s.Close()
	}
}

// TestClosedBeforeFinish: a browser left on "Connecting…" learns that the
// login stopped rather than waiting forever.
func TestClosedBeforeFinish(t *testing.T) {
	s, base := relaySession(t)
	st := stateOf(t, s)
	c := client(t, "")
	if status, _ := get(t, c, base+"/callback?code=c&state="+url.QueryEscape(st)); status != 200 {
		t.Fatalf("callback: %d", status)
	}
	s.mu.Lock()
	s.final = &final{err: ErrCancelled}
	s.mu.Unlock()
	if status, page := get(t, c, base+s.resultPath()); status != 502 || !strings.Contains(page, "stopped") {
		t.Fatalf("result after stop: %d\n%s", status, page)
	}
}

func TestBrowserLang(t *testing.T) {
	for header, want := range map[string]string{
		"nl-NL,nl;q=0.9,en-US;q=0.8": "nl",
		"nl-BE":                      "nl",
		"en-GB,nl;q=0.5":             "en",
		"de-DE,nl;q=0.5":             "nl",
		"fr-FR":                      "",
		"":                           "",
		"nlx":                        "",
	} {
		if got := browserLang(header); got != want {
			t.Errorf("browserLang(%q) = %q, want %q", header, got, want)
		}
	}
}
