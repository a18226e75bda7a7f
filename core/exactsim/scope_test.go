package exactsim

import (
	"net/http"
	"strings"
	"testing"
)

// A fault scoped to refresh calls of one app lets a new login through
// (the demo's "Add connection"), and still hits that app's next refresh.
func TestScopedFaultPassesOtherCalls(t *testing.T) {
	h := newHarness(t, nil)
	_, rt := h.connect()
	// Queued over HTTP, as the demo does.
	req, _ := http.NewRequest(http.MethodPost, h.ts.URL+"/sim/faults",
		strings.NewReader(`{"kind":"error-after-rotate","grant":"refresh_token","client_id":"`+DemoClientID+`"}`))
	req.Header.Set("Content-Type", "application/json")
	if r := h.do(req); r.status != http.StatusOK && r.status != http.StatusNoContent {
		t.Fatalf("queueing the fault: %d %s", r.status, r.raw)
	}
	if h.s.PendingFaults() != 1 {
		t.Fatalf("%d faults pending, want 1", h.s.PendingFaults())
	}
	// A new login's code exchange is not a refresh: it passes.
	if _, rt2 := h.connect(); rt2 == "" {
		t.Fatal("the new login got no refresh token")
	}
	if h.s.PendingFaults() != 1 {
		t.Fatal("the code exchange took the refresh-scoped fault")
	}
	// Another app's refresh passes too.
	other := h.token(map[string][]string{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {"someone-else"}, "client_secret": {"x"}})
	if other.status == http.StatusInternalServerError || h.s.PendingFaults() != 1 {
		t.Fatalf("another app's call took the fault (status %d)", other.status)
	}
	// The demo app's refresh is hit.
	_, rt3 := h.connect()
	h.clock.Advance(h.s.cfg.AccessLifetime)
	if r := h.refresh(rt3); r.status != http.StatusInternalServerError {
		t.Fatalf("the scoped refresh answered %d, want the injected 500", r.status)
	}
	if h.s.PendingFaults() != 0 {
		t.Fatal("the fault was not used up")
	}
}

func TestFaultScopeInJSON(t *testing.T) {
	f := Fault{Kind: FaultServerError, Grant: "refresh_token", ClientID: "app"}
	b, err := f.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var back Fault
	if err := back.UnmarshalJSON(b); err != nil || back != f {
		t.Fatalf("round trip %s → %+v (%v)", b, back, err)
	}
}
