package keeper

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

// Several CLI processes (separate Options and Store handles on one dir and
// one keychain) asking at once cause one refresh: the lock and the shared
// access-token cache.
func TestOneShotTokenFromManyProcesses(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	e.clock.Advance(11 * time.Minute)
	const n = 8
	var wg sync.WaitGroup
	toks := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		o := e.options()
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := Token(e.deadline(), o, "bakkerij")
			toks[i], errs[i] = tok.AccessToken, e.showErr(err)
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || toks[i] != toks[0] {
			t.Fatalf("process %d: %q, %v; want the one shared token", i, toks[i], errs[i])
		}
	}
	if got, _ := e.exact.counts(); got != 1 {
		t.Fatalf("%d refresh calls, want 1", got)
	}
	if m := cachedAccess(t, e.vault, id); m["access_token"] != toks[0] || m["expires_at"] == nil || m["issued_at"] == nil {
		t.Fatalf("cache %v does not hold the new token", m)
	}
	if _, ok := cachedAccess(t, e.vault, id)["refresh_token"]; ok {
		t.Fatal("the access-token cache holds the refresh token")
	}
}

func TestOneShotRefresh(t *testing.T) {
	e := newEnv(t)
	e.connect("Bakkerij")
	first, err := Refresh(e.deadline(), e.opts, "Bakkerij")
	if err != nil {
		t.Fatalf("Refresh of a fresh token: %v", err)
	}
	if n, _ := e.exact.counts(); n != 0 {
		t.Fatalf("refreshed %d times although Exact would refuse", n)
	}
	e.clock.Advance(571 * time.Second)
	second, err := Refresh(e.deadline(), e.opts, "Bakkerij")
	if err != nil || second.AccessToken == first.AccessToken || !second.IssuedAt.Equal(e.clock.Now()) {
		t.Fatalf("Refresh inside the window = %v; want a new token", err)
	}
}

func TestOneShotErrors(t *testing.T) {
	e := newEnv(t)
	if _, err := Token(e.deadline(), e.opts, ""); !errors.Is(err, ErrNoConnections) {
		t.Fatalf("no connections: %v", err)
	}
	id := e.connect("Bakkerij")
	e.connectAs("Slagerij", "user-2")
	_, err := Token(e.deadline(), e.opts, "Visboer")
	if !errors.Is(err, ErrUnknown) || err.Error() != "no connection named Visboer (known: Bakkerij, Slagerij)" {
		t.Fatalf("unknown name: %v", err)
	}
	if _, err := Token(e.deadline(), e.opts, ""); !errors.Is(err, ErrUnknown) {
		t.Fatalf("no name with two connections: %v", err)
	}

	st := e.state(id)
	st.Status, st.LastError = StatusNeedsReconnect, "Exact Online says the refresh token has expired"
	saveState(t, e, id, st)
	_, err = Token(e.deadline(), e.opts, "Bakkerij")
	if !errors.Is(err, ErrNeedsReconnect) || !strings.HasPrefix(err.Error(), "Bakkerij needs reconnecting: ") {
		t.Fatalf("needs reconnect: %v", err)
	}
	e.show(err.Error())
}

func TestOneShotVaultFailureLosesNothingSilently(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	e.clock.Advance(11 * time.Minute)
	e.vault.setFailing(true)
	_, err := Token(e.deadline(), e.opts, "Bakkerij")
	if err == nil || !strings.Contains(err.Error(), "keychain") {
		t.Fatalf("Token = %v, want a keychain error", e.showErr(err))
	}
	e.show(err.Error())
	if st := e.state(id); st.Status != StatusFailing || !strings.Contains(st.LastError, "cannot write to the keychain") {
		t.Fatalf("state %+v", st)
	}
	if _, err := e.vault.Get(vault.AccessTokenKey(id)); err != nil {
		t.Fatal("the old cache was removed")
	}
	if m := cachedAccess(t, e.vault, id); m["expires_at"] == nil {
		t.Fatal("cache damaged")
	}
}

func (e *env) connectAs(name, user string) string {
	e.exact.mu.Lock()
	e.exact.userID = user
	e.exact.mu.Unlock()
	return e.connect(name)
}

func TestCompleteSavesWhatItShould(t *testing.T) {
	e := newEnv(t)
	c, err := Complete(context.Background(), e.opts, ConnectRequest{Name: " Bakkerij ", Region: "", BaseURL: e.url + "/",
		ClientID: "app-1", ClientSecret: clientSecret, RedirectURI: "https://example.com/cb"}, "code-ok", "verifier-abcdef123456")
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "Bakkerij" || c.BaseURL != e.url || c.ID == "" || c.User.ID != "user-guid-1" || c.User.UserName != "jan@bakkerij" ||
		c.Division != 42 || time.Duration(c.RefreshLifetime) != store.DefaultRefreshLifetime || !c.Created.Equal(t0) {
		t.Fatalf("connection %+v", c)
	}
	cfg, _ := e.opts.Store.LoadConfig()
	if len(cfg.Connections) != 1 || cfg.Connections[0].ID != c.ID {
		t.Fatalf("config %+v", cfg.Connections)
	}
	if st := e.state(c.ID); st.Status != StatusOK || !st.LastRefresh.Equal(t0) || !st.AccessExpiry.Equal(t0.Add(lifetime)) {
		t.Fatalf("state %+v", st)
	}
	if s, _ := e.vault.Get(vault.ClientSecretKey(c.ID)); s != clientSecret {
		t.Fatal("client secret not in the vault")
	}
	if rt, _ := StoredRefreshToken(e.vault, c.ID); rt != e.exact.currentRT() {
		t.Fatal("refresh token not in the vault")
	}
	cachedAccess(t, e.vault, c.ID)
	if keys := e.vault.Keys(); len(keys) != 3 {
		t.Fatalf("vault keys %v, want exactly the three of the connection", keys)
	}
	// checkNoSecrets (at cleanup) greps the store dir for every secret.
}

func TestCompleteSameUserReusesConnection(t *testing.T) {
	e := newEnv(t)
	first := e.connect("Bakkerij")
	c, err := Complete(context.Background(), e.opts, ConnectRequest{Name: "Bakkerij 2", BaseURL: e.url, ClientID: "app-1",
		ClientSecret: clientSecret}, "code-ok", "")
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != first || c.Name != "Bakkerij" {
		t.Fatalf("got %s %q, want the existing connection %s", c.ID, c.Name, first)
	}
	cfg, _ := e.opts.Store.LoadConfig()
	if len(cfg.Connections) != 1 {
		t.Fatalf("%d connections, want 1", len(cfg.Connections))
	}
	if rt, _ := StoredRefreshToken(e.vault, first); rt != e.exact.currentRT() {
		t.Fatal("the existing connection does not hold the new chain")
	}
	if keys := e.vault.Keys(); len(keys) != 3 {
		t.Fatalf("vault keys %v: the provisional items were left behind", keys)
	}
	if !strings.Contains(e.logs.String(), "replaced the chain") {
		t.Fatal("the reuse was not logged")
	}
}

func TestCompleteValidatesBeforeNetwork(t *testing.T) {
	e := newEnv(t)
	e.connect("Bakkerij")
	ok := ConnectRequest{Name: "Slagerij", Region: "nl", ClientID: "app-1", ClientSecret: clientSecret}
	tests := []struct {
		name string
		edit func(*ConnectRequest)
		code string
		want string
	}{
		{"no name", func(r *ConnectRequest) { r.Name = " " }, "code-ok", "needs a name"},
		{"no client ID", func(r *ConnectRequest) { r.ClientID = "" }, "code-ok", "client ID is missing"},
		{"no secret", func(r *ConnectRequest) { r.ClientSecret = "" }, "code-ok", "client secret is missing"},
		{"unknown region", func(r *ConnectRequest) { r.Region = "xx" }, "code-ok", "unknown Exact Online region"},
		{"no region or URL", func(r *ConnectRequest) { r.Region = "" }, "code-ok", "choose the Exact Online region"},
		{"bad base URL", func(r *ConnectRequest) { r.Region, r.BaseURL = "", "ftp://x" }, "code-ok", "not a usable Exact Online address"},
		{"no code", func(r *ConnectRequest) {}, "", "no authorization code"},
		{"negative lifetime", func(r *ConnectRequest) { r.RefreshLifetime = -time.Hour }, "code-ok", "must be positive"},
		{"name taken", func(r *ConnectRequest) { r.Name = "bakkerij" }, "code-ok", "already exists"},
		{"reconnect of a removed one", func(r *ConnectRequest) { r.ExistingID = "gone" }, "code-ok", "no longer exists"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := ok
			tc.edit(&req)
			_, err := Complete(context.Background(), e.opts, req, tc.code, "")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			e.show(err.Error())
			if _, ex := e.exact.counts(); ex != 1 {
				t.Fatalf("%d exchanges, want only the setup's", ex)
			}
		})
	}
}

func TestCompleteBadCodeSavesNothing(t *testing.T) {
	e := newEnv(t)
	_, err := Complete(context.Background(), e.opts, ConnectRequest{Name: "B", BaseURL: e.url, ClientID: "app-1",
		ClientSecret: clientSecret}, "code-wrong", "")
	if err == nil || !strings.Contains(err.Error(), "login could not be finished") {
		t.Fatalf("err = %v", err)
	}
	e.show(err.Error())
	cfg, _ := e.opts.Store.LoadConfig()
	if len(cfg.Connections) != 0 || len(e.vault.Keys()) != 0 {
		t.Fatalf("saved something: %v %v", cfg.Connections, e.vault.Keys())
	}
}

func TestDisconnectRemovesEverything(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	keep := e.connectAs("Slagerij", "user-2")
	if err := Disconnect(context.Background(), e.opts, "bakkerij"); err != nil {
		t.Fatal(err)
	}
	cfg, _ := e.opts.Store.LoadConfig()
	if len(cfg.Connections) != 1 || cfg.Connections[0].ID != keep {
		t.Fatalf("config %+v", cfg.Connections)
	}
	if s, _ := e.opts.Store.LoadState(); !reflect.DeepEqual(s.Connections[id], store.ConnState{}) {
		t.Fatal("state entry left behind")
	}
	for _, k := range e.vault.Keys() {
		if strings.HasPrefix(k, id+"/") {
			t.Fatalf("vault item %s left behind", k)
		}
	}
	if len(e.vault.Keys()) != 3 {
		t.Fatalf("the other connection's items were touched: %v", e.vault.Keys())
	}
}

func TestDisconnectWithoutKeychainChangesNothing(t *testing.T) {
	e := newEnv(t)
	e.connect("Bakkerij")
	e.vault.SetErr(vault.ErrUnavailable)
	err := Disconnect(context.Background(), e.opts, "Bakkerij")
	if err == nil || !strings.Contains(err.Error(), "keychain") {
		t.Fatalf("err = %v", err)
	}
	e.show(err.Error())
	cfg, _ := e.opts.Store.LoadConfig()
	if len(cfg.Connections) != 1 {
		t.Fatal("the connection was removed although its secrets stayed")
	}
}

func TestOneShotUnreachable(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	e.clock.Advance(11 * time.Minute)
	e.srv.Close()
	_, err := Token(e.deadline(), e.opts, "Bakkerij")
	if err == nil || err.Error() != "Bakkerij: Exact Online is not reachable (connection refused); will retry at 09:13" {
		t.Fatalf("err = %v", err)
	}
	e.show(err.Error())
	if st := e.state(id); st.Status != StatusFailing || st.Failures != 1 || !st.FailingSince.Equal(e.clock.Now()) {
		t.Fatalf("state %+v", st)
	}
	if rt, _ := StoredRefreshToken(e.vault, id); rt != e.exact.currentRT() {
		t.Fatal("the stored refresh token changed after a transient failure")
	}
}

func TestOneShotKeychainTrouble(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(e *env, id string)
		status string
		want   error
	}{
		{"refresh token missing", func(e *env, id string) { _ = e.vault.Delete(vault.ChainKey(id)) }, StatusNeedsReconnect, ErrNeedsReconnect},
		// A locked keychain is this PC's trouble, not Exact's: the state
		// every process shares is left alone.
		{"keychain locked", func(e *env, id string) { e.vault.SetErr(vault.ErrUnavailable) }, StatusOK, vault.ErrUnavailable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			id := e.connect("Bakkerij")
			e.clock.Advance(11 * time.Minute)
			tc.break_(e, id)
			_, err := Token(e.deadline(), e.opts, "Bakkerij")
			if err == nil || !strings.HasPrefix(err.Error(), "Bakkerij") || !strings.Contains(err.Error(), "keychain") {
				t.Fatalf("err = %v", err)
			}
			if tc.want == ErrNeedsReconnect && !errors.Is(err, ErrNeedsReconnect) {
				t.Fatalf("err = %v, want ErrNeedsReconnect", err)
			}
			e.show(err.Error())
			if st := e.state(id); st.Status != tc.status {
				t.Fatalf("state %+v", st)
			}
			if n, _ := e.exact.counts(); n != 0 {
				t.Fatalf("%d refresh calls without a refresh token", n)
			}
		})
	}
}
