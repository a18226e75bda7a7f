package keeperapp

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/exactsim"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/login"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

type simClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *simClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *simClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// In demo mode, "Add connection" against the simulator does not hit the
// scripted chain break; the demo connection's next refresh does.
func TestDemoBreakSparesAddConnection(t *testing.T) {
	clock := &simClock{t: time.Now()}
	cfg := exactsim.DemoConfig()
	cfg.AccessLifetime, cfg.RefreshIdle, cfg.Now = demoAccess, demoRefreshIdle, clock.Now
	sim := exactsim.New(cfg)
	srv := httptest.NewServer(sim)
	defer srv.Close()

	if err := injectBreak(srv.URL); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	v := vault.NewMemory()
	o := keeper.Options{Store: st, Vault: v, HTTP: srv.Client(), LockDir: t.TempDir()}
	code, err := sim.IssueCode(exactsim.DemoClientID, login.DefaultRedirectURI, exactsim.DemoUserName, "")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := keeper.Complete(context.Background(), o, keeper.ConnectRequest{Name: "Tweede", BaseURL: srv.URL,
		ClientID: exactsim.DemoClientID, ClientSecret: exactsim.DemoClientSecret, RedirectURI: login.DefaultRedirectURI}, code, "")
	if err != nil {
		t.Fatalf("Add connection during the demo failed: %v", err)
	}
	if sim.PendingFaults() != 1 {
		t.Fatal("the login took the demo's scripted fault")
	}

	rt, err := keeper.StoredRefreshToken(v, conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(demoAccess)
	c := exact.Client{BaseURL: srv.URL, ClientID: exactsim.DemoClientID, ClientSecret: exactsim.DemoClientSecret,
		RedirectURI: login.DefaultRedirectURI, HTTP: srv.Client()}
	_, err = c.Refresh(context.Background(), rt)
	var xe *exact.Error
	if !errors.As(err, &xe) || xe.Status != http.StatusInternalServerError || sim.PendingFaults() != 0 {
		t.Fatalf("the keep-alive refresh answered %v (pending %d), want the scripted lost answer", err, sim.PendingFaults())
	}
}

// The keep-alive comes before the lapse warning is due, so a working demo
// warns only once its chain broke.
func TestDemoKeepAliveBeforeWarning(t *testing.T) {
	if demoKeepAlive >= demoRefreshIdle-demoWarning {
		t.Fatalf("keep-alive every %v, warning %v after a refresh: the warning would come first", demoKeepAlive, demoRefreshIdle-demoWarning)
	}
}
