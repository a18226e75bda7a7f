package exact

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestRegions(t *testing.T) {
	if got, want := strings.Join(Regions(), " "), "nl be de fr es uk us"; got != want {
		t.Fatalf("Regions() = %q, want %q", got, want)
	}
	// Callers may sort or edit the slice; the package's table must not change.
	Regions()[0] = "zz"
	if Regions()[0] != "nl" {
		t.Fatal("Regions() shares its backing array with callers")
	}
}

func TestBaseURL(t *testing.T) {
	tests := []struct{ region, want string }{
		{"nl", "https://start.exactonline.nl"},
		{"be", "https://start.exactonline.be"},
		{"de", "https://start.exactonline.de"},
		{"fr", "https://start.exactonline.fr"},
		{"es", "https://start.exactonline.es"},
		{"uk", "https://start.exactonline.co.uk"},
		{"us", "https://start.exactonline.com"},
		{" NL ", "https://start.exactonline.nl"},
	}
	for _, tt := range tests {
		got, err := BaseURL(tt.region)
		if err != nil || got != tt.want {
			t.Errorf("BaseURL(%q) = %q, %v; want %q", tt.region, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "gb", "com", "nl-be"} {
		_, err := BaseURL(bad)
		if err == nil {
			t.Errorf("BaseURL(%q) gave no error", bad)
			continue
		}
		if !strings.Contains(err.Error(), "nl, be, de, fr, es, uk, us") {
			t.Errorf("BaseURL(%q) error %q does not list the valid regions", bad, err)
		}
	}
}

func TestOAuthConfig(t *testing.T) {
	cfg := OAuthConfig("https://start.exactonline.be/", "id", "secret", "https://example.com/cb")
	if cfg.Endpoint.AuthURL != "https://start.exactonline.be/api/oauth2/auth" ||
		cfg.Endpoint.TokenURL != "https://start.exactonline.be/api/oauth2/token" {
		t.Errorf("endpoints = %+v", cfg.Endpoint)
	}
	if cfg.Endpoint.AuthStyle != oauth2.AuthStyleInParams {
		t.Errorf("AuthStyle = %v, want AuthStyleInParams", cfg.Endpoint.AuthStyle)
	}
	if cfg.ClientID != "id" || cfg.ClientSecret != "secret" || cfg.RedirectURL != "https://example.com/cb" || len(cfg.Scopes) != 0 {
		t.Errorf("config = %+v", cfg)
	}
}

func TestRefreshWindow(t *testing.T) {
	tests := []struct{ lifetime, want time.Duration }{
		{600 * time.Second, 30 * time.Second},
		{6 * time.Second, 300 * time.Millisecond},
		{time.Hour, 3 * time.Minute},
		{0, 0},
		{-time.Second, 0},
	}
	for _, tt := range tests {
		if got := RefreshWindow(tt.lifetime); got != tt.want {
			t.Errorf("RefreshWindow(%v) = %v, want %v", tt.lifetime, got, tt.want)
		}
	}
}

func TestTokenTimes(t *testing.T) {
	issued := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		lifetime    time.Duration
		wantAllowed time.Time
	}{
		{600 * time.Second, issued.Add(570 * time.Second)},
		{6 * time.Second, issued.Add(5700 * time.Millisecond)},
	}
	for _, tt := range tests {
		tok := Token{IssuedAt: issued, Expiry: issued.Add(tt.lifetime)}
		if got := tok.Lifetime(); got != tt.lifetime {
			t.Errorf("Lifetime() = %v, want %v", got, tt.lifetime)
		}
		if got := tok.RefreshAllowedAt(); !got.Equal(tt.wantAllowed) {
			t.Errorf("RefreshAllowedAt() for %v = %v, want %v", tt.lifetime, got, tt.wantAllowed)
		}
	}
	// A token that is not known (zero value) may be refreshed at once.
	if got := (Token{}).RefreshAllowedAt(); !got.IsZero() {
		t.Errorf("zero Token RefreshAllowedAt() = %v, want zero time", got)
	}
}
