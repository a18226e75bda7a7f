// Package errtext turns what went wrong with a connection (a keeper or
// Exact Online error) into one sentence from the catalogue, in the owner's
// language. The keeper's own error texts are English and technical; what
// the owner reads (Activity, notifications, the CLI) comes from here.
//
// Store a Kind (KindOf) where a message is kept for later, such as the
// event log, and render it with Text when shown, so a changed language
// setting changes old entries too.
package errtext

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/login"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

// Kind is what went wrong, as far as the owner needs to know.
type Kind string

// The kinds; each has a sentence "err.<kind>" in the catalogue.
const (
	NeedsReconnect    Kind = "needs-reconnect"    // only a browser login helps
	SharedLogin       Kind = "shared-login"       // another program spends the same chain
	WrongSecret       Kind = "wrong-secret"       // Exact refused the client secret
	APIRefused        Kind = "api-refused"        // connected, but API calls are refused
	TooEarly          Kind = "too-early"          // Exact said it was too early to refresh
	RateLimited       Kind = "rate-limited"       // Exact's limit of requests was reached
	Offline           Kind = "offline"            // no answer from Exact Online
	ServerError       Kind = "server-error"       // Exact Online had a 5xx
	BadAnswer         Kind = "bad-answer"         // an answer that could not be used
	Refused           Kind = "refused"            // another refusal Exact gave no known reason for
	UnknownConnection Kind = "unknown-connection" // no connection by that name
	NoConnections     Kind = "no-connections"     // none set up yet
	Timeout           Kind = "timeout"            // gave up waiting
	Other             Kind = "other"              // anything else

	// A browser login that did not finish (core/login).
	LoginState       Kind = "login-state"        // the answer belongs to another login
	LoginDenied      Kind = "login-denied"       // the owner did not allow access
	LoginNoCode      Kind = "login-no-code"      // Exact sent no code
	LoginNotRedirect Kind = "login-not-redirect" // a pasted address is not the redirect
	LoginTimeout     Kind = "login-timeout"      // the login took too long
	LoginCancelled   Kind = "login-cancelled"    // the owner cancelled
	LoginFinished    Kind = "login-finished"     // that login already ended
	PortInUse        Kind = "port-in-use"        // the redirect URI's port is taken
	NoBrowser        Kind = "no-browser"         // the browser could not be opened
	Keychain         Kind = "keychain"           // the OS keychain did not answer
)

// Kinds lists every kind (the tests check each has its sentences).
var Kinds = []Kind{NeedsReconnect, SharedLogin, WrongSecret, APIRefused, TooEarly, RateLimited, Offline,
	ServerError, BadAnswer, Refused, UnknownConnection, NoConnections, Timeout, Other,
	LoginState, LoginDenied, LoginNoCode, LoginNotRedirect, LoginTimeout, LoginCancelled, LoginFinished,
	PortInUse, NoBrowser, Keychain}

// nameless are the kinds whose sentence is about no one connection: one
// sentence, "err.<kind>", with or without a name.
var nameless = map[Kind]bool{NoConnections: true, LoginState: true, LoginDenied: true, LoginNoCode: true,
	LoginNotRedirect: true, LoginTimeout: true, LoginCancelled: true, LoginFinished: true, PortInUse: true,
	NoBrowser: true, Keychain: true}

// sentinels are the errors.Is targets of the kinds that have one.
var sentinels = []struct {
	err  error
	kind Kind
}{
	{login.ErrStateMismatch, LoginState}, {login.ErrDenied, LoginDenied}, {login.ErrNoCode, LoginNoCode},
	{login.ErrNotRedirect, LoginNotRedirect}, {login.ErrTimeout, LoginTimeout}, {login.ErrCancelled, LoginCancelled},
	{login.ErrFinished, LoginFinished}, {login.ErrPortInUse, PortInUse}, {login.ErrOpenBrowser, NoBrowser},
	{vault.ErrUnavailable, Keychain},
}

// KindOf classifies err; nil is Other.
func KindOf(err error) Kind {
	switch {
	case err == nil:
		return Other
	case errors.Is(err, keeper.ErrNeedsReconnect):
		if k := KindOfText(err.Error()); k == SharedLogin {
			return k
		}
		return NeedsReconnect
	case errors.Is(err, keeper.ErrWrongSecret):
		return WrongSecret
	case errors.Is(err, keeper.ErrAPIRefused):
		return APIRefused
	case errors.Is(err, keeper.ErrNoConnections):
		return NoConnections
	case errors.Is(err, keeper.ErrUnknown):
		return UnknownConnection
	}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			return s.kind
		}
	}
	var e *exact.Error
	if errors.As(err, &e) {
		switch e.Outcome {
		case exact.NeedsReconnect:
			return NeedsReconnect
		case exact.WrongSecret:
			return WrongSecret
		case exact.TooEarly:
			return TooEarly
		case exact.RateLimited:
			return RateLimited
		}
		switch {
		case e.Status == 0:
			if timedOut(e.Err) {
				return Timeout
			}
			return Offline
		case e.Status >= 200 && e.Status <= 299:
			return BadAnswer
		case e.Status >= 500:
			return ServerError
		}
		return Refused
	}
	if timedOut(err) {
		return Timeout
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return Offline
	}
	return Other
}

// KindOfText classifies a reason the keeper recorded as text (ConnState's
// LastError, an event's Message), for what was stored before a Kind was.
// It knows the keeper's own English phrases; anything else is Other.
func KindOfText(s string) Kind {
	s = strings.ToLower(s)
	has := func(subs ...string) bool {
		for _, sub := range subs {
			if strings.Contains(s, sub) {
				return true
			}
		}
		return false
	}
	switch {
	case s == "":
		return Other
	case has("seems to use this exact login"):
		return SharedLogin
	case has("client secret") && has("refused", "wrong"):
		return WrongSecret
	case has("no longer accepts", "log in again", "reconnect", "already used", "no refresh token"):
		return NeedsReconnect
	case has("api calls", "403", "forbidden"):
		return APIRefused
	case has("too early"):
		return TooEarly
	case has("rate limit", "paused until", "stay within exact's limits"):
		return RateLimited
	case has("no answer in time", "did not answer in time"):
		return Timeout
	case has("not reachable", "could not reach"):
		return Offline
	case has("server error"):
		return ServerError
	case has("could not be understood"):
		return BadAnswer
	case has("unrecognised reason", "does not recognise"):
		return Refused
	}
	return Other
}

func timedOut(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// Text is the sentence for kind in lang ("en", "nl", or a tag such as
// "nl_NL.UTF-8"), naming the connection when name is not empty. It holds
// no English in Dutch and no detail of the error, so it is safe to show
// and to keep.
func Text(lang string, kind Kind, name string) string {
	key := "err." + string(kind)
	if name == "" && !nameless[kind] {
		key += ".anon"
	}
	return i18n.TfIn(lang, key, map[string]any{"Name": name})
}

// Sentence is Text for err: the one call for "show this error to the owner".
func Sentence(lang, name string, err error) string { return Text(lang, KindOf(err), name) }
