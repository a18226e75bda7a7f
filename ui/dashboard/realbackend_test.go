package dashboard

import (
	"context"
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exactsim"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/login"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

// recordOpener stands in for the browser: it only remembers the address.
type recordOpener struct{ urls []string }

func (o *recordOpener) Open(u string) error { o.urls = append(o.urls, u); return nil }

// realWorld is the real backend on a temporary home with an in-memory
// keychain, talking to the simulator, without a running keeper.
type realWorld struct {
	b   *realBackend
	sim *exactsim.Server
	url string
	v   vault.Vault
}

func newRealWorld(t *testing.T) *realWorld {
	t.Helper()
	cfg := exactsim.DemoConfig()
	cfg.Apps[0].RedirectURIs = append(cfg.Apps[0].RedirectURIs, login.DefaultRedirectURI)
	sim := exactsim.New(cfg)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	v := vault.NewMemory()
	return &realWorld{b: &realBackend{st: st, opts: keeper.Options{Store: st, Vault: v}, opener: &recordOpener{}},
		sim: sim, url: srv.URL, v: v}
}

// logIn does what the owner does in the browser: log in at Exact (the
// simulator issues the code) and paste the address the relay page shows.
func (w *realWorld) logIn(t *testing.T, l Login) {
	t.Helper()
	u, err := url.Parse(l.URL())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	code, err := w.sim.IssueCode(q.Get("client_id"), q.Get("redirect_uri"), exactsim.DemoUserName, q.Get("code_challenge"))
	if err != nil {
		t.Fatal(err)
	}
	landed := q.Get("redirect_uri") + "?" + url.Values{"code": {code}, "state": {q.Get("state")}}.Encode()
	if err := l.Paste(landed); err != nil {
		t.Fatalf("pasting the relay page's address: %v", err)
	}
}

// TestRealBackendRelayLogin runs the dashboard's Connect through
// keeper.StartLogin against the simulator: the relay is the default, a
// pasted address finishes it, a reconnect forces Exact's login page, and a
// refused client secret is recognised as such.
func TestRealBackendRelayLogin(t *testing.T) {
	w := newRealWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := keeper.ConnectRequest{Name: "Bakkerij", BaseURL: w.url, ClientID: exactsim.DemoClientID, ClientSecret: exactsim.DemoClientSecret}
	l, err := w.b.Connect(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if !l.Relay() || !strings.Contains(l.URL(), url.QueryEscape(login.DefaultRedirectURI)) {
		t.Fatalf("a request without a redirect URI is not a relay login: relay %v, %s", l.Relay(), l.URL())
	}
	if o := w.b.opener.(*recordOpener); len(o.urls) != 1 || o.urls[0] != l.URL() {
		t.Errorf("the browser was asked to open %v", o.urls)
	}
	w.logIn(t, l)
	conn, err := l.Wait(ctx)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if conn.User.FullName != "Jan de Vries" || conn.RedirectURI != login.DefaultRedirectURI {
		t.Errorf("connected %+v", conn)
	}

	// A reconnect asks for nothing and shows Exact's login page.
	l, err = w.b.Connect(ctx, keeper.ConnectRequest{ExistingID: conn.ID, ForceLogin: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(l.URL(), "force_login=1") {
		t.Errorf("a reconnect does not force Exact's login page: %s", l.URL())
	}
	l.Cancel()
	if _, err := l.Wait(ctx); !errors.Is(err, login.ErrCancelled) {
		t.Errorf("Wait after Cancel = %v", err)
	}

	// A wrong secret comes back as one the form can flag.
	req.Name, req.ClientSecret = "Slagerij", "wrong"
	l, err = w.b.Connect(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	w.logIn(t, l)
	if _, err := l.Wait(ctx); !IsWrongSecret(err) || Explain(err) != Explain(keeper.ErrWrongSecret) {
		t.Errorf("a refused secret gives %v", err)
	}
}

// TestRealBackendSetClientSecretWithoutKeeper: the secret is saved even
// when no keeper runs to try it, and the owner is told so.
func TestRealBackendSetClientSecretWithoutKeeper(t *testing.T) {
	w := newRealWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l, err := w.b.Connect(ctx, keeper.ConnectRequest{Name: "Bakkerij", BaseURL: w.url, ClientID: exactsim.DemoClientID, ClientSecret: exactsim.DemoClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	w.logIn(t, l)
	conn, err := l.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.b.SetClientSecret(ctx, conn.ID, " n3w "); !errors.Is(err, ErrSecretNotTried) {
		t.Fatalf("SetClientSecret without a keeper = %v", err)
	}
	if got, err := w.v.Get(vault.ClientSecretKey(conn.ID)); err != nil || got != "n3w" {
		t.Errorf("the keychain holds %q, %v", got, err)
	}
	if err := w.b.SetClientSecret(ctx, conn.ID, "  "); err == nil || errors.Is(err, ErrSecretNotTried) {
		t.Errorf("an empty secret was accepted: %v", err)
	}
}
