package keeperapp

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exactsim"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

// DemoEnv names the environment variable through which the keeper hands the
// dashboard the simulator's pre-registered app, to pre-fill onboarding.
// Environment, not arguments: other users can read a process's command line.
const DemoEnv = "EXACTKEEPER_DEMO_PREFILL"

// Demo is the pre-fill the dashboard reads from DemoEnv.
type Demo struct {
	BaseURL      string `json:"base_url"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	RedirectURI  string `json:"redirect_uri"`
	UserName     string `json:"user_name"`
	Password     string `json:"password"`
}

// Demo lifetimes: short enough to watch refreshes and a lapse warning within
// minutes, long enough to read the tray in between.
const (
	demoAccess      = 30 * time.Second
	demoRefreshIdle = 10 * time.Minute
	demoKeepAlive   = 6 * time.Minute
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
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("demo: cannot pick a port for the login callback: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	redirect := fmt.Sprintf("http://127.0.0.1:%d/callback", port)

	cfg := exactsim.DemoConfig()
	cfg.AccessLifetime, cfg.RefreshIdle = demoAccess, demoRefreshIdle
	cfg.Apps[0].RedirectURIs = append(cfg.Apps[0].RedirectURIs, redirect)
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
		c.Settings.RefreshWarnings = []store.Duration{store.Duration(5 * time.Minute), store.Duration(2 * time.Minute)}
		// The simulator is new on every start, so old demo connections
		// point at nothing: start over.
		for _, old := range c.Connections {
			for _, k := range []string{vault.RefreshTokenKey(old.ID), vault.ClientSecretKey(old.ID), vault.AccessTokenKey(old.ID)} {
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
	d, _ := json.Marshal(Demo{BaseURL: simURL, ClientID: app.ClientID, ClientSecret: app.ClientSecret,
		RedirectURI: redirect, UserName: user.UserName, Password: user.Password})
	return dir, []string{DemoEnv + "=" + string(d)}, nil
}
