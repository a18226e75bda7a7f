package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/exactkeeper/exactkeeper/core/exactsim"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
	"github.com/exactkeeper/exactkeeper/internal/testenv"
)

// TestConnectInBrowser is the whole login as a user does it: the real
// chromium opens the authorization URL, fills in the simulator's form, lands
// on the loopback callback, and the refresh token ends up in the keychain.
func TestConnectInBrowser(t *testing.T) {
	w := newWorld(t, nil)
	ctx := testenv.Browser(t)
	authURL, wait := w.startConnect("Bakkerij De Jong")
	err := chromedp.Do(ctx,
		chromedp.Navigate(authURL),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), userName),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID("title")),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	landed, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	res := wait()
	if res.code != 0 {
		t.Fatalf("connect exited %d: %s", res.code, res.stderr)
	}
	if !strings.HasPrefix(landed, w.redirect) {
		t.Errorf("browser ended on %q, want the loopback callback %s", landed, w.redirect)
	}
	cfg := w.config()
	if len(cfg.Connections) != 1 {
		t.Fatalf("config has %d connections, want 1", len(cfg.Connections))
	}
	c := cfg.Connections[0]
	if c.User.FullName != "Jan de Vries" || c.Division != 1234567 || c.DivisionName != "Bakkerij De Jong" {
		t.Errorf("connection user = %+v division %d %q, want Jan de Vries in 1234567 Bakkerij De Jong", c.User, c.Division, c.DivisionName)
	}
	rt, err := keeper.StoredRefreshToken(w.keyring(), c.ID)
	if err != nil || rt == "" {
		t.Fatalf("refresh token not in the keychain: %v", err)
	}
	if s, err := w.keyring().Get(vault.ClientSecretKey(c.ID)); err != nil || s != clientSecret {
		t.Errorf("client secret in keychain = %v (err %v)", s != "", err)
	}
	if st := w.sim.Stats(); st.Exchanges != 1 || st.Logins != 1 {
		t.Errorf("sim saw %d exchanges and %d logins, want 1 and 1", st.Exchanges, st.Logins)
	}
	if tok := w.token(); !w.me(tok.AccessToken) {
		t.Errorf("the token from `token` was refused by current/Me")
	}

	// Reconnect: the same browser flow under the same name keeps the
	// connection (its ID and settings) and replaces the chain.
	authURL, wait = w.startConnect("Bakkerij De Jong")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(authURL),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), userName),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID("title")),
	); err != nil {
		t.Fatalf("browser, reconnect: %v", err)
	}
	if res := wait(); res.code != 0 {
		t.Fatalf("reconnect exited %d: %s", res.code, res.stderr)
	}
	cfg = w.config()
	if len(cfg.Connections) != 1 || cfg.Connections[0].ID != c.ID {
		t.Errorf("reconnect changed the connections: %+v", cfg.Connections)
	}
	if rt2, _ := keeper.StoredRefreshToken(w.keyring(), c.ID); rt2 == rt || rt2 == "" {
		t.Errorf("reconnect did not store a new refresh token")
	}
	if tok := w.token(); !w.me(tok.AccessToken) {
		t.Errorf("token after reconnect refused")
	}
}

// TestRunKeepsChainAlive: with lifetimes of seconds, a running keeper keeps
// the chain alive across several refresh lifetimes although nobody asks for
// a token, without a single too-early call or reuse.
func TestRunKeepsChainAlive(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for ~20 s of real time")
	}
	const idle = 6 * time.Second
	w := newWorld(t, func(c *exactsim.Config) {
		c.AccessLifetime = 2 * time.Second
		c.RefreshIdle = idle
	})
	w.connect("Keep")
	start := time.Now()
	k := w.startKeeper("--keepalive", "2s", "--tick", "100ms")
	// Three refresh lifetimes: without the keeper the token would lapse thrice.
	until(t, 90*time.Second, "three refresh lifetimes of keeping", func() bool {
		return time.Since(start) > 3*idle && w.sim.Stats().Refreshes >= 6
	})
	tok := w.token()
	if !w.me(tok.AccessToken) {
		t.Errorf("token after three lifetimes refused by current/Me")
	}
	k.stop(t)
	st := w.sim.Stats()
	t.Logf("sim stats after %s: %+v", time.Since(start).Round(time.Second), st)
	if st.TooEarly != 0 || st.OldTokenReuses != 0 || st.ExpiredRefresh != 0 || st.InvalidGrant != 0 {
		t.Errorf("too early %d, reuses %d, expired %d, invalid grant %d; want all 0", st.TooEarly, st.OldTokenReuses, st.ExpiredRefresh, st.InvalidGrant)
	}
	if st.Refreshes < 6 {
		t.Errorf("only %d refreshes in %s", st.Refreshes, time.Since(start))
	}
	if code := k.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("keeper exited %d on interrupt: %s", code, k.stderr)
	}
}

// TestConcurrentTokens: 20 `token` calls at once, with and without a running
// keeper, each get a token Exact accepts, with at most one refresh, no
// too-early call and no reuse.
func TestConcurrentTokens(t *testing.T) {
	for _, withKeeper := range []bool{false, true} {
		t.Run(fmt.Sprintf("keeper=%v", withKeeper), func(t *testing.T) {
			w := newWorld(t, func(c *exactsim.Config) { c.AccessLifetime = 3 * time.Second })
			w.connect("Par")
			first := w.token()
			if withKeeper {
				w.startKeeper("--tick", "100ms")
			}
			// Let the access token run into Exact's refresh window, so the
			// 20 calls race for the one refresh.
			waitPast(first.ExpiresAt.Add(-100 * time.Millisecond))
			before := w.sim.Stats()
			var wg sync.WaitGroup
			toks := make([]string, 20)
			errs := make([]string, 20)
			for i := range toks {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					res := w.run("", "token")
					if res.code != 0 {
						errs[i] = fmt.Sprintf("exit %d: %s", res.code, res.stderr)
					}
					toks[i] = strings.TrimSpace(res.stdout)
				}(i)
			}
			wg.Wait()
			for i := range toks {
				if errs[i] != "" {
					t.Errorf("call %d: %s", i, errs[i])
				} else if !w.me(toks[i]) {
					t.Errorf("call %d: token refused by current/Me", i)
				}
			}
			after := w.sim.Stats()
			if after.TooEarly != 0 || after.OldTokenReuses != 0 {
				t.Errorf("too early %d, reuses %d; want 0", after.TooEarly, after.OldTokenReuses)
			}
			if n := after.Refreshes - before.Refreshes; n > 1 {
				t.Errorf("%d refreshes for 20 concurrent calls; want at most 1", n)
			}
		})
	}
}

// TestLostRefreshAnswer: Exact rotates but the answer is lost (HTTP 500). In
// grace mode the retry with the old token recovers the chain; without it the
// user gets exactly one clear "needs reconnect" and nothing is retried.
func TestLostRefreshAnswer(t *testing.T) {
	for _, grace := range []bool{true, false} {
		t.Run(fmt.Sprintf("grace=%v", grace), func(t *testing.T) {
			w := newWorld(t, func(c *exactsim.Config) {
				c.AccessLifetime = 2 * time.Second
				c.Grace = grace
			})
			w.connect("Lost")
			first := w.token()
			waitPast(first.ExpiresAt)
			w.sim.Inject(exactsim.Fault{Kind: exactsim.FaultErrorAfterRotate, Count: 1})
			res := w.run("", "token")
			if grace {
				if res.code != 0 || !w.me(strings.TrimSpace(res.stdout)) {
					t.Fatalf("grace: token exited %d (%s); want a recovered chain", res.code, res.stderr)
				}
				if st := w.sim.Stats(); st.OldTokenReuses != 0 {
					t.Errorf("grace: %d old-token reuses counted", st.OldTokenReuses)
				}
				return
			}
			if res.code != 3 {
				t.Fatalf("no grace: token exited %d (%s); want 3 (needs reconnect)", res.code, res.stderr)
			}
			if n := strings.Count(strings.TrimSpace(res.stderr), "\n"); n != 0 || !strings.Contains(strings.ToLower(res.stderr), "reconnect") {
				t.Errorf("want one clear line about reconnecting, got %q", res.stderr)
			}
			calls := w.sim.Stats().TokenCalls
			again := w.run("", "token")
			if again.code != 3 {
				t.Errorf("second token exited %d, want 3", again.code)
			}
			if n := w.sim.Stats().TokenCalls - calls; n != 0 {
				t.Errorf("a chain known broken was tried %d more times", n)
			}
			var list []keeper.ConnStatus
			if err := json.Unmarshal([]byte(w.run("", "status", "--json").stdout), &list); err != nil || len(list) != 1 || list[0].Status != keeper.StatusNeedsReconnect {
				t.Errorf("status --json = %+v (%v); want one connection needing reconnect", list, err)
			}
			// Reconnecting heals it, keeping the connection's ID.
			id := w.config().Connections[0].ID
			w.connect("Lost")
			if cfg := w.config(); len(cfg.Connections) != 1 || cfg.Connections[0].ID != id {
				t.Errorf("reconnect changed the connections: %+v", cfg.Connections)
			}
			if tok := w.token(); !w.me(tok.AccessToken) {
				t.Errorf("token after reconnect refused")
			}
		})
	}
}

// TestFaultsAreTransient: refused connections, timeouts, 5xx and 429 never
// mark a connection as needing reconnect and never cost the stored token,
// and retries stay inside Exact's error budget.
func TestFaultsAreTransient(t *testing.T) {
	cases := []struct {
		name  string
		fault *exactsim.Fault
		down  bool
	}{
		{"server-error", &exactsim.Fault{Kind: exactsim.FaultServerError, Count: 5}, false},
		{"too-many", &exactsim.Fault{Kind: exactsim.FaultTooMany, Count: 5}, false},
		{"drop", &exactsim.Fault{Kind: exactsim.FaultDrop, Count: 5}, false},

		{"refused", nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, func(c *exactsim.Config) { c.AccessLifetime = 2 * time.Second })
			w.connect("Flaky")
			first := w.token()
			rt, _ := keeper.StoredRefreshToken(w.keyring(), w.config().Connections[0].ID)
			waitPast(first.ExpiresAt)
			if tc.fault != nil {
				w.sim.Inject(*tc.fault)
			}
			if tc.down {
				w.srv.Close()
			}
			for i := 0; i < 3; i++ {
				res := w.run("", "token", "--timeout", "3s")
				if res.code != 1 {
					t.Fatalf("attempt %d: token exited %d (%s); want 1 (transient error)", i, res.code, res.stderr)
				}
				if strings.Contains(strings.ToLower(res.stderr), "reconnect") {
					t.Errorf("a transient fault talks of reconnecting: %q", res.stderr)
				}
			}
			if now, _ := keeper.StoredRefreshToken(w.keyring(), w.config().Connections[0].ID); now != rt && tc.fault != nil && tc.fault.Kind != exactsim.FaultErrorAfterRotate {
				t.Errorf("the stored refresh token changed after faults that rotated nothing")
			}
			var list []keeper.ConnStatus
			_ = json.Unmarshal([]byte(w.run("", "status", "--json").stdout), &list)
			if len(list) != 1 || list[0].Status == keeper.StatusNeedsReconnect {
				t.Errorf("status after %s = %+v; must not need reconnect", tc.name, list)
			}
			if !tc.down {
				st := w.sim.Stats()
				if st.ClientErrors > 10 || st.TokenCalls-2 > 10 {
					t.Errorf("%d token calls and %d client errors for 3 attempts: over Exact's budget", st.TokenCalls, st.ClientErrors)
				}
			}
		})
	}
}

// TestSlowAnswerIsWaitedFor: Exact support traced a lost chain to a 35 s
// token answer that the client had abandoned. A 40 s answer is waited for
// and saved, even with `--timeout 3s`: that bounds waiting for the lock or
// the keeper, never a token call already sent (killed callers: see
// kill_test.go).
func TestSlowAnswerIsWaitedFor(t *testing.T) {
	if testing.Short() {
		t.Skip("waits 40 s of real time")
	}
	w := newWorld(t, func(c *exactsim.Config) { c.AccessLifetime = 2 * time.Second })
	w.connect("Traag")
	first := w.token()
	waitPast(first.ExpiresAt)
	before := w.sim.Stats().Refreshes
	w.sim.Inject(exactsim.Fault{Kind: exactsim.FaultSlow, Count: 1, Delay: 40 * time.Second})
	res := w.run("", "token", "--json", "--timeout", "3s")
	if res.code != 0 {
		t.Fatalf("token during a 40 s answer exited %d: %s", res.code, res.stderr)
	}
	var tok tokenJSON
	if err := json.Unmarshal([]byte(res.stdout), &tok); err != nil || tok.AccessToken == first.AccessToken || !w.me(tok.AccessToken) {
		t.Fatalf("the token from the slow answer is not a new, working one (%v)", err)
	}
	if st := w.sim.Stats(); st.OldTokenReuses != 0 || st.InvalidGrant != 0 || st.Refreshes != before+1 {
		t.Errorf("refreshes %d, old-token reuses %d, invalid grants %d after one slow answer; want one more refresh, 0, 0", st.Refreshes-before, st.OldTokenReuses, st.InvalidGrant)
	}
}

// TestNoSecretsAnywhere: after a connect, a keeper run and token calls, no
// secret is in any file under the config directory, in the keeper's log, or
// in a process's command line.
func TestNoSecretsAnywhere(t *testing.T) {
	w := newWorld(t, func(c *exactsim.Config) { c.AccessLifetime = 2 * time.Second })
	w.connect("Geheim")
	k := w.startKeeper("--tick", "100ms", "--keepalive", "2s")
	until(t, 30*time.Second, "two refreshes by the keeper", func() bool { return w.sim.Stats().Refreshes >= 2 })
	w.token()
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", k.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	secrets := append(w.secrets(), clientSecret)
	k.stop(t)
	if len(secrets) < 3 {
		t.Fatalf("found only %d secrets to look for", len(secrets))
	}
	var files []string
	filepath.Walk(w.home, func(p string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Fatal("no files under the config directory")
	}
	for _, s := range secrets {
		for _, f := range files {
			if b, _ := os.ReadFile(f); bytes.Contains(b, []byte(s)) {
				t.Errorf("a secret is in %s", f)
			}
		}
		if strings.Contains(k.stderr.String(), s) {
			t.Errorf("a secret is in the keeper's log")
		}
		if bytes.Contains(cmdline, []byte(s)) {
			t.Errorf("a secret is on the keeper's command line")
		}
	}
}

// TestCorruptConfig: a damaged config.json gives one clear error and is
// left exactly as it was.
func TestCorruptConfig(t *testing.T) {
	w := newWorld(t, nil)
	p := filepath.Join(w.home, "config.json")
	bad := []byte(`{"version":1,"connections":[{"id":`)
	if err := os.WriteFile(p, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"status"}, {"token"}, {"delegation", "add", "--platform", "P", "--grantee", "G", "--ends", "2027-01-01"}} {
		res := w.run("", args...)
		if res.code != 1 || !strings.Contains(res.stderr, "config.json") || strings.Count(strings.TrimSpace(res.stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit 1 and one line naming config.json", args, res.code, res.stderr)
		}
	}
	if now, _ := os.ReadFile(p); !bytes.Equal(now, bad) {
		t.Errorf("config.json was changed")
	}
}

// TestReplayedCode: an authorization code is single use; completing a login
// with a code that was already spent fails with a clear sentence and saves
// nothing.
func TestReplayedCode(t *testing.T) {
	w := newWorld(t, nil)
	code, err := w.sim.IssueCode(w.clientID, w.redirect, userName, "")
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(w.home)
	if err != nil {
		t.Fatal(err)
	}
	o := keeper.Options{Store: st, Vault: w.keyring()}
	req := keeper.ConnectRequest{Name: "Replay", BaseURL: w.srv.URL, ClientID: w.clientID, ClientSecret: clientSecret, RedirectURI: w.redirect}
	if _, err := keeper.Complete(context.Background(), o, req, code, ""); err != nil {
		t.Fatalf("first use of the code: %v", err)
	}
	req.Name = "Replay again"
	_, err = keeper.Complete(context.Background(), o, req, code, "")
	if err == nil {
		t.Fatal("a replayed code was accepted")
	}
	msg := err.Error()
	if strings.Contains(msg, code) || strings.Contains(msg, clientSecret) || strings.Count(msg, "\n") != 0 {
		t.Errorf("error is not one clean sentence: %q", msg)
	}
	if !strings.Contains(strings.ToLower(msg), "log in again") && !strings.Contains(strings.ToLower(msg), "reconnect") {
		t.Errorf("error does not say what to do: %q", msg)
	}
	t.Logf("replayed code: %s", msg)
	if n := len(w.config().Connections); n != 1 {
		t.Errorf("%d connections after a refused replay, want 1", n)
	}
}
