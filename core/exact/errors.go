package exact

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ErrAccessTokenRefused is wrapped by Me when Exact answers 401: the access
// token is expired or revoked, so refresh it (or log in again) and retry.
var ErrAccessTokenRefused = errors.New("the access token was refused by Exact Online")

// errNoRefreshToken stands in for a transport error when Refresh is called
// without a token: nothing was posted, only a login helps.
var errNoRefreshToken = errors.New("no refresh token is stored")

// malformed is the Err of a 2xx answer that cannot be used. Its text is
// fixed by this package so that no part of the answer (which may hold
// tokens) can leak through it.
type malformed string

func (m malformed) Error() string { return "malformed answer: " + string(m) }

func (e *Error) Error() string {
	said := ""
	if e.Description != "" {
		said = fmt.Sprintf(" (Exact Online says %q)", e.Description)
	}
	desc := strings.ToLower(e.Description)
	switch e.Outcome {
	case OK:
		return "Exact Online reported success but the token could not be used; try again"
	case NeedsReconnect:
		switch {
		case errors.Is(e.Err, errNoRefreshToken):
			return "There is no refresh token for this connection; log in again (reconnect)"
		case strings.Contains(desc, "old refresh token"):
			return "Exact Online says this refresh token was already used; the chain is broken, log in again (reconnect)"
		case strings.Contains(desc, "client with identifier"):
			return "Exact Online does not know this app registration on this host" + said + "; check the region and client ID, then set up the connection again"
		case strings.Contains(desc, "expired"):
			return "Exact Online says the refresh token has expired" + said + "; log in again (reconnect)"
		}
		return "Exact Online no longer accepts this login" + said + "; log in again (reconnect)"
	case WrongSecret:
		return "Exact Online refused the app's client secret" + said + "; the secret is wrong or was renewed in the App Center: enter it again (the login itself is kept)"
	case TooEarly:
		return "Exact Online refused: the access token has not expired yet (too early to refresh); keep using it until its last moments"
	case RateLimited:
		wait := "later"
		if e.RetryAfter > 0 {
			wait = "in " + e.RetryAfter.Round(time.Second).String()
		}
		return "Exact Online's rate limit was reached" + said + "; try again " + wait
	}
	switch {
	case e.Status == 0:
		return fmt.Sprintf("Could not reach Exact Online (%v); check the internet connection and try again", e.Err)
	case e.Status >= 200 && e.Status <= 299:
		return fmt.Sprintf("Exact Online sent an answer that could not be understood (%v); nothing was changed, try again later", e.Err)
	case e.Status >= 500:
		return fmt.Sprintf("Exact Online had a server error (HTTP %d)%s; nothing was changed, try again later", e.Status, said)
	}
	what := fmt.Sprintf("HTTP %d", e.Status)
	if e.Code != "" {
		what += fmt.Sprintf(", error %q", e.Code)
	}
	return fmt.Sprintf("Exact Online refused the request for a reason this app does not recognise (%s)%s; nothing was changed, try again later", what, said)
}

// Unwrap gives the transport error, so errors.Is(err, context.Canceled) works.
func (e *Error) Unwrap() error { return e.Err }

// clean makes a server-provided string safe for a one-line message: the
// secrets of this call are cut out, control characters (newlines) become
// spaces and the length is capped.
func clean(s string, secrets ...string) string {
	for _, sec := range secrets {
		// Very short values would blank out ordinary words; real secrets
		// are long.
		if len(sec) >= 6 {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	const max = 300
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return strings.TrimSpace(s)
}

// retryAfter reads how long to wait: Retry-After (seconds or an HTTP date)
// for any refusal, and for a rate limit also Exact's X-RateLimit-*-Reset
// headers (epoch milliseconds). The budget that is exhausted (Remaining 0)
// wins; when that is unclear the minutely reset is taken, because waiting
// for the daily one would starve the user of tokens for up to a day.
func retryAfter(h http.Header, outcome Outcome, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.ParseInt(v, 10, 64); err == nil && s > 0 && s < 1<<31 {
			return time.Duration(s) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil && t.After(now) {
			return t.Sub(now)
		}
	}
	if outcome != RateLimited {
		return 0
	}
	reset := func(name string) time.Duration {
		ms, err := strconv.ParseInt(strings.TrimSpace(h.Get(name)), 10, 64)
		if err != nil || ms <= 0 {
			return 0
		}
		if d := time.UnixMilli(ms).Sub(now); d > 0 {
			return d
		}
		return 0
	}
	daily, minutely := reset("X-RateLimit-Reset"), reset("X-RateLimit-Minutely-Reset")
	switch {
	case strings.TrimSpace(h.Get("X-RateLimit-Remaining")) == "0" && daily > 0:
		return daily
	case minutely > 0:
		return minutely
	}
	return daily
}
