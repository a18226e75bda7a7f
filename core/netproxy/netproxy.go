// Package netproxy finds the proxy for Exact Keeper's calls to Exact Online
// the way the owner's other programs do. The environment (HTTPS_PROXY,
// HTTP_PROXY, NO_PROXY) wins everywhere; on Windows, when none of those is
// set, the per-user system proxy applies as well: the WinINet settings
// under HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings
// that Settings > Network > Proxy and Internet Options write, and that
// offices behind a proxy set by policy.
//
// Parse, which reads those registry values, is pure and compiled on every
// OS, so Linux tests cover the Windows formats; only the registry reader is
// Windows-only. A proxy auto-config script (AutoConfigURL, PAC) needs a
// JavaScript engine, and no well-kept Go PAC library exists: on Windows
// the system's own engine evaluates it (WinHttpGetProxyForUrl); when that
// fails, or elsewhere, a warning says so once and the manual proxy (if
// any) or a direct connection is used.
package netproxy

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Settings are the raw WinINet values, as the registry holds them.
type Settings struct {
	ProxyEnable   bool   // DWORD ProxyEnable = 1
	ProxyServer   string // "host:port", or "http=host:port;https=host:port;…"
	ProxyOverride string // "<local>;*.intra.example;10.*", ";"-separated
	AutoConfigURL string // a PAC script's address
}

// Config is parsed Settings: which proxy each scheme takes and which hosts
// bypass it.
type Config struct {
	HTTP, HTTPS *url.URL // nil: direct
	bypassLocal bool     // <local>: host names without a dot
	bypass      []bypassRule
	// PAC is AutoConfigURL (see the package comment); Notes say what of
	// the settings could not be used.
	PAC   string
	Notes []string
}

type bypassRule struct {
	scheme string // "" for any
	host   *regexp.Regexp
	port   string // "" for any
}

// Parse reads WinINet settings. Entries it cannot use are skipped and named
// in Notes rather than failing the whole: a half-understood proxy setting
// should still route what it can. It returns an error only when the manual
// proxy is on but names no usable proxy at all, since connecting directly
// would then likely fail in a way the owner cannot explain.
func Parse(s Settings) (*Config, error) {
	c := &Config{PAC: strings.TrimSpace(s.AutoConfigURL)}
	if !s.ProxyEnable {
		return c, nil
	}
	server := strings.TrimSpace(s.ProxyServer)
	if server == "" {
		return c, errors.New("the Windows proxy is switched on but names no proxy server")
	}
	if !strings.Contains(server, "=") {
		// One proxy for every protocol.
		u, err := proxyURL(server)
		if err != nil {
			return c, err
		}
		c.HTTP, c.HTTPS = u, u
	} else {
		for _, entry := range strings.Split(server, ";") {
			entry = strings.TrimSpace(entry)
			if entry == "" {
				continue
			}
			proto, addr, _ := strings.Cut(entry, "=")
			proto = strings.ToLower(strings.TrimSpace(proto))
			switch proto {
			case "http", "https":
				u, err := proxyURL(addr)
				if err != nil {
					c.Notes = append(c.Notes, err.Error())
					continue
				}
				if proto == "http" {
					c.HTTP = u
				} else {
					c.HTTPS = u
				}
			case "socks":
				// WinINet speaks SOCKS4 there; Go's client only SOCKS5.
				c.Notes = append(c.Notes, "the SOCKS proxy in the Windows settings is not used (only HTTP proxies are supported)")
			default:
				// ftp= and the like: Exact Keeper makes no such calls.
			}
		}
		if c.HTTP == nil && c.HTTPS == nil && len(c.Notes) > 0 && c.PAC == "" {
			return c, fmt.Errorf("the Windows proxy setting %q names no usable HTTP proxy", server)
		}
	}
	for _, entry := range strings.Split(s.ProxyOverride, ";") {
		entry = strings.TrimSpace(entry)
		switch {
		case entry == "":
		case strings.EqualFold(entry, "<local>"):
			c.bypassLocal = true
		default:
			c.bypass = append(c.bypass, parseBypass(entry))
		}
	}
	return c, nil
}

// proxyURL reads "host:port" or "scheme://host:port" as a proxy address.
func proxyURL(s string) (*url.URL, error) {
	s = strings.TrimSpace(s)
	raw := s
	if !strings.Contains(s, "://") {
		raw = "http://" + s
	}
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" || (u.Scheme != "http" && u.Scheme != "https") || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("the proxy %q in the Windows settings is not host:port", s)
	}
	u.Path = ""
	return u, nil
}

// parseBypass reads one ProxyOverride entry: a host or IP address with *
// wildcards, optionally with a scheme ("https://host") and a port.
func parseBypass(entry string) bypassRule {
	var r bypassRule
	if scheme, rest, ok := strings.Cut(entry, "://"); ok {
		r.scheme, entry = strings.ToLower(scheme), rest
	}
	host := entry
	if h, p, err := net.SplitHostPort(entry); err == nil {
		host, r.port = h, p
	}
	host = strings.Trim(host, "[]")
	pat := "^" + strings.ReplaceAll(regexp.QuoteMeta(strings.ToLower(host)), `\*`, ".*") + "$"
	r.host = regexp.MustCompile(pat) // QuoteMeta leaves nothing that does not compile
	return r
}

// ProxyFor returns the proxy for a request to u, or nil for a direct
// connection.
func (c *Config) ProxyFor(u *url.URL) *url.URL {
	var p *url.URL
	switch u.Scheme {
	case "https":
		p = c.HTTPS
	case "http":
		p = c.HTTP
	}
	if p == nil {
		return nil
	}
	host := strings.ToLower(u.Hostname())
	if isLoopback(host) {
		// The simulator, the relay's listener: never through a proxy.
		return nil
	}
	if c.bypassLocal && !strings.Contains(host, ".") && !strings.Contains(host, ":") {
		return nil
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	for _, r := range c.bypass {
		if (r.scheme == "" || r.scheme == u.Scheme) && (r.port == "" || r.port == port) && r.host.MatchString(host) {
			return nil
		}
	}
	return p
}

func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// envSet says whether the environment names a proxy; then it alone decides,
// as it does for every Go program and for curl.
func envSet(getenv func(string) string) bool {
	for _, k := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"} {
		if getenv(k) != "" {
			return true
		}
	}
	return false
}

// refreshEvery is how long read settings are used before they are read
// again: a laptop that moves from the office to home changes them without
// a restart of the keeper.
const refreshEvery = time.Minute

// Resolver is the proxy function over settings read by Read.
type Resolver struct {
	// Read returns the current system settings (the registry on Windows).
	Read func() (Settings, error)
	// Warn is told, once per distinct reason, what of the settings cannot
	// be used; nil: the reasons are dropped.
	Warn func(msg string)
	// Now is the clock for re-reading; nil: time.Now.
	Now func() time.Time
	// PAC evaluates the proxy script at pacURL for target: the proxy, or
	// nil for a direct connection. nil: scripts are not evaluated here.
	PAC func(pacURL string, target *url.URL) (*url.URL, error)

	mu      sync.Mutex
	cfg     *Config
	err     error
	readAt  time.Time
	warned  map[string]bool
	pacSeen map[string]pacAnswer // by scheme://host, reset with the settings
}

type pacAnswer struct {
	proxy *url.URL
	ok    bool // false: the script failed; the manual settings apply
}

// Proxy is an http.Transport Proxy function.
func (r *Resolver) Proxy(req *http.Request) (*url.URL, error) {
	cfg, err := r.config()
	if err != nil {
		return nil, err
	}
	if cfg.PAC != "" && !isLoopback(strings.ToLower(req.URL.Hostname())) {
		if a := r.pac(cfg.PAC, req.URL); a.ok {
			return a.proxy, nil
		}
	}
	return cfg.ProxyFor(req.URL), nil
}

// pac asks the script once per scheme and host while the settings stand: a
// script may fetch itself over the network and is slow to run.
func (r *Resolver) pac(pacURL string, u *url.URL) pacAnswer {
	key := u.Scheme + "://" + strings.ToLower(u.Host)
	r.mu.Lock()
	a, seen := r.pacSeen[key]
	r.mu.Unlock()
	if seen {
		return a
	}
	if r.PAC == nil {
		r.warn("a proxy auto-config script (" + pacURL + ") is set, which Exact Keeper cannot evaluate on this system; it uses the manual proxy if one is set, otherwise none")
	} else if p, err := r.PAC(pacURL, u); err != nil {
		r.warn(fmt.Sprintf("the proxy auto-config script %s could not be used (%v); Exact Keeper uses the manual proxy if one is set, otherwise none", pacURL, err))
	} else {
		a = pacAnswer{proxy: p, ok: true}
	}
	r.mu.Lock()
	if r.pacSeen == nil {
		r.pacSeen = map[string]pacAnswer{}
	}
	r.pacSeen[key] = a
	r.mu.Unlock()
	return a
}

// warn tells Warn once per distinct message.
func (r *Resolver) warn(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.warnLocked(msg)
}

func (r *Resolver) warnLocked(msg string) {
	if r.warned == nil {
		r.warned = map[string]bool{}
	}
	if r.Warn != nil && !r.warned[msg] {
		r.warned[msg] = true
		r.Warn(msg)
	}
}

func (r *Resolver) config() (*Config, error) {
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if t := now(); r.readAt.IsZero() || t.Sub(r.readAt) >= refreshEvery || t.Before(r.readAt) {
		r.readAt = t
		s, err := r.Read()
		if err != nil {
			// Unreadable settings (no such key: nothing configured) mean
			// a direct connection, as for any other program.
			s = Settings{}
		}
		r.cfg, r.err = Parse(s)
		r.pacSeen = nil
		msgs := r.cfg.Notes
		if r.err != nil {
			msgs = append(msgs, r.err.Error())
		}
		for _, m := range msgs {
			r.warnLocked(m)
		}
	}
	if r.err != nil {
		return nil, fmt.Errorf("%w; fix the proxy under Windows Settings > Network & Internet > Proxy, or set HTTPS_PROXY", r.err)
	}
	return r.cfg, nil
}

// Func is the proxy function for Exact Keeper's HTTP clients: the
// environment's proxy when it names one, otherwise the system proxy of
// this OS (Windows: the user's WinINet settings; elsewhere: none). warn
// receives what of the system settings cannot be used; nil logs it as a
// warning through log/slog's default logger.
func Func(warn func(string)) func(*http.Request) (*url.URL, error) {
	if envSet(os.Getenv) || systemSettings == nil {
		return http.ProxyFromEnvironment
	}
	if warn == nil {
		warn = func(msg string) {
			slog.Warn("Windows proxy settings: " + msg + "; set HTTPS_PROXY to choose a proxy yourself")
		}
	}
	r := &Resolver{Read: systemSettings, Warn: warn, PAC: systemPAC}
	return r.Proxy
}

// Transport is http.DefaultTransport with Func(warn) as its proxy.
func Transport(warn func(string)) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = Func(warn)
	return t
}
