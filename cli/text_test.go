package cli

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/login"
)

func envIn(lang string) *Env {
	return &Env{Getenv: func(k string) string {
		if k == "LANG" {
			return lang
		}
		return ""
	}}
}

// A one-shot command (no keeper running) does not promise a retry that
// no one will make, in either language.
func TestOneShotPromisesNoRetry(t *testing.T) {
	plain := errors.New("Bakkerij: Exact Online is not reachable (connection refused); will retry at 14:05")
	typed := fmt.Errorf("Bakkerij: %w", &exact.Error{Outcome: exact.Transient, Status: 503})
	for _, err := range []error{plain, typed} {
		for _, lang := range []string{"en_GB.UTF-8", "nl_NL.UTF-8"} {
			got := envIn(lang).errSentence(oneShotError{connError{name: "Bakkerij", err: err}})
			if strings.Contains(got, "will retry") || strings.Contains(got, "14:05") {
				t.Errorf("[%s] %q promises a retry", lang, got)
			}
			want := map[string]string{"en_GB.UTF-8": "Nothing retries this by itself", "nl_NL.UTF-8": "niet vanzelf opnieuw geprobeerd"}[lang]
			if !strings.Contains(got, want) {
				t.Errorf("[%s] %q does not say that nothing retries", lang, got)
			}
		}
		// The keeper itself does retry: its sentence stays.
		if got := envIn("en").errSentence(connError{name: "Bakkerij", err: err}); strings.Contains(got, "Nothing retries") {
			t.Errorf("a keeper's error says nothing retries: %q", got)
		}
	}
}

// The refused client secret gets the command that mends it, quoted so a
// name with spaces works when pasted.
func TestWrongSecretGivesTheCommand(t *testing.T) {
	err := connError{name: "Bakkerij De Jong", err: fmt.Errorf("x: %w", keeper.ErrWrongSecret)}
	for _, lang := range []string{"en", "nl_BE"} {
		var b strings.Builder
		if code := envIn(lang).report(&b, err); code != ExitAttention || !strings.Contains(b.String(), `exactkeeperctl secret "Bakkerij De Jong" --client-secret-stdin`) {
			t.Errorf("[%s] exit %d, %q", lang, code, b.String())
		}
	}
	// A Dutch sentence for an error nobody foresaw still says what happened.
	if got := envIn("nl").errSentence(errors.New("open /x: permission denied")); got != "er ging iets mis: open /x: permission denied" {
		t.Errorf("nl other = %q", got)
	}
}

// A chain broken by another program says so, with the command that mends it.
func TestSharedLoginSaysWhy(t *testing.T) {
	err := connError{name: "Bakkerij", err: fmt.Errorf("Bakkerij needs reconnecting: x; another program or PC seems to use this Exact login with the same app: %w", keeper.ErrNeedsReconnect)}
	for lang, want := range map[string]string{"en": "another program or PC", "nl": "een ander programma"} {
		var b strings.Builder
		if code := envIn(lang).report(&b, err); code != ExitReconnect || !strings.Contains(b.String(), want) ||
			!strings.Contains(b.String(), `exactkeeperctl connect --name "Bakkerij"`) {
			t.Errorf("[%s] exit %d, %q", lang, code, b.String())
		}
	}
}

// The Dutch exit-code table is a translation of exitCodeTable (the README's
// English): the same codes on the same lines.
func TestExitCodeTableTranslated(t *testing.T) {
	codes := func(s string) []string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if f := strings.Fields(l); len(f) > 1 && len(f[0]) == 1 && f[0] >= "0" && f[0] <= "9" {
				out = append(out, f[0])
			}
		}
		return out
	}
	nl := envIn("nl").t("cli.help.exit-codes")
	if en, got := codes(exitCodeTable), codes(nl); strings.Join(en, ",") != strings.Join(got, ",") ||
		strings.Count(exitCodeTable, "\n") != strings.Count(nl, "\n") {
		t.Errorf("the Dutch table has codes %v in %d lines, the English %v in %d; translate exitCodeTable again",
			got, strings.Count(nl, "\n"), en, strings.Count(exitCodeTable, "\n"))
	}
}

// A login error reads as a sentence of the catalogue in Dutch, and keeps
// its own words in English.
func TestLoginErrorsInDutch(t *testing.T) {
	err := fmt.Errorf("paste: %w", login.ErrStateMismatch)
	if got := envIn("nl").errSentence(err); !strings.Contains(got, "hoort bij een andere inlogpoging") {
		t.Errorf("nl = %q", got)
	}
	if got := envIn("en").errSentence(err); !strings.Contains(got, "does not belong to this login") {
		t.Errorf("en = %q", got)
	}
}
