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
