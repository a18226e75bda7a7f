package cli

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/keeper"
)

// A helper's failure is reported by its caller with the same exit code and
// sentence as the failure itself.
func TestHelperErrorKeepsExitCode(t *testing.T) {
	for _, err := range []error{
		errors.New("Demo: no valid access token could be obtained; try again"),
		keeper.ErrNeedsReconnect,
		keeper.ErrWrongSecret,
		keeper.ErrAPIRefused,
	} {
		for _, lang := range []string{"en_US.UTF-8", "nl_NL.UTF-8"} {
			e := &Env{Getenv: func(k string) string {
				if k == "LANG" {
					return lang
				}
				return ""
			}}
			code := e.report(io.Discard, err)
			h := helperError{code: code, msg: sentence(err), kind: string(kindOf(err))}
			var a, b strings.Builder
			if got := e.report(&b, h); got != e.report(&a, err) || a.String() != b.String() {
				t.Errorf("%s %v: caller reports %d %q, the helper %d %q", lang, err, got, b.String(), code, a.String())
			}
		}
	}
}

// The helper's answer carries the access token, never the refresh token.
func TestHelperResultHoldsNoRefreshToken(t *testing.T) {
	res := helperResult{Token: exact.Token{AccessToken: "at-1", RefreshToken: "rt-secret", IssuedAt: time.Now(), Expiry: time.Now().Add(time.Minute)}}
	raw, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "rt-secret") || !strings.Contains(string(raw), "at-1") {
		t.Errorf("helper answer = %s", raw)
	}
}

// The helper is not a command anyone is shown.
func TestHelperCommandHidden(t *testing.T) {
	var out strings.Builder
	(&Env{Getenv: func(string) string { return "" }}).printUsage(&out)
	if strings.Contains(out.String(), helperCommand) {
		t.Errorf("usage lists %s", helperCommand)
	}
}
