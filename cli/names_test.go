package cli_test

import (
	"strings"
	"testing"
)

// connect under a name in use says it reconnects that connection, and how
// to add a new one instead; a new name says nothing of the kind.
func TestConnectUnderAnExistingNameIsNeverSilent(t *testing.T) {
	for lang, want := range map[string]string{"": "already exists", "nl_NL.UTF-8": "bestaat al een koppeling"} {
		h := newDelegationHome(t)
		h.lang = lang
		args := []string{"connect", "--base-url", "http://127.0.0.1:1", "--client-id", "x", "--client-secret-stdin", "--no-browser"}
		_, _, errs := h.run(append(args, "--name", "bakkerij")...)
		if !strings.Contains(errs, want) || !strings.Contains(errs, `"Bakkerij"`) || !strings.Contains(errs, "--name") {
			t.Errorf("LANG=%s existing name: stderr %q", lang, errs)
		}
		_, _, errs = h.run(append(args, "--name", "Slagerij")...)
		if strings.Contains(errs, want) {
			t.Errorf("LANG=%s new name: stderr %q", lang, errs)
		}
	}
}
