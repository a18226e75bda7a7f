package keeper

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/eventlog"
	"github.com/exactkeeper/exactkeeper/core/exactsim"
	"github.com/exactkeeper/exactkeeper/core/login"
)

// The keeper's events land in the lasting log with Exact's own facts, and
// (checked by newEnv's cleanup) without any secret.
func TestEventsAreLogged(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	e.clock.Advance(25 * time.Hour)
	e.exact.fault("too-early")
	r := e.start()
	r.wait(EventFailed)
	r.status()

	got, err := eventlog.Read(e.dir, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var failed *eventlog.Entry
	for i := range got {
		if got[i].Kind == eventlog.Failed {
			failed = &got[i]
		}
	}
	if failed == nil {
		t.Fatalf("no failure in the log: %+v", got)
	}
	if failed.Outcome != "too-early" || failed.HTTPStatus != 400 || failed.Connection != "Bakkerij" || failed.ConnectionID != id ||
		failed.Reason == "" || !failed.Time.Equal(e.clock.Now()) {
		t.Errorf("failure logged as %+v, want too-early, HTTP 400, Exact's Reason header", failed)
	}
}

func TestRefreshAndReconnectNeededAreLogged(t *testing.T) {
	e := newEnv(t)
	e.connect("Bakkerij")
	e.clock.Advance(25 * time.Hour)
	r := e.start()
	r.wait(EventRefreshed)
	e.clock.Advance(25 * time.Hour)
	e.exact.fault("old")
	e.clock.tick()
	r.waitStatus(StatusNeedsReconnect)
	got, _ := eventlog.Read(e.dir, time.Time{})
	kinds := map[eventlog.Kind]eventlog.Entry{}
	for _, g := range got {
		kinds[g.Kind] = g
	}
	ref, ok := kinds[eventlog.Refreshed]
	if !ok || ref.LapsesAt.IsZero() || !ref.LapsesAt.After(ref.Time) {
		t.Errorf("refresh logged as %+v, want its new lapse", ref)
	}
	sc, ok := kinds[eventlog.State]
	if !ok || sc.OldStatus != StatusOK || sc.Status != StatusNeedsReconnect {
		t.Errorf("state change logged as %+v (all: %+v)", sc, got)
	}
}

func TestRateLimitWaitIsLogged(t *testing.T) {
	e := newEnv(t)
	e.connect("Bakkerij")
	e.clock.Advance(25 * time.Hour)
	e.exact.fault("429")
	r := e.start()
	r.wait(EventFailed)
	got, _ := eventlog.Read(e.dir, time.Time{})
	for _, g := range got {
		if g.Kind == eventlog.Failed && g.Outcome == "rate-limited" && g.RetryAfterSeconds == 120 && g.HTTPStatus == 429 {
			return
		}
	}
	t.Fatalf("log %+v, want the rate limit with Exact's 120 s wait", got)
}

// Against the simulator, whose refusals carry Exact's X-RateLimit-*
// headers: the log keeps their values for support.
func TestRateLimitHeadersAreLogged(t *testing.T) {
	e := newEnv(t)
	cfg := exactsim.DemoConfig()
	cfg.Now = e.clock.Now
	sim := exactsim.New(cfg)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	e.opts.HTTP = srv.Client()
	code, err := sim.IssueCode(exactsim.DemoClientID, login.DefaultRedirectURI, exactsim.DemoUserName, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Complete(e.deadline(), e.opts, ConnectRequest{Name: "Sim", BaseURL: srv.URL, ClientID: exactsim.DemoClientID,
		ClientSecret: exactsim.DemoClientSecret, RedirectURI: login.DefaultRedirectURI}, code, ""); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(25 * time.Hour)
	sim.Inject(exactsim.Fault{Kind: exactsim.FaultTooMany})
	r := e.start()
	r.wait(EventFailed)
	got, _ := eventlog.Read(e.dir, time.Time{})
	for _, g := range got {
		if g.Kind == eventlog.Failed && g.Outcome == "rate-limited" && strings.Contains(g.RateLimit, "Remaining=0") &&
			strings.Contains(g.RateLimit, "Limit=") && g.RetryAfterSeconds == 60 {
			return
		}
	}
	t.Fatalf("log %+v, want the rate limit with Exact's header values", got)
}
