package keeperapp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exactsim"
	"github.com/exactkeeper/exactkeeper/core/login"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
	"github.com/exactkeeper/exactkeeper/ui/demo"
)

// The demo's story, within minutes of connecting: refreshes every 30 s
// while tokens are asked for; every 2.5 min the keep-alive refresh, before
// the warning (2 min before the 5 min lapse) is due, as a working keeper
// does; at the keep-alive after the first refresh the simulator "loses" its
// answer (as Exact sometimes does), the chain breaks, and the tray asks for
// a reconnect; the lapse warning follows.
const (
	demoAccess      = 30 * time.Second
	demoRefreshIdle = 5 * time.Minute
	demoKeepAlive   = 2*time.Minute + 30*time.Second
	demoWarning     = 2 * time.Minute
)

// StartDemo starts the simulator on 127.0.0.1 and prepares a demo home
// beside the real one, so the demo never touches real connections. It
// returns the home directory and the environment for the dashboard.
func StartDemo(ctx context.Context, v vault.Vault) (dir string, env []string, err error) {
	base, err := os.UserConfigDir()
	if err != nil {
		base = os.TempDir()
	}
	dir = filepath.Join(base, "exactkeeper-demo")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, err
	}
	// The demo logs in the way a real owner does: through the relay page,
	// which the simulator serves itself so the demo stays offline.
	redirect := login.DefaultRedirectURI
	cfg := exactsim.DemoConfig()
	cfg.AccessLifetime, cfg.RefreshIdle = demoAccess, demoRefreshIdle
	simURL, _, err := exactsim.ListenAndServe(ctx, "127.0.0.1:0", cfg, nil)
	if err != nil {
		return "", nil, fmt.Errorf("demo: the simulator did not start: %w", err)
	}
	st, err := store.Open(dir)
	if err != nil {
		return "", nil, err
	}
	err = st.UpdateConfig(func(c *store.Config) error {
		c.Settings.KeepAlive = store.Duration(demoKeepAlive)
		c.Settings.RefreshWarnings = []store.Duration{store.Duration(demoWarning)}
		// The simulator is new on every start, so old demo connections
		// point at nothing: start over.
		for _, old := range c.Connections {
			for _, k := range []string{vault.ChainKey(old.ID), vault.RefreshTokenKey(old.ID), vault.ClientSecretKey(old.ID), vault.AccessTokenKey(old.ID)} {
				_ = v.Delete(k)
			}
		}
		c.Connections = nil
		// A delegation that ends in five days shows a reminder at once.
		today := store.DateOf(time.Now())
		c.Delegations = slices.DeleteFunc(c.Delegations, func(d store.Delegation) bool { return d.ID == "demo" })
		c.Delegations = append(c.Delegations, store.Delegation{
			ID: "demo", Platform: "Invantive Cloud", Grantee: "Administratiekantoor Smit",
			Starts: today.AddDays(-85), Ends: today.AddDays(5), Note: "demo",
		})
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	if err := st.UpdateState(func(s *store.State) error { s.Connections = nil; s.Reminders = nil; return nil }); err != nil {
		return "", nil, err
	}
	app, user := cfg.Apps[0], cfg.Users[0]
	p := demo.Prefill{BaseURL: simURL, ClientID: app.ClientID, ClientSecret: app.ClientSecret,
		RedirectURI: redirect, UserName: user.UserName, Password: user.Password, RefreshLifetime: demoRefreshIdle}
	go breakChainLater(ctx, simURL)
	return dir, []string{p.EnvEntry()}, nil
}

// breakChainLater waits for the first refresh of the demo connection, then
// makes the simulator lose the answer of the next one, so the newcomer sees
// "needs reconnect" and the reconnect flow. It asks over the simulator's
// /sim endpoints, as a test in another process would.
func breakChainLater(ctx context.Context, simURL string) {
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		var st struct {
			Refreshes int `json:"refreshes"`
		}
		resp, err := http.Get(simURL + "/sim/stats")
		if err != nil {
			continue
		}
		err = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if err != nil || st.Refreshes == 0 {
			continue
		}
		_ = injectBreak(simURL)
		return
	}
}
