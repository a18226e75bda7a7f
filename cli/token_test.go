package cli_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/ipc"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// tokenKeeper is a running keeper as `token` sees it over IPC: it hands
// out tok, or fails with err, and records what it was asked.
type tokenKeeper struct {
	mu    sync.Mutex
	tok   exact.Token
	err   error
	asked []string
}

func (k *tokenKeeper) Token(_ context.Context, conn string) (exact.Token, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.asked = append(k.asked, conn)
	return k.tok, k.err
}
func (k *tokenKeeper) Refresh(context.Context, string) error               { return nil }
func (k *tokenKeeper) Status(context.Context) ([]keeper.ConnStatus, error) { return nil, nil }
func (k *tokenKeeper) Reload(context.Context) error                        { return nil }
func (k *tokenKeeper) Subscribe(int) (<-chan keeper.Event, func()) {
	return make(chan keeper.Event), func() {}
}
func (k *tokenKeeper) askedFor() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.asked...)
}

// serveKeeper runs k on h's endpoint until the test ends.
func serveKeeper(t *testing.T, h *langHome, k *tokenKeeper) {
	t.Helper()
	l, err := ipc.Listen(h.dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = (&ipc.Server{Backend: k}).Serve(ctx, l); close(done) }()
	t.Cleanup(func() { stop(); <-done })
}

// withConnections writes config.json with a connection per name, ID "id-"
// and the name.
func withConnections(t *testing.T, h *langHome, names ...string) {
	t.Helper()
	st, err := store.Open(h.dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.UpdateConfig(func(c *store.Config) error {
		for _, n := range names {
			c.Connections = append(c.Connections, store.Connection{ID: "id-" + n, Name: n, Region: "nl", BaseURL: "https://start.exactonline.nl", ClientID: "c"})
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

var tokenNow = time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC) // langHome's clock

// TestTokenFromKeeper: with a NAME the keeper is asked for that name; with
// none, for the only connection's ID; --json gives the contract's fields.
func TestTokenFromKeeper(t *testing.T) {
	h := newLangHome(t)
	withConnections(t, h, "Bakkerij")
	k := &tokenKeeper{tok: exact.Token{AccessToken: "access-1", Expiry: tokenNow.Add(9 * time.Minute)}}
	serveKeeper(t, h, k)

	code, out, errs := h.run(langEN, "token", "Bakkerij")
	if code != 0 || out != "access-1\n" || errs != "" {
		t.Fatalf("token Bakkerij: %d %q %q", code, out, errs)
	}
	code, out, errs = h.run(langEN, "token")
	if code != 0 || out != "access-1\n" || errs != "" {
		t.Fatalf("token: %d %q %q", code, out, errs)
	}
	code, out, errs = h.run(langEN, "token", "Bakkerij", "--json")
	var j map[string]any
	if code != 0 || errs != "" || json.Unmarshal([]byte(out), &j) != nil {
		t.Fatalf("token --json: %d %q %q", code, out, errs)
	}
	want := map[string]any{"access_token": "access-1", "token_type": "bearer", "expires_at": "2026-11-29T09:09:00Z",
		"expires_in": float64(540), "connection": "Bakkerij"}
	if len(j) != len(want) {
		t.Fatalf("token --json: %v, want %v", j, want)
	}
	for f, v := range want {
		if j[f] != v {
			t.Fatalf("token --json: %s is %v, want %v", f, j[f], v)
		}
	}
	if got := strings.Join(k.askedFor(), ","); got != "Bakkerij,id-Bakkerij,Bakkerij" {
		t.Fatalf("the keeper was asked for %s", got)
	}
}

// TestTokenKeeperRefuses: the keeper's error is worded in the user's
// language with the connection's name (also when asked by ID), with the
// exit code of its kind.
func TestTokenKeeperRefuses(t *testing.T) {
	h := newLangHome(t)
	withConnections(t, h, "Bakkerij")
	k := &tokenKeeper{err: keeper.ErrNeedsReconnect}
	serveKeeper(t, h, k)
	for _, c := range []struct{ lang, want string }{
		{langEN, `exactkeeperctl: Bakkerij: Exact Online no longer accepts this connection's login. Reconnect with: exactkeeperctl connect --name "Bakkerij"`},
		{langNL, `exactkeeperctl: Bakkerij:`},
	} {
		for _, args := range [][]string{{"token", "Bakkerij"}, {"token", "id-Bakkerij"}, {"token"}} {
			code, out, errs := h.run(c.lang, args...)
			if code != 3 || out != "" || !strings.HasPrefix(errs, c.want) || strings.Count(errs, "\n") != 1 {
				t.Fatalf("[%s] %v: %d %q %q", c.lang, args, code, out, errs)
			}
			if c.lang == langNL && (strings.Contains(errs, "no longer") || !strings.Contains(errs, "exactkeeperctl connect")) {
				t.Fatalf("[nl] %v: %q is not the Dutch sentence", args, errs)
			}
		}
	}
	k.err = keeper.ErrUnknown
	code, out, errs := h.run(langEN, "token", "Nobody")
	if code != 1 || out != "" || errs == "" || strings.Count(errs, "\n") != 1 {
		t.Fatalf("unknown connection: %d %q %q", code, out, errs)
	}
}

// TestTokenWhichConnection: without a NAME and with two connections the
// keeper is not asked; the usage error lists them.
func TestTokenWhichConnection(t *testing.T) {
	h := newLangHome(t)
	withConnections(t, h, "Bakkerij", "Garage")
	k := &tokenKeeper{tok: exact.Token{AccessToken: "access-1"}}
	serveKeeper(t, h, k)
	for _, lang := range []string{langEN, langNL} {
		code, out, errs := h.run(lang, "token")
		if code != 2 || out != "" || !strings.Contains(errs, "Bakkerij, Garage") {
			t.Fatalf("[%s] token with two connections: %d %q %q", lang, code, out, errs)
		}
	}
	if a := k.askedFor(); len(a) != 0 {
		t.Fatalf("the keeper was asked for %v", a)
	}
}

// TestTokenWithoutKeeper: no keeper running is no error of its own: the
// one-shot path answers, as before.
func TestTokenWithoutKeeper(t *testing.T) {
	h := newLangHome(t)
	code, out, errs := h.run(langEN, "token")
	if code != 1 || out != "" || !strings.Contains(errs, "no connection yet") {
		t.Fatalf("token, nothing set up: %d %q %q", code, out, errs)
	}
	withConnections(t, h, "Bakkerij")
	for _, lang := range []string{langEN, langNL} {
		code, out, errs := h.run(lang, "token", "Nobody")
		if code != 1 || out != "" || errs == "" || strings.Count(errs, "\n") != 1 {
			t.Fatalf("[%s] token Nobody: %d %q %q", lang, code, out, errs)
		}
	}
}
