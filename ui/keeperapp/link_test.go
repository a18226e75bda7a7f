package keeperapp

import (
	"bytes"
	"strings"
	"testing"
)

// A link any web page could start is checked before anything runs: a
// wrong one ends with a usage error and touches no keeper.
func TestMainRefusesBadLinks(t *testing.T) {
	for _, args := range [][]string{
		{"exactkeeper:delete?connection=ab12"},
		{"exactkeeper:open?token=x"},
		{"exactkeeper:open", "exactkeeper:open"},
		{"not-a-link"},
	} {
		var stderr bytes.Buffer
		if code := Main(args, "test", &stderr); code != 2 || !strings.Contains(stderr.String(), "usage: exactkeeper") {
			t.Errorf("Main(%q) = %d, %q; want 2 with the usage", args, code, stderr.String())
		}
	}
}
