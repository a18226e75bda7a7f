package login

import (
	"strings"
	"testing"
)

func TestIsLoopback(t *testing.T) {
	tests := []struct {
		uri  string
		want bool
	}{
		{"http://127.0.0.1:8765/callback", true},
		{"https://127.0.0.1:8765/callback", true},
		{"http://localhost:8765/callback", true},
		{"https://LOCALHOST:8765/", true},
		{"http://127.0.0.1:8765", true},
		{" http://127.0.0.1:8765/callback\n", true},  // as pasted into a settings field
		{"http://127.0.0.1/callback", false},         // no explicit port
		{"https://localhost/callback", false},        // no explicit port
		{"http://127.0.0.1:0/callback", false},       // not a usable port
		{"http://127.0.0.1:65536/callback", false},   // out of range
		{"http://127.0.0.1:08765/callback", false},   // not canonical
		{"http://0.0.0.0:8765/callback", false},      // every interface
		{"http://192.168.1.10:8765/callback", false}, // another machine
		{"http://[::1]:8765/callback", false},        // not what we listen on
		{"http://localhost.example.com:8765/", false},
		{"ftp://127.0.0.1:8765/callback", false},
		{"http://user@127.0.0.1:8765/callback", false},
		{"127.0.0.1:8765/callback", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsLoopback(tt.uri); got != tt.want {
			t.Errorf("IsLoopback(%q) = %v, want %v", tt.uri, got, tt.want)
		}
	}
}

func TestValidateRedirectURI(t *testing.T) {
	tests := []struct {
		uri     string
		wantErr string // empty: valid
	}{
		{"http://127.0.0.1:8765/callback", ""},
		{"http://localhost:8765/callback", ""},
		{"https://localhost:8765/callback", ""},
		{"https://localhost/callback", ""}, // paste mode
		{"https://example.com/exact/callback", ""},
		{"  https://example.com/cb  ", ""},
		{"", "the redirect URI is empty"},
		{"   ", "the redirect URI is empty"},
		{"example.com/callback", "not a complete web address"},
		{"/callback", "not a complete web address"},
		{"https://", "not a complete web address"},
		{"mailto:me@example.com", "not a complete web address"},
		{"http://example.com/callback", "only allowed for this PC"},
		{"http://127.0.0.1/callback", "only allowed for this PC"},
		{"http://0.0.0.0:8765/callback", "only allowed for this PC"},
		{"ftp://example.com/callback", "must start with https://"},
		{"https://user:pw@example.com/cb", "user name or password"},
		{"https://example.com/cb#frag", "'#'"},
		{"https://exa mple.com/cb", "not a complete web address"},
	}
	for _, tt := range tests {
		err := ValidateRedirectURI(tt.uri)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("ValidateRedirectURI(%q) = %v, want nil", tt.uri, err)
		case tt.wantErr != "" && err == nil:
			t.Errorf("ValidateRedirectURI(%q) = nil, want an error with %q", tt.uri, tt.wantErr)
		case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
			t.Errorf("ValidateRedirectURI(%q) = %q, want it to contain %q", tt.uri, err, tt.wantErr)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("ValidateRedirectURI(%q): error spans lines: %q", tt.uri, err)
		}
	}
}

func TestSameEndpoint(t *testing.T) {
	want := mustParse(t, "https://example.com/exact/callback")
	tests := []struct {
		got  string
		same bool
	}{
		{"https://example.com/exact/callback?code=1", true},
		{"HTTPS://Example.COM/exact/callback", true},
		{"https://example.com:443/exact/callback", true},
		{"https://example.com/exact/callback/", true},
		{"http://example.com/exact/callback", false},
		{"https://example.com:8443/exact/callback", false},
		{"https://example.org/exact/callback", false},
		{"https://example.com/exact/callback2", false},
		{"https://example.com/exact", false},
		{"https://example.com/EXACT/callback", false}, // paths are case-sensitive
	}
	for _, tt := range tests {
		if got := sameEndpoint(mustParse(t, tt.got), want); got != tt.same {
			t.Errorf("sameEndpoint(%q) = %v, want %v", tt.got, got, tt.same)
		}
	}
}

func TestHumanDuration(t *testing.T) {
	tests := map[string]string{
		"5m":    "5 minutes",
		"1m":    "1 minute",
		"90s":   "90 seconds",
		"1.5s":  "1.5s",
		"250ms": "250ms",
	}
	for in, want := range tests {
		if got := humanDuration(mustDuration(t, in)); got != want {
			t.Errorf("humanDuration(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestSanitize(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  string
	}{
		{"The user denied access", 100, "The user denied access"},
		{"  two\nlines\r\n\tand\x00nul ", 100, "two lines and nul"},
		{strings.Repeat("é", 12), 10, strings.Repeat("é", 10) + "…"},
	}
	for _, tt := range tests {
		if got := sanitize(tt.in, tt.limit); got != tt.want {
			t.Errorf("sanitize(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
	}
}
