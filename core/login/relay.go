package login

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// DefaultRedirectURI is the redirect URI a new connection registers unless
// the owner chooses otherwise: the relay page, published by this project
// over public HTTPS (Exact's App Center refuses localhost). The page itself
// is assets/relay/login.html; `exactkeeperctl relay-page` prints it for
// owners who host their own copy.
const DefaultRedirectURI = "https://exactkeeper.github.io/exactkeeper/login.html"

// relayState is the public, documented format of the state in relay mode:
// the loopback port, a dot, and a base64url random part. The relay page
// checks the same expression before it forwards anything.
var relayState = regexp.MustCompile(`^[1-9][0-9]{3,4}\.[A-Za-z0-9_-]+$`)

// RelayPort returns the loopback port a relay state names, if the state has
// the public format and the port is one a relay may forward to (1024–65535).
func RelayPort(state string) (int, bool) {
	if !relayState.MatchString(state) {
		return 0, false
	}
	p, err := strconv.Atoi(state[:strings.IndexByte(state, '.')])
	if err != nil || p < 1024 || p > 65535 {
		return 0, false
	}
	return p, true
}

// IsRelay reports whether redirectURI is answered through a relay page (or
// by pasting): any valid https address that is not this PC's loopback.
func IsRelay(redirectURI string) bool {
	if ValidateRedirectURI(redirectURI) != nil || IsLoopback(redirectURI) {
		return false
	}
	u, err := url.Parse(strings.TrimSpace(redirectURI))
	return err == nil && u.Scheme == "https"
}

// Relay reports whether this login runs in relay mode: a listener on a
// free loopback port named in the state, and pasting, both at once.
func (s *Session) Relay() bool { return s.relay }

// Finish reports how the code exchange ended, so the browser page that said
// "Connecting…" can show the truth: who is connected (err nil), or what
// failed and what to do.
func (s *Session) Finish(who string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.final != nil {
		return
	}
	s.final = &final{who: who, err: err}
}
