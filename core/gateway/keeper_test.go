package gateway

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exactsim"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

// TestTokenExpiresMidStream runs the real keeper against the simulator,
// all on one fake clock: a program reads through the gateway while the
// access token runs out, and the keeper's refresh happens between two
// requests, so none fails and Exact never sees an expired token.
func TestTokenExpiresMidStream(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)}
	var k *keeper.Keeper
	w := newWorld(t, func(c *exactsim.Config) { c.Now = clock.Now }, func(w *world) Tokens {
		st, err := store.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		o := keeper.Options{Store: st, Vault: vault.NewMemory(), Clock: clock, LockDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)}
		code, err := w.sim.IssueCode(exactsim.DemoClientID, testRedirect, exactsim.DemoUserName, "")
		if err != nil {
			t.Fatal(err)
		}
		conn, err := keeper.Complete(context.Background(), o, keeper.ConnectRequest{
			Name: "Bakkerij", BaseURL: w.simS.URL, ClientID: exactsim.DemoClientID,
			ClientSecret: exactsim.DemoClientSecret, RedirectURI: testRedirect,
		}, code, "")
		if err != nil {
			t.Fatal(err)
		}
		w.cfg.cfg.Connections[0].ID = conn.ID
		if k, err = keeper.New(o); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- k.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		return k
	}, func(o *Options) { o.Clock = clock })
	key := w.cfg.addKey(t, "powerbi")
	path := "/api/v1/1234567/financialtransaction/TransactionLines?$top=3"
	for i := range 12 {
		if a := w.call("GET", path, key, nil); a.status != 200 {
			t.Fatalf("request %d at %s: %d %s", i, clock.Now().Format("15:04:05"), a.status, a.raw)
		}
		clock.Advance(time.Minute) // ten minutes is a token's life
	}
	st := w.sim.Stats()
	if st.Refreshes < 1 {
		t.Fatalf("no refresh in 12 minutes: %+v", st)
	}
	if st.MeUnauthorized != 0 || st.APIRateLimited != 0 || st.TooEarly != 0 {
		t.Fatalf("Exact refused something: %+v", st)
	}
}
