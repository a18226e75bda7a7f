package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exactsim"
	"github.com/exactkeeper/exactkeeper/core/ipc"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
	"github.com/exactkeeper/exactkeeper/internal/testenv"
)

var ctlBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ek-e2e-bin")
	if err != nil {
		panic(err)
	}
	ctlBin = filepath.Join(dir, "exactkeeperctl")
	build := exec.Command("go", "build", "-o", ctlBin, "github.com/exactkeeper/exactkeeper/cmd/exactkeeperctl")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building exactkeeperctl: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const (
	clientSecret = "sim-secret-3b9f1c"
	userName     = "jan"
	password     = "geheim"
)

// world is one simulator plus one EXACTKEEPER_HOME.
type world struct {
	t        *testing.T
	sim      *exactsim.Server
	srv      *httptest.Server
	home     string
	clientID string
	redirect string
}

// newWorld starts a simulator with the given lifetimes; the redirect URI is a
// free loopback port.
func newWorld(t *testing.T, mod func(*exactsim.Config)) *world {
	t.Helper()
	return newWorldAt(t, "", mod)
}

// newWorldAt is newWorld with the app's redirect URI given; empty picks a
// free loopback port.
func newWorldAt(t *testing.T, redirect string, mod func(*exactsim.Config)) *world {
	t.Helper()
	testenv.NeedKeyring(t)
	cfg := exactsim.Config{
		AccessLifetime: 600 * time.Second,
		Users: []exactsim.User{{UserID: "6a0c3f1e-0000-4000-8000-000000000001", UserName: userName, Password: password,
			FullName: "Jan de Vries", Email: "jan@example.com", Company: "Bakkerij De Jong", Division: 1234567, LanguageCode: "nl-NL"}},
	}
	if mod != nil {
		mod(&cfg)
	}
	w := &world{t: t, clientID: "c0ffee00-1111-4222-8333-" + fmt.Sprintf("%012d", time.Now().UnixNano()%1e12)}
	w.redirect = redirect
	if w.redirect == "" {
		w.redirect = fmt.Sprintf("http://127.0.0.1:%d/callback", freePort(t))
	}
	cfg.Apps = []exactsim.App{{ClientID: w.clientID, ClientSecret: clientSecret, RedirectURIs: []string{w.redirect}}}
	w.sim = exactsim.New(cfg)
	w.srv = httptest.NewServer(w.sim)
	t.Cleanup(w.srv.Close)
	// A short path keeps the unix socket under the sun_path limit.
	home, err := os.MkdirTemp("", "ek")
	if err != nil {
		t.Fatal(err)
	}
	w.home = home
	t.Cleanup(func() {
		w.forgetSecrets()
		os.RemoveAll(home)
	})
	return w
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// cmd prepares exactkeeperctl with this world's home.
func (w *world) cmd(ctx context.Context, args ...string) *exec.Cmd {
	c := exec.CommandContext(ctx, ctlBin, args...)
	c.Env = append(os.Environ(), "EXACTKEEPER_HOME="+w.home)
	return c
}

// result is a finished command.
type result struct {
	code           int
	stdout, stderr string
}

func (w *world) run(stdin string, args ...string) result {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := w.cmd(ctx, args...)
	c.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		w.t.Fatalf("exactkeeperctl %v: %v", args, err)
	}
	return result{code, out.String(), errb.String()}
}

// connectArgs is a connect command line for this world.
func (w *world) connectArgs(name string) []string {
	return []string{"connect", "--name", name, "--base-url", w.srv.URL, "--client-id", w.clientID,
		"--redirect-uri", w.redirect, "--no-browser", "--client-secret-stdin"}
}

// startConnect starts `connect --no-browser` and returns the authorization
// URL it printed and a func that waits for the command to end.
func (w *world) startConnect(name string) (string, func() result) {
	w.t.Helper()
	authURL, stdin, wait := w.startConnectPiped(name)
	// Nothing more to paste: the browser's answer comes to the listener.
	stdin.Close()
	return authURL, wait
}

// connect logs in through the simulator's form with a plain HTTP client
// (the browser test does the same with chromium).
func (w *world) connect(name string) {
	w.t.Helper()
	authURL, wait := w.startConnect(name)
	formLogin(w.t, authURL, userName, password)
	if res := wait(); res.code != 0 {
		w.t.Fatalf("connect exited %d: %s", res.code, res.stderr)
	}
}

// formLogin submits the simulator's login form like a browser would and
// follows the redirect to the loopback callback.
func formLogin(t *testing.T, authURL, user, pass string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := hc.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	form := url.Values{"username": {user}, "password": {pass}}
	for _, name := range []string{"client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method", "response_type"} {
		if v := hiddenValue(string(page), name); v != "" {
			form.Set(name, v)
		}
	}
	u, _ := url.Parse(authURL)
	post := u.Scheme + "://" + u.Host + u.Path
	resp, err = hc.PostForm(post, form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("login ended with %d: %s", resp.StatusCode, body)
	}
	// Like a browser, follow "Connecting…" until the outcome is shown, so
	// connect need not wait for a reader that never comes.
	go followRefresh(hc, resp.Request.URL, string(body))
}

// refreshTarget finds the address of a <meta http-equiv="refresh"> page.
var refreshTarget = regexp.MustCompile(`http-equiv="refresh" content="\d+;url=([^"]+)"`)

// followRefresh asks again as the page's meta refresh says, for at most a
// minute; it gives up quietly, as a closed browser tab would.
func followRefresh(hc *http.Client, base *url.URL, page string) {
	pace := time.NewTicker(time.Second) // the page's own refresh interval
	defer pace.Stop()
	for range 60 {
		m := refreshTarget.FindStringSubmatch(page)
		if m == nil {
			return
		}
		next, err := base.Parse(html.UnescapeString(m[1]))
		if err != nil {
			return
		}
		<-pace.C
		resp, err := hc.Get(next.String())
		if err != nil {
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		base, page = next, string(b)
	}
}

// hiddenValue finds <input … name="n" … value="v"> in a page.
func hiddenValue(page, name string) string {
	i := strings.Index(page, `name="`+name+`"`)
	if i < 0 {
		return ""
	}
	start := strings.LastIndex(page[:i], "<")
	end := strings.Index(page[i:], ">")
	tag := page[start : i+end]
	j := strings.Index(tag, `value="`)
	if j < 0 {
		return ""
	}
	v := tag[j+len(`value="`):]
	return html.UnescapeString(v[:strings.Index(v, `"`)])
}

// config reads the world's config.json.
func (w *world) config() store.Config {
	w.t.Helper()
	st, err := store.Open(w.home)
	if err != nil {
		w.t.Fatal(err)
	}
	c, err := st.LoadConfig()
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

func (w *world) keyring() vault.Vault { return vault.NewKeyring("exactkeeper", 10*time.Second) }

// secrets returns every secret of every connection of this world.
func (w *world) secrets() []string {
	var out []string
	for _, c := range w.config().Connections {
		for _, k := range []string{vault.ChainKey(c.ID), vault.RefreshTokenKey(c.ID), vault.ClientSecretKey(c.ID), vault.AccessTokenKey(c.ID)} {
			if v, err := w.keyring().Get(k); err == nil {
				out = append(out, v)
			}
		}
	}
	return out
}

func (w *world) forgetSecrets() {
	st, err := store.Open(w.home)
	if err != nil {
		return
	}
	c, err := st.LoadConfig()
	if err != nil {
		return
	}
	for _, conn := range c.Connections {
		for _, k := range []string{vault.ChainKey(conn.ID), vault.RefreshTokenKey(conn.ID), vault.ClientSecretKey(conn.ID), vault.AccessTokenKey(conn.ID)} {
			_ = w.keyring().Delete(k)
		}
	}
}

// me calls current/Me with a token and reports whether Exact accepted it.
func (w *world) me(token string) bool {
	req, _ := http.NewRequest("GET", w.srv.URL+"/api/v1/current/Me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == 200
}

// until waits for cond, checking it on a ticker, and fails after limit. It
// waits for an outcome in another process, not for time to pass.
func until(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatalf("gave up waiting for %s after %s", what, limit)
		case <-tick.C:
		}
	}
}

// waitPast blocks until the wall clock is past t: the scenario needs an
// access token to expire, which only real time does for a real simulator.
func waitPast(t time.Time) {
	if d := time.Until(t); d > 0 {
		<-time.NewTimer(d).C
	}
}

// tokenJSON is `token --json`.
type tokenJSON struct {
	AccessToken string    `json:"access_token"`
	ExpiresAt   time.Time `json:"expires_at"`
}

func (w *world) token(args ...string) tokenJSON {
	w.t.Helper()
	res := w.run("", append([]string{"token", "--json"}, args...)...)
	if res.code != 0 {
		w.t.Fatalf("token exited %d: %s", res.code, res.stderr)
	}
	var tj tokenJSON
	if err := json.Unmarshal([]byte(res.stdout), &tj); err != nil {
		w.t.Fatalf("token --json: %v: %q", err, res.stdout)
	}
	return tj
}

// keeperProc is a running `exactkeeperctl run`.
type keeperProc struct {
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	done   chan error
}

func (w *world) startKeeper(args ...string) *keeperProc {
	w.t.Helper()
	c := w.cmd(context.Background(), append([]string{"run"}, args...)...)
	var errb bytes.Buffer
	c.Stderr = &errb
	if err := c.Start(); err != nil {
		w.t.Fatal(err)
	}
	k := &keeperProc{cmd: c, stderr: &errb, done: make(chan error, 1)}
	go func() { k.done <- c.Wait() }()
	w.t.Cleanup(func() { k.stop(w.t) })
	sock := ipc.Endpoint(w.home)
	until(w.t, 30*time.Second, "the keeper's socket", func() bool {
		_, err := os.Stat(sock)
		return err == nil
	})
	return k
}

func (k *keeperProc) stop(t *testing.T) {
	if k.cmd.ProcessState != nil {
		return
	}
	_ = k.cmd.Process.Signal(os.Interrupt)
	select {
	case <-k.done:
	case <-time.After(20 * time.Second):
		_ = k.cmd.Process.Kill()
		<-k.done
		t.Errorf("keeper did not stop on interrupt")
	}
}
