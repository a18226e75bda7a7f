package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exactsim"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

// The app and user every scenario registers.
const (
	simClientID  = "5e1f0c2a-7d3b-4c9e-8a61-2f4b6d8e0a13"
	simSecret    = "reliability-secret-7c2e"
	simUser      = "jan"
	simPassword  = "geheim"
	simRedirect  = "http://127.0.0.1:8765/callback"
	keyringName  = "exactkeeper" // the service the programs store secrets under
	keyringLimit = 10 * time.Second
)

func simConfig(now func() time.Time) exactsim.Config {
	return exactsim.Config{
		// Exact's own rules, strictest reading: 10-minute access tokens,
		// 30 days idle, 200 calls a day, 10 errors an hour then an hour's
		// block, no grace for the previous refresh token.
		AccessLifetime:   10 * time.Minute,
		RefreshIdle:      720 * time.Hour,
		CodeLifetime:     24 * time.Hour, // the harness logs in itself; not measured
		DailyLimit:       200,
		HourlyErrorLimit: 10,
		BlockFor:         time.Hour,
		Now:              now,
		Apps:             []exactsim.App{{ClientID: simClientID, ClientSecret: simSecret, RedirectURIs: []string{simRedirect}}},
		Users: []exactsim.User{{UserID: "6a0c3f1e-0000-4000-8000-00000000e1e1", UserName: simUser, Password: simPassword,
			FullName: "Jan de Vries", Email: "jan@example.com", Company: "Bakkerij De Jong", Division: 1234567, LanguageCode: "nl-NL"}},
	}
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// busyVault is the real keychain, with the scenario clock held at its
// active rate during each call (a keychain call takes real time).
type busyVault struct {
	v     vault.Vault
	clock *simClock
	mu    sync.Mutex
	errs  int
}

func (b *busyVault) note(err error) {
	if err != nil && !errors.Is(err, vault.ErrNotFound) {
		b.mu.Lock()
		b.errs++
		b.mu.Unlock()
	}
}

func (b *busyVault) Get(k string) (string, error) {
	defer b.clock.Busy()()
	s, err := b.v.Get(k)
	b.note(err)
	return s, err
}

func (b *busyVault) Set(k, v string) error {
	defer b.clock.Busy()()
	err := b.v.Set(k, v)
	b.note(err)
	return err
}

func (b *busyVault) Delete(k string) error {
	defer b.clock.Busy()()
	err := b.v.Delete(k)
	b.note(err)
	return err
}

// scenario is one in-process keeper (core/keeper, as `exactkeeperctl run`
// and the tray run it) with the real keychain, its own configuration
// folder, and a simulator over real HTTP on 127.0.0.1, all on one scaled
// clock.
type scenario struct {
	name  string
	clock *simClock
	sim   *exactsim.Server
	front *front
	home  string
	st    *store.Store
	raw   vault.Vault
	vault *busyVault
	log   *syncBuffer
	conn  store.Connection

	k     *keeper.Keeper
	stopK context.CancelFunc
	kdone chan error

	mu         sync.Mutex
	reconnects int // events that said needs-reconnect
	statuses   []string
	cons       []consumed
	stopCons   context.CancelFunc
	consDone   chan struct{}
}

// consumed is one token a program asked the keeper for.
type consumed struct {
	at       time.Time // Exact's time
	ok       bool      // the keeper gave a token
	accepted bool      // and Exact accepted it (current/Me)
	err      string
}

// connectedScenario is a scenario with one connection made and the keeper
// running: where every in-process row starts. t0 is Exact's time after the
// login. On an error the scenario is already closed.
func connectedScenario(name string, origin time.Time, idle, active float64) (*scenario, time.Time, error) {
	s, err := newScenario(name, origin, idle, active, nil)
	if err != nil {
		return nil, time.Time{}, err
	}
	if err := s.connect("Bakkerij De Jong"); err != nil {
		s.close()
		return nil, time.Time{}, err
	}
	t0 := s.clock.True()
	if err := s.startKeeper(); err != nil {
		s.close()
		return nil, time.Time{}, err
	}
	return s, t0, nil
}

func newScenario(name string, origin time.Time, idle, active float64, mod func(*exactsim.Config)) (*scenario, error) {
	clock := newSimClock(origin, idle, active)
	cfg := simConfig(clock.True)
	if mod != nil {
		mod(&cfg)
	}
	sim := exactsim.New(cfg)
	f, err := newFront(sim, clock.True, clock)
	if err != nil {
		clock.Close()
		return nil, err
	}
	home, err := os.MkdirTemp("", "ekr")
	if err != nil {
		return nil, err
	}
	st, err := store.Open(home)
	if err != nil {
		return nil, err
	}
	raw := vault.NewKeyring(keyringName, keyringLimit)
	return &scenario{name: name, clock: clock, sim: sim, front: f, home: home, st: st, raw: raw,
		vault: &busyVault{v: raw, clock: clock}, log: &syncBuffer{}}, nil
}

func (s *scenario) options() keeper.Options {
	return keeper.Options{
		Store:  s.st,
		Vault:  s.vault,
		Clock:  s.clock,
		Logger: slog.New(slog.NewTextHandler(s.log, nil)),
	}
}

// connect logs in (the simulator issues a code as after a browser login)
// and saves the connection the way `exactkeeperctl connect` does.
func (s *scenario) connect(name string) error {
	code, err := s.sim.IssueCode(simClientID, simRedirect, simUser, "")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := keeper.Complete(ctx, s.options(), keeper.ConnectRequest{
		Name: name, BaseURL: s.front.URL(), ClientID: simClientID, ClientSecret: simSecret, RedirectURI: simRedirect,
	}, code, "")
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	s.conn = conn
	return nil
}

// startKeeper runs a keeper until stopKeeper.
func (s *scenario) startKeeper() error {
	k, err := keeper.New(s.options())
	if err != nil {
		return err
	}
	events, unsub := k.Subscribe(256)
	ctx, cancel := context.WithCancel(context.Background())
	s.k, s.stopK, s.kdone = k, cancel, make(chan error, 1)
	go func() {
		defer unsub()
		for ev := range events {
			s.mu.Lock()
			if ev.Status == keeper.StatusNeedsReconnect && ev.Kind == keeper.EventStateChanged {
				s.reconnects++
			}
			if n := len(s.statuses); n == 0 || s.statuses[n-1] != ev.Status {
				s.statuses = append(s.statuses, ev.Status)
			}
			s.mu.Unlock()
		}
	}()
	go func() { s.kdone <- k.Run(ctx) }()
	return nil
}

func (s *scenario) stopKeeper() {
	if s.stopK == nil {
		return
	}
	s.stopK()
	select {
	case <-s.kdone:
	case <-time.After(3 * time.Minute):
	}
	s.stopK, s.k = nil, nil
}

// consume asks the keeper for a token every interval of scenario time, as
// a script would, and checks each token with current/Me.
func (s *scenario) consume(every time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	s.stopCons, s.consDone = cancel, make(chan struct{})
	go func() {
		defer close(s.consDone)
		for ctx.Err() == nil {
			s.consumeOnce(ctx)
			select {
			case <-ctx.Done():
			case <-s.clock.After(every):
			}
		}
	}()
}

func (s *scenario) consumeOnce(ctx context.Context) consumed {
	k := s.k
	c := consumed{at: s.clock.True()}
	if k == nil {
		c.err = "no keeper"
	} else {
		tctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		tok, err := k.Token(tctx, s.conn.ID)
		cancel()
		if err != nil {
			c.err = err.Error()
		} else {
			c.ok = true
			c.accepted = s.meAccepts(tok.AccessToken)
		}
	}
	if ctx.Err() == nil {
		s.mu.Lock()
		s.cons = append(s.cons, c)
		s.mu.Unlock()
	}
	return c
}

func (s *scenario) stopConsuming() {
	if s.stopCons != nil {
		s.stopCons()
		<-s.consDone
		s.stopCons = nil
	}
}

// meAccepts asks Exact whether an access token works.
func (s *scenario) meAccepts(token string) bool {
	req, _ := http.NewRequest(http.MethodGet, s.front.URL()+"/api/v1/current/Me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func (s *scenario) consumedBetween(from, to time.Time) []consumed {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []consumed
	for _, c := range s.cons {
		if !c.at.Before(from) && c.at.Before(to) {
			out = append(out, c)
		}
	}
	return out
}

// chain tells what Exact thinks of the refresh token in the keychain. It
// reads through a vault of its own: the keeper's may be stuck in a call.
func (s *scenario) chain() string {
	rt, err := keeper.StoredRefreshToken(vault.NewKeyring(keyringName, keyringLimit), s.conn.ID)
	if err != nil {
		return "unreadable (" + err.Error() + ")"
	}
	return s.sim.RefreshTokenState(rt)
}

// status is the keeper's view of the connection.
func (s *scenario) status() keeper.ConnStatus {
	if s.k == nil {
		return keeper.ConnStatus{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	list, err := s.k.Status(ctx)
	if err != nil || len(list) == 0 {
		return keeper.ConnStatus{Status: "unknown", LastError: fmt.Sprint(err)}
	}
	return list[0]
}

func (s *scenario) close() {
	s.stopConsuming()
	s.stopKeeper()
	if s.conn.ID != "" {
		fresh := vault.NewKeyring(keyringName, keyringLimit)
		for _, k := range []string{vault.ChainKey(s.conn.ID), vault.RefreshTokenKey(s.conn.ID), vault.ClientSecretKey(s.conn.ID), vault.AccessTokenKey(s.conn.ID)} {
			_ = fresh.Delete(k)
		}
	}
	s.front.close()
	s.clock.Close()
	_ = os.RemoveAll(s.home)
}

// waitTrue waits until Exact's time reaches t, or the real deadline.
func (s *scenario) waitTrue(t time.Time) {
	s.clock.SleepUntil(t)
}
