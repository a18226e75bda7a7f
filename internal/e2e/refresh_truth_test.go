package e2e

import (
	"strings"
	"testing"
)

// TestRefreshWithNothingToDoSaysSo: right after connecting the access
// token is fresh, so `refresh` must not call Exact (it would refuse, and
// count an error) and must not claim it refreshed: it says when Exact
// allows the next refresh. Seen before: "was refreshed" with no call made.
func TestRefreshWithNothingToDoSaysSo(t *testing.T) {
	t.Setenv("LC_ALL", "en_US.UTF-8")
	w := newWorld(t, nil)
	w.connect("Bakkerij")
	calls := w.sim.Stats().TokenCalls
	res := w.run("", "refresh", "Bakkerij")
	if res.code != 0 {
		t.Fatalf("refresh exited %d: %s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "Bakkerij is fresh, so there is nothing to refresh yet. Exact Online allows the next refresh ") ||
		strings.Contains(res.stderr, "was refreshed") {
		t.Errorf("refresh said %q", res.stderr)
	}
	if got := w.sim.Stats().TokenCalls; got != calls {
		t.Errorf("refresh with nothing to do made %d token calls", got-calls)
	}
	if res := w.run("", "status"); res.code != 0 {
		t.Errorf("status of a fresh connection exited %d:\n%s%s", res.code, res.stdout, res.stderr)
	}
}
