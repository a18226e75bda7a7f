package exact

import (
	"fmt"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// regions keeps the order users expect to see in pickers and help texts.
var regions = []struct{ code, base string }{
	{"nl", "https://start.exactonline.nl"},
	{"be", "https://start.exactonline.be"},
	{"de", "https://start.exactonline.de"},
	{"fr", "https://start.exactonline.fr"},
	{"es", "https://start.exactonline.es"},
	{"uk", "https://start.exactonline.co.uk"},
	{"us", "https://start.exactonline.com"},
}

// Regions lists the region codes in the order users expect: nl be de fr es uk us.
func Regions() []string {
	out := make([]string, len(regions))
	for i, r := range regions {
		out[i] = r.code
	}
	return out
}

// BaseURL maps a region code to its host, e.g. "nl" -> https://start.exactonline.nl.
// Case and surrounding spaces are ignored because the code is often typed.
func BaseURL(region string) (string, error) {
	code := strings.ToLower(strings.TrimSpace(region))
	for _, r := range regions {
		if r.code == code {
			return r.base, nil
		}
	}
	return "", fmt.Errorf("unknown Exact Online region %q: use one of %s", region, strings.Join(Regions(), ", "))
}

// OAuthConfig is the oauth2 configuration for a host: AuthStyleInParams,
// never auto-detection (which may post a single-use refresh token twice).
// No scopes: Exact ignores them.
func OAuthConfig(baseURL, clientID, clientSecret, redirectURI string) *oauth2.Config {
	base := strings.TrimRight(baseURL, "/")
	return &oauth2.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		RedirectURL:  redirectURI,
		Endpoint: oauth2.Endpoint{
			AuthURL:   base + "/api/oauth2/auth",
			TokenURL:  base + "/api/oauth2/token",
			AuthStyle: oauth2.AuthStyleInParams,
		},
	}
}

// RefreshWindow is how long before expiry a refresh is allowed: 30 s of a
// 600 s token, scaled for other lifetimes (lifetime * 30 / 600). Dividing by
// 20 is the same ratio without overflowing for very long lifetimes.
func RefreshWindow(lifetime time.Duration) time.Duration {
	if lifetime <= 0 {
		return 0
	}
	return lifetime / 20
}

// Lifetime is Expiry - IssuedAt.
func (t Token) Lifetime() time.Duration { return t.Expiry.Sub(t.IssuedAt) }

// RefreshAllowedAt is the first moment Exact accepts a refresh: Expiry - window.
func (t Token) RefreshAllowedAt() time.Time {
	return t.Expiry.Add(-RefreshWindow(t.Lifetime()))
}

// AppCenterURL is the App Center of a region's country, where an owner
// registers an app through "Register and manage API keys". Exact's App
// Center names the United Kingdom "gb".
func AppCenterURL(region string) string {
	code := strings.ToLower(strings.TrimSpace(region))
	switch code {
	case "uk":
		code = "gb"
	case "nl", "be", "de", "fr", "es", "us":
	default:
		code = "nl"
	}
	return "https://apps.exactonline.com/" + code + "/"
}
