package netproxy

import (
	"net/url"
	"strings"
)

// WinHTTP's access types in WINHTTP_PROXY_INFO.
const (
	winhttpAccessNoProxy    = 1
	winhttpAccessNamedProxy = 3
)

// parseWinHTTPProxy reads what WinHttpGetProxyForUrl answered for a script
// ("PROXY a:8080; PROXY b:8080; DIRECT" arrives as "a:8080;b:8080"): the
// first proxy, which Go's client uses alone, or nil for a direct
// connection. It is pure so that Linux tests cover it.
func parseWinHTTPProxy(accessType uint32, proxy string) (*url.URL, error) {
	if accessType == winhttpAccessNoProxy {
		return nil, nil
	}
	entries := strings.FieldsFunc(proxy, func(r rune) bool { return r == ';' || r == ' ' || r == '\t' })
	if len(entries) == 0 {
		return nil, nil
	}
	first := entries[0]
	if _, addr, ok := strings.Cut(first, "="); ok {
		first = addr // "http=host:port", as some WinHTTP versions write it
	}
	if strings.EqualFold(first, "DIRECT") {
		return nil, nil
	}
	return proxyURL(first)
}
