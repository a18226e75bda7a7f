package errtext

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/login"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

func TestKindOf(t *testing.T) {
	tests := []struct {
		err  error
		want Kind
	}{
		{fmt.Errorf("x: %w", keeper.ErrNeedsReconnect), NeedsReconnect},
		{keeper.ErrWrongSecret, WrongSecret},
		{keeper.ErrAPIRefused, APIRefused},
		{keeper.ErrNoConnections, NoConnections},
		{keeper.ErrUnknown, UnknownConnection},
		{&exact.Error{Outcome: exact.NeedsReconnect, Status: 400}, NeedsReconnect},
		{&exact.Error{Outcome: exact.WrongSecret, Status: 401}, WrongSecret},
		{&exact.Error{Outcome: exact.TooEarly, Status: 400}, TooEarly},
		{&exact.Error{Outcome: exact.RateLimited, Status: 429}, RateLimited},
		{&exact.Error{Outcome: exact.Transient, Status: 0, Err: errors.New("connection refused")}, Offline},
		{&exact.Error{Outcome: exact.Transient, Status: 0, Err: context.DeadlineExceeded}, Timeout},
		{&exact.Error{Outcome: exact.Transient, Status: 200}, BadAnswer},
		{&exact.Error{Outcome: exact.Transient, Status: 503}, ServerError},
		{&exact.Error{Outcome: exact.Transient, Status: 418}, Refused},
		{fmt.Errorf("wrapped: %w", context.DeadlineExceeded), Timeout},
		{fmt.Errorf("paste: %w", login.ErrNotRedirect), LoginNotRedirect},
		{fmt.Errorf("x: %w", vault.ErrUnavailable), Keychain},
		{login.ErrPortInUse, PortInUse},
		{errors.New("disk full"), Other},
		{nil, Other},
	}
	for _, tt := range tests {
		if got := KindOf(tt.err); got != tt.want {
			t.Errorf("KindOf(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}

// Every kind has a finished sentence in both languages, with and without a
// name, and the Dutch ones are not English fallbacks.
func TestEveryKindHasItsSentences(t *testing.T) {
	for _, k := range Kinds {
		for _, name := range []string{"Bakkerij", ""} {
			en, nl := Text("en", k, name), Text("nl_NL.UTF-8", k, name)
			if strings.HasPrefix(en, "err.") || strings.HasPrefix(nl, "err.") {
				t.Errorf("%s (%q): raw key: %q / %q", k, name, en, nl)
			}
			if en == nl {
				t.Errorf("%s (%q): the Dutch text is the English one: %q", k, name, nl)
			}
			if name != "" && !nameless[k] && (!strings.Contains(en, name) || !strings.Contains(nl, name)) {
				t.Errorf("%s: the name is missing: %q / %q", k, en, nl)
			}
			if strings.Contains(nl, "login") {
				t.Errorf("%s: Dutch says login, not koppeling: %q", k, nl)
			}
		}
	}
}

func TestSentenceFollowsTheLanguageNotTheApp(t *testing.T) {
	i18n.SetLanguage("en")
	t.Cleanup(func() { i18n.SetLanguage("") })
	err := fmt.Errorf("Bakkerij: %w", keeper.ErrNeedsReconnect)
	if got := Sentence("nl", "Bakkerij", err); !strings.Contains(got, "accepteert deze koppeling niet meer") {
		t.Errorf("nl sentence = %q", got)
	}
	if got := Sentence("en", "Bakkerij", err); !strings.Contains(got, "no longer accepts") {
		t.Errorf("en sentence = %q", got)
	}
	// The English detail of an unknown error never reaches the owner.
	if got := Sentence("nl", "", errors.New("open /x/y: permission denied")); strings.Contains(got, "permission") {
		t.Errorf("raw error leaked: %q", got)
	}
}

// The keeper's recorded reasons (English text in state.json and events)
// map to the same kinds; the phrases are the keeper's own.
func TestKindOfText(t *testing.T) {
	tests := []struct {
		text string
		want Kind
	}{
		{"Exact Online is not reachable (connection refused); will retry at 14:05", Offline},
		{"Exact Online is not reachable (no answer in time); will retry at 14:05", Timeout},
		{"Exact Online had a server error (HTTP 503); will retry at 14:05", ServerError},
		{"Exact Online's rate limit was reached: \"slow down\"; will retry at 14:05", RateLimited},
		{"paused until 15:00 to stay within Exact's limits", RateLimited},
		{"Exact Online said it was too early to refresh; will try again at 14:05", TooEarly},
		{"Exact Online sent an answer that could not be understood; will retry at 14:05", BadAnswer},
		{"Exact Online refused the refresh for an unrecognised reason (HTTP 418); will retry at 14:05", Refused},
		{"Exact Online says this refresh token was already used; the chain is broken, log in again (reconnect)", NeedsReconnect},
		{"Exact Online says this refresh token was already used; the chain is broken, log in again (reconnect); another program or PC seems to use this Exact login with the same app; Exact keeps one chain per user and app, so they break each other", SharedLogin},
		{"Exact Online refused the app's client secret (Exact Online says \"invalid_client\"); the secret is wrong or was renewed in the App Center: enter it again (the login itself is kept)", WrongSecret},
		{"the app's API calls are refused by Exact Online (403)", APIRefused},
		{"the refresh failed (disk full)", Other},
		{"", Other},
	}
	for _, tt := range tests {
		if got := KindOfText(tt.text); got != tt.want {
			t.Errorf("KindOfText(%q) = %s, want %s", tt.text, got, tt.want)
		}
	}
	shared := fmt.Errorf("Bakkerij needs reconnecting: x; another program or PC seems to use this Exact login with the same app: %w", keeper.ErrNeedsReconnect)
	if got := KindOf(shared); got != SharedLogin {
		t.Errorf("KindOf(shared login) = %s", got)
	}
}
