package netproxy

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Values as `reg query "HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings"`
// shows them on machines set up by hand, by Settings > Proxy and by group
// policy.
func TestParseAndProxyFor(t *testing.T) {
	const exact = "https://start.exactonline.nl/api/oauth2/token"
	for _, c := range []struct {
		name string
		s    Settings
		want map[string]string // request URL -> proxy URL ("" = direct)
	}{
		{"off", Settings{ProxyEnable: false, ProxyServer: "proxy.kantoor.local:8080"},
			map[string]string{exact: ""}},
		{"nothing set", Settings{}, map[string]string{exact: ""}},
		{"one proxy for all", Settings{ProxyEnable: true, ProxyServer: "proxy.kantoor.local:8080"},
			map[string]string{exact: "http://proxy.kantoor.local:8080", "http://example.com/": "http://proxy.kantoor.local:8080"}},
		{"one proxy, written with a scheme", Settings{ProxyEnable: true, ProxyServer: "http://10.0.0.5:3128"},
			map[string]string{exact: "http://10.0.0.5:3128"}},
		{"per protocol", Settings{ProxyEnable: true, ProxyServer: "http=web.kantoor.local:80;https=secure.kantoor.local:8443;ftp=ftp.kantoor.local:21"},
			map[string]string{exact: "http://secure.kantoor.local:8443", "http://example.com/": "http://web.kantoor.local:80"}},
		{"per protocol without https: https goes direct", Settings{ProxyEnable: true, ProxyServer: "http=web.kantoor.local:80"},
			map[string]string{exact: "", "http://example.com/": "http://web.kantoor.local:80"}},
		{"per protocol, spaces and an empty entry", Settings{ProxyEnable: true, ProxyServer: " https = secure:8443 ;; "},
			map[string]string{exact: "http://secure:8443"}},
		{"an HTTPS proxy", Settings{ProxyEnable: true, ProxyServer: "https=https://secure.kantoor.local:443"},
			map[string]string{exact: "https://secure.kantoor.local:443"}},
		{"<local> bypasses plain host names only", Settings{ProxyEnable: true, ProxyServer: "p:8080", ProxyOverride: "<local>"},
			map[string]string{"https://intranet/": "", "https://intranet.kantoor.local/": "http://p:8080", exact: "http://p:8080"}},
		{"wildcards", Settings{ProxyEnable: true, ProxyServer: "p:8080", ProxyOverride: "*.kantoor.local;10.*;192.168.1.*;*exactonline.be"},
			map[string]string{
				"https://crm.kantoor.local/":    "",
				"https://kantoor.local/":        "http://p:8080", // *.x does not match x itself
				"https://10.1.2.3/":             "",
				"https://192.168.1.20:8443/":    "",
				"https://192.168.2.20/":         "http://p:8080",
				"https://start.exactonline.be/": "",
				exact:                           "http://p:8080",
			}},
		{"case and exact names", Settings{ProxyEnable: true, ProxyServer: "p:8080", ProxyOverride: "Start.ExactOnline.NL"},
			map[string]string{exact: "", "https://start.exactonline.de/": "http://p:8080"}},
		{"override with scheme and port", Settings{ProxyEnable: true, ProxyServer: "p:8080", ProxyOverride: "https://*.exactonline.nl;intranet:8080"},
			map[string]string{exact: "", "http://start.exactonline.nl/": "http://p:8080", "http://intranet:8080/": "", "http://intranet/": "http://p:8080"}},
		{"loopback is never proxied", Settings{ProxyEnable: true, ProxyServer: "p:8080"},
			map[string]string{"http://127.0.0.1:8765/callback": "", "http://localhost:1234/": "", "http://[::1]:99/": ""}},
		{"PAC with a manual proxy: the manual one", Settings{ProxyEnable: true, ProxyServer: "p:8080", AutoConfigURL: "http://wpad.kantoor.local/proxy.pac"},
			map[string]string{exact: "http://p:8080"}},
		{"PAC alone: direct", Settings{AutoConfigURL: "http://wpad.kantoor.local/proxy.pac"},
			map[string]string{exact: ""}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse(c.s)
			if err != nil {
				t.Fatal(err)
			}
			for in, want := range c.want {
				got := cfg.ProxyFor(mustURL(t, in))
				if (got == nil) != (want == "") || (got != nil && got.String() != want) {
					t.Errorf("ProxyFor(%s) = %v, want %q", in, got, want)
				}
			}
		})
	}
}

func TestParseNotes(t *testing.T) {
	for _, c := range []struct {
		name string
		s    Settings
		err  string // "" for none
		note string // "" for none
	}{
		{"PAC is for the resolver", Settings{AutoConfigURL: "http://wpad/proxy.pac"}, "", ""},
		{"on without server", Settings{ProxyEnable: true}, "names no proxy server", ""},
		{"garbage", Settings{ProxyEnable: true, ProxyServer: "not a proxy/with/path"}, "not host:port", ""},
		{"socks only", Settings{ProxyEnable: true, ProxyServer: "socks=s:1080"}, "no usable HTTP proxy", "SOCKS"},
		{"socks beside https", Settings{ProxyEnable: true, ProxyServer: "https=p:8080;socks=s:1080"}, "", "SOCKS"},
		{"one bad entry of two", Settings{ProxyEnable: true, ProxyServer: "http=:;https=p:8080"}, "", "not host:port"},
	} {
		cfg, err := Parse(c.s)
		if (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.err)
		}
		notes := strings.Join(cfg.Notes, "|")
		if (notes == "") != (c.note == "") || !strings.Contains(notes, c.note) {
			t.Errorf("%s: notes %q, want %q", c.name, notes, c.note)
		}
	}
}

// The resolver re-reads the settings after refreshEvery, warns once per
// reason, and turns unusable settings into an error that says what to do.
func TestResolver(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	settings := Settings{ProxyEnable: true, ProxyServer: "p:8080", AutoConfigURL: "http://wpad/proxy.pac"}
	reads := 0
	var warnings []string
	r := &Resolver{
		Read: func() (Settings, error) { reads++; return settings, nil },
		Warn: func(m string) { warnings = append(warnings, m) },
		Now:  func() time.Time { return now },
	}
	req, _ := http.NewRequest(http.MethodPost, "https://start.exactonline.nl/api/oauth2/token", nil)
	for range 3 {
		if p, err := r.Proxy(req); err != nil || p == nil || p.Host != "p:8080" {
			t.Fatalf("Proxy = %v, %v", p, err)
		}
	}
	if reads != 1 {
		t.Errorf("%d reads within a minute, want 1", reads)
	}
	settings = Settings{ProxyEnable: true, AutoConfigURL: "http://wpad/proxy.pac"}
	now = now.Add(refreshEvery)
	p, err := r.Proxy(req)
	if err == nil || !strings.Contains(err.Error(), "names no proxy server") || !strings.Contains(err.Error(), "HTTPS_PROXY") || p != nil {
		t.Errorf("after the change: %v, %v; want the error with the way out", p, err)
	}
	if reads != 2 {
		t.Errorf("%d reads after a minute, want 2", reads)
	}
	if len(warnings) != 2 || !strings.Contains(warnings[0], "cannot evaluate") || !strings.Contains(warnings[1], "names no proxy server") {
		t.Errorf("warnings %q: want the PAC note once, then the new reason", warnings)
	}
	// No such registry key: direct, as for any program.
	r2 := &Resolver{Read: func() (Settings, error) { return Settings{}, errors.New("not found") }}
	if p, err := r2.Proxy(req); p != nil || err != nil {
		t.Errorf("unreadable settings: %v, %v; want direct", p, err)
	}
}

func TestEnvironmentWins(t *testing.T) {
	env := map[string]string{}
	get := func(k string) string { return env[k] }
	if envSet(get) {
		t.Error("empty environment")
	}
	for _, k := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"} {
		env = map[string]string{k: "http://p:1"}
		if !envSet(get) {
			t.Errorf("%s set but not seen", k)
		}
	}
	env = map[string]string{"NO_PROXY": "*"}
	if envSet(get) {
		t.Error("NO_PROXY alone names no proxy")
	}
}

// With a script engine (Windows' WinHTTP), the script decides; it is asked
// once per host while the settings stand, never for loopback, and when it
// fails the manual proxy applies, with one warning.
func TestResolverPAC(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	const pacURL = "http://wpad.kantoor.local/proxy.pac"
	asked := map[string]int{}
	answers := map[string]string{"start.exactonline.nl": "http://pac-proxy:3128", "start.exactonline.be": "", "start.exactonline.de": "fail"}
	var warnings []string
	r := &Resolver{
		Read: func() (Settings, error) {
			return Settings{ProxyEnable: true, ProxyServer: "manual:8080", AutoConfigURL: pacURL}, nil
		},
		Warn: func(m string) { warnings = append(warnings, m) },
		Now:  func() time.Time { return now },
		PAC: func(u string, target *url.URL) (*url.URL, error) {
			if u != pacURL {
				t.Errorf("script %q", u)
			}
			asked[target.Host]++
			switch a := answers[target.Host]; a {
			case "":
				return nil, nil
			case "fail":
				return nil, errors.New("download failed")
			default:
				return url.Parse(a)
			}
		},
	}
	proxyFor := func(raw string) string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, raw, nil)
		p, err := r.Proxy(req)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if p == nil {
			return ""
		}
		return p.String()
	}
	for range 2 {
		if p := proxyFor("https://start.exactonline.nl/api/oauth2/token"); p != "http://pac-proxy:3128" {
			t.Errorf("nl: %q, want the script's proxy", p)
		}
		if p := proxyFor("https://start.exactonline.be/api/v1/current/Me"); p != "" {
			t.Errorf("be: %q, want direct (the script said DIRECT)", p)
		}
		if p := proxyFor("https://start.exactonline.de/"); p != "http://manual:8080" {
			t.Errorf("de: %q, want the manual proxy after the script failed", p)
		}
		if p := proxyFor("http://127.0.0.1:8765/callback"); p != "" {
			t.Errorf("loopback: %q", p)
		}
	}
	if asked["start.exactonline.nl"] != 1 || asked["start.exactonline.de"] != 1 || asked["127.0.0.1:8765"] != 0 {
		t.Errorf("script asked %v: want once per host, never for loopback", asked)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "could not be used (download failed)") {
		t.Errorf("warnings %q, want one about the failed script", warnings)
	}
	now = now.Add(refreshEvery)
	proxyFor("https://start.exactonline.nl/")
	if asked["start.exactonline.nl"] != 2 {
		t.Errorf("after the settings were read again the script was asked %d times, want 2", asked["start.exactonline.nl"])
	}
}

func TestParseWinHTTPProxy(t *testing.T) {
	for _, c := range []struct {
		access uint32
		proxy  string
		want   string
	}{
		{winhttpAccessNoProxy, "", ""},
		{winhttpAccessNoProxy, "ignored:1", ""},
		{winhttpAccessNamedProxy, "proxy.kantoor.local:8080", "http://proxy.kantoor.local:8080"},
		{winhttpAccessNamedProxy, "a:8080;b:8080", "http://a:8080"},
		{winhttpAccessNamedProxy, " a:8080 b:9090", "http://a:8080"},
		{winhttpAccessNamedProxy, "http=a:8080", "http://a:8080"},
		{winhttpAccessNamedProxy, "DIRECT", ""},
		{winhttpAccessNamedProxy, "", ""},
	} {
		got, err := parseWinHTTPProxy(c.access, c.proxy)
		if err != nil || (got == nil) != (c.want == "") || (got != nil && got.String() != c.want) {
			t.Errorf("parseWinHTTPProxy(%d, %q) = %v, %v; want %q", c.access, c.proxy, got, err, c.want)
		}
	}
	if _, err := parseWinHTTPProxy(winhttpAccessNamedProxy, "bad:1/x"); err == nil {
		t.Error("a malformed answer was accepted")
	}
}
