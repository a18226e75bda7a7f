package login

import (
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// IsLoopback reports whether redirectURI points at this PC in a way the
// login can listen for: http or https, host 127.0.0.1 or localhost, and an
// explicit port. Without a port the browser would use 80 or 443, which a
// desktop program cannot rely on getting.
func IsLoopback(redirectURI string) bool {
	u, err := url.Parse(strings.TrimSpace(redirectURI))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil {
		return false
	}
	host := strings.ToLower(u.Hostname())
	if host != "127.0.0.1" && host != "localhost" {
		return false
	}
	_, ok := loopbackPort(u)
	return ok
}

// loopbackPort returns the explicit port of u, if it is a usable one.
func loopbackPort(u *url.URL) (string, bool) {
	p := u.Port()
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != p {
		return "", false
	}
	return p, true
}

// ValidateRedirectURI checks that uri can serve as the redirect URI of a
// login: an absolute address, plain http only for this PC (127.0.0.1 or
// localhost with a port), https everywhere else.
func ValidateRedirectURI(uri string) error {
	const example = " such as https://localhost:8765/callback or http://127.0.0.1:8765/callback"
	uri = strings.TrimSpace(uri)
	if uri == "" {
		return errors.New("the redirect URI is empty; enter the address registered in Exact Online's App Center," + example)
	}
	u, err := url.Parse(uri)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return errors.New("the redirect URI is not a complete web address; enter it exactly as registered in Exact Online's App Center," + example)
	}
	if u.User != nil {
		return errors.New("the redirect URI must not contain a user name or password; enter it exactly as registered in Exact Online's App Center")
	}
	if u.Fragment != "" || strings.Contains(uri, "#") {
		return errors.New("the redirect URI must not contain a '#' part; enter it exactly as registered in Exact Online's App Center")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if IsLoopback(uri) {
			return nil
		}
		return errors.New("a redirect URI with http:// is only allowed for this PC with a port, such as http://127.0.0.1:8765/callback; use an https:// address otherwise")
	default:
		return errors.New("the redirect URI must start with https:// (or http:// for this PC only)," + example)
	}
}

// sameEndpoint reports whether got is the registered redirect address want,
// comparing scheme, host and path the way a browser would treat them as the
// same place: letters in scheme and host are case-insensitive, a default port
// may be left out and a trailing slash is not significant.
func sameEndpoint(got, want *url.URL) bool {
	if !strings.EqualFold(got.Scheme, want.Scheme) {
		return false
	}
	if hostPort(got) != hostPort(want) {
		return false
	}
	return cleanPath(got.Path) == cleanPath(want.Path)
}

func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		switch strings.ToLower(u.Scheme) {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

func cleanPath(p string) string {
	p = strings.TrimRight(p, "/")
	if p == "" {
		return "/"
	}
	return p
}
