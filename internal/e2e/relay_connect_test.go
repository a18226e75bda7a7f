package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/exactkeeper/exactkeeper/assets"
	"github.com/exactkeeper/exactkeeper/core/exactsim"
	"github.com/exactkeeper/exactkeeper/core/keeper"
)

// relayWorld is a world whose app registers the relay page as its redirect
// URI, as a new owner who accepts the defaults does. The page is served over
// local HTTPS at https://relay.test:PORT/login.html.
func relayWorld(t *testing.T) (*world, *relaySite) {
	t.Helper()
	site := newRelaySite(t)
	return newWorldAt(t, site.url(""), nil), site
}

// startConnectPiped is startConnect with standard input left open, so the
// test can paste an address as the owner would.
func (w *world) startConnectPiped(name string) (authURL string, stdin io.WriteCloser, wait func() result) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	c := w.cmd(ctx, w.connectArgs(name)...)
	in, err := c.StdinPipe()
	if err != nil {
		w.t.Fatal(err)
	}
	var errb bytes.Buffer
	c.Stderr = &errb
	stdout, err := c.StdoutPipe()
	if err != nil {
		w.t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		w.t.Fatal(err)
	}
	fmt.Fprintln(in, clientSecret)
	r := bufio.NewReader(stdout)
	line, err := r.ReadString('\n')
	if err != nil {
		cancel()
		c.Wait()
		w.t.Fatalf("connect printed no URL: %v; stderr: %s", err, errb.String())
	}
	return strings.TrimSpace(line), in, func() result {
		defer cancel()
		rest, _ := io.ReadAll(r)
		err := c.Wait()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		return result{code, line + string(rest), errb.String()}
	}
}

// loginInBrowser fills in the simulator's login form in tab.
func loginInBrowser(t *testing.T, tab context.Context, authURL string) {
	t.Helper()
	if err := chromedp.Do(tab,
		chromedp.Navigate(authURL),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), userName),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID("login")),
	); err != nil {
		t.Fatalf("browser login: %v", err)
	}
}

// TestConnectThroughRelay: the default way in. Exact (the simulator) sends
// the browser to the relay page on a public-looking HTTPS name; the page
// finds `connect`'s loopback listener and forwards the answer; the browser
// says "Connecting…" and then, only after the exchange and current/Me,
// "Connected".
func TestConnectThroughRelay(t *testing.T) {
	w, site := relayWorld(t)
	tab := relayTab(t, relayBrowser(t))
	authURL, stdin, wait := w.startConnectPiped("Bakkerij De Jong")
	defer stdin.Close()
	if !strings.Contains(authURL, "redirect_uri="+url.QueryEscape(w.redirect)) {
		t.Fatalf("the authorization URL does not carry the relay as redirect URI: %s", authURL)
	}
	loginInBrowser(t, tab, authURL)
	if err := chromedp.Do(tab, chromedp.WaitVisible(chromedp.CSS(`#title[data-outcome="connected"]`))); err != nil {
		t.Fatalf("the browser did not end on the connected page: %v", err)
	}
	who, err := chromedp.Run(tab, chromedp.Text(chromedp.ID("who")))
	if err != nil || !strings.Contains(who, "Jan de Vries") || !strings.Contains(who, "Bakkerij De Jong") {
		t.Errorf("the connected page names %q (%v), want the user and company", who, err)
	}
	res := wait()
	if res.code != 0 {
		t.Fatalf("connect exited %d: %s", res.code, res.stderr)
	}
	if got := site.strays(); len(got) > 0 {
		t.Errorf("the relay site got requests besides the page: %q", got)
	}
	cfg := w.config()
	if len(cfg.Connections) != 1 || cfg.Connections[0].RedirectURI != w.redirect {
		t.Fatalf("connections = %+v, want one with the relay redirect URI", cfg.Connections)
	}
	if tok := w.token(); !w.me(tok.AccessToken) {
		t.Errorf("the token after a relay login was refused by current/Me")
	}
}

// TestConnectRelayPaste: when the relay page cannot reach this PC's
// listener, here because chromium treats the relay as a public site and
// refuses its probe of 127.0.0.1 (Chrome's local-network rules; the same
// as nothing listening, from the page's side), the page shows the whole
// address and pasting it into `connect` completes the login.
func TestConnectRelayPaste(t *testing.T) {
	w, site := relayWorld(t)
	override := fmt.Sprintf("127.0.0.1:%d=public", site.port)
	tab := relayTab(t, relayBrowser(t, chromedp.Flag("ip-address-space-overrides", override)))
	authURL, stdin, wait := w.startConnectPiped("Bakkerij De Jong")
	defer stdin.Close()
	loginInBrowser(t, tab, authURL)
	relayWaitState(t, tab, 30*time.Second, "fallback")
	address := relayEval[string](t, tab, `document.getElementById("address").value`)
	if !strings.HasPrefix(address, w.redirect+"?") || !strings.Contains(address, "code=") {
		t.Fatalf("the relay page shows %q, want the whole relay address with the code", address)
	}
	// First a wrong paste, as people do; the login keeps waiting.
	fmt.Fprintln(stdin, "https://relay.test/login.html?code=x&state=1234.forged")
	fmt.Fprintln(stdin, address)
	res := wait()
	if res.code != 0 {
		t.Fatalf("connect exited %d: %s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "does not belong to this login") {
		t.Errorf("the wrong paste was not explained: %s", res.stderr)
	}
	if st := w.sim.Stats(); st.Exchanges != 1 {
		t.Errorf("the simulator saw %d code exchanges, want 1", st.Exchanges)
	}
	if tok := w.token(); !w.me(tok.AccessToken) {
		t.Errorf("the token after a pasted relay login was refused by current/Me")
	}
}

// TestConnectWrongSecretIsHonest: with a mistyped client secret the browser
// no longer says "Connected": it says the secret is wrong, and connect
// exits 4 (needs attention) with one sentence.
func TestConnectWrongSecretIsHonest(t *testing.T) {
	w, _ := relayWorld(t)
	tab := relayTab(t, relayBrowser(t))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := w.cmd(ctx, w.connectArgs("Bakkerij De Jong")...)
	c.Stdin = strings.NewReader("not-the-secret\n")
	var errb bytes.Buffer
	c.Stderr = &errb
	stdout, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	authURL, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("no URL: %v; %s", err, errb.String())
	}
	loginInBrowser(t, tab, strings.TrimSpace(authURL))
	if err := chromedp.Do(tab, chromedp.WaitVisible(chromedp.CSS(`#title[data-outcome="wrong-secret"]`))); err != nil {
		t.Fatalf("the browser did not say the client secret is wrong: %v", err)
	}
	err = c.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 4 {
		t.Fatalf("connect with a wrong secret: %v, want exit code 4; stderr: %s", err, errb.String())
	}
	if !strings.Contains(errb.String(), "client secret") || strings.Contains(errb.String(), "not-the-secret") {
		t.Errorf("stderr does not explain the refused secret, or shows it: %s", errb.String())
	}
	if n := len(w.config().Connections); n != 0 {
		t.Errorf("a connection was saved although the login failed (%d)", n)
	}
}

// TestSecretCommand: the owner renewed the client secret in the App
// Center; refreshing fails with "needs attention" (exit 4), the refresh
// token is kept, and `secret NAME --client-secret-stdin` mends the chain
// without a browser login.
func TestSecretCommand(t *testing.T) {
	w := newWorld(t, func(c *exactsim.Config) { c.AccessLifetime = 2 * time.Second })
	w.connect("Bakkerij")
	id := w.config().Connections[0].ID
	rt, _ := keeper.StoredRefreshToken(w.keyring(), id)
	w.sim.AddApp(exactsim.App{ClientID: w.clientID, ClientSecret: "renewed-secret-77", RedirectURIs: []string{w.redirect}})

	// `refresh` hands back the cached token (2 s) without asking Exact
	// until Exact's window opens; then it asks, and is refused.
	var res result
	until(t, 30*time.Second, "the refresh to be refused", func() bool {
		res = w.run("", "refresh", "Bakkerij")
		return res.code != 0
	})
	if res.code != 4 || !strings.Contains(res.stderr, "exactkeeperctl secret") {
		t.Fatalf("refresh with a renewed secret exited %d: %s; want 4 and the command to mend it", res.code, res.stderr)
	}
	if got, _ := keeper.StoredRefreshToken(w.keyring(), id); got != rt {
		t.Fatal("the refresh token changed after a refused client secret")
	}
	if res := w.run("", "status"); !strings.Contains(res.stdout, "needs-attention") {
		t.Errorf("status does not show needs-attention:\n%s", res.stdout)
	}
	if res := w.run("wrong-again\n", "secret", "Bakkerij", "--client-secret-stdin"); res.code != 4 {
		t.Errorf("secret with another wrong value exited %d: %s", res.code, res.stderr)
	}
	res = w.run("renewed-secret-77\n", "secret", "Bakkerij", "--client-secret-stdin")
	if res.code != 0 || !strings.Contains(res.stderr, "works") {
		t.Fatalf("secret exited %d: %s", res.code, res.stderr)
	}
	if tok := w.token(); !w.me(tok.AccessToken) {
		t.Error("the token after the new secret was refused")
	}
	if st := w.sim.Stats(); st.Exchanges != 1 {
		t.Errorf("%d code exchanges, want 1: no new browser login", st.Exchanges)
	}
}

// TestRelayPageCommand: relay-page prints the embedded page byte for byte,
// which the Pages workflow publishes and owners host themselves.
func TestRelayPageCommand(t *testing.T) {
	res := (&world{t: t, home: t.TempDir()}).run("", "relay-page")
	if res.code != 0 || res.stdout != string(assets.RelayPage()) {
		t.Fatalf("relay-page exited %d with %d bytes, want the %d bytes of the page", res.code, len(res.stdout), len(assets.RelayPage()))
	}
}

// TestReconnectForcesLogin: a reconnect from the command line asks Exact to
// show its login page (force_login=1), so another Exact user can log in;
// a first connect does not.
func TestReconnectForcesLogin(t *testing.T) {
	w := newWorld(t, nil)
	authURL, wait := w.startConnect("Bakkerij")
	if strings.Contains(authURL, "force_login") {
		t.Errorf("a first login sends force_login: %s", authURL)
	}
	formLogin(t, authURL, userName, password)
	if res := wait(); res.code != 0 {
		t.Fatalf("connect: %s", res.stderr)
	}
	authURL, wait = w.startConnect("Bakkerij")
	if !strings.Contains(authURL, "force_login=1") {
		t.Errorf("a reconnect does not send force_login=1: %s", authURL)
	}
	formLogin(t, authURL, userName, password)
	if res := wait(); res.code != 0 {
		t.Fatalf("reconnect: %s", res.stderr)
	}
}
