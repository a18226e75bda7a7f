package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exactsim"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

const redirect = "http://127.0.0.1:8765/callback"

// call is one token-endpoint call the simulator answered.
type call struct {
	at      time.Time
	conn    int // global connection number, -1 when unknown
	refresh bool
	status  int
}

// simulator is an in-process Exact Online simulator over real HTTP on
// 127.0.0.1 that records every token call and which connection made it:
// codes and refresh tokens are traced back to the connection whose login
// they came from.
type simulator struct {
	sim *exactsim.Server
	srv *httptest.Server

	mu    sync.Mutex
	owner map[string]int // code or refresh token → connection number
	calls []call
	next  int // connections made so far
}

func newSimulator(cfg exactsim.Config) *simulator {
	s := &simulator{sim: exactsim.New(cfg), owner: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

func (s *simulator) close() { s.srv.Close() }

// serve passes everything to the simulator and notes who called the
// token endpoint.
func (s *simulator) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/oauth2/token" || r.Method != http.MethodPost {
		s.sim.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	r.Body = io.NopCloser(bytes.NewReader(body))
	form, _ := url.ParseQuery(string(body))
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	s.sim.ServeHTTP(rec, r)
	var reply struct {
		RT string `json:"refresh_token"`
	}
	_ = json.Unmarshal(rec.body.Bytes(), &reply)
	s.mu.Lock()
	defer s.mu.Unlock()
	c := call{at: time.Now(), conn: -1, refresh: form.Get("grant_type") == "refresh_token", status: rec.status}
	if n, ok := s.owner[form.Get("code")]; ok && !c.refresh {
		c.conn = n
	}
	if n, ok := s.owner[form.Get("refresh_token")]; ok && c.refresh {
		c.conn = n
	}
	if reply.RT != "" && c.conn >= 0 {
		s.owner[reply.RT] = c.conn
	}
	s.calls = append(s.calls, c)
}

type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) { r.status = code; r.ResponseWriter.WriteHeader(code) }
func (r *recorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

// callsSince returns the calls at or after t.
func (s *simulator) callsSince(t time.Time) []call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []call
	for _, c := range s.calls {
		if !c.at.Before(t) {
			out = append(out, c)
		}
	}
	return out
}

// home is a configuration folder with connections made through the
// simulator, the way a user's PC has them.
type home struct {
	dir   string
	first int      // global number of its first connection
	names []string // connection names, in order
	ids   []string
}

// seed makes n connections in a new folder under parent: a simulator user
// each, logged in through the simulator's code and keeper.Complete, the
// code path of a real login, so the config, state and keychain items
// (vault.ChainKey) are laid out as the keeper itself writes them.
func (s *simulator) seed(ctx context.Context, parent, label string, n int, refreshLifetime time.Duration) (*home, error) {
	dir := filepath.Join(parent, label)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	st, err := store.Open(dir)
	if err != nil {
		return nil, err
	}
	h := &home{dir: dir}
	v := vault.NewKeyring("exactkeeper", 30*time.Second)
	s.mu.Lock()
	h.first = s.next
	s.next += n
	s.mu.Unlock()
	for i := range n {
		g := h.first + i
		user := fmt.Sprintf("user%04d", g)
		s.sim.AddUser(exactsim.User{UserName: user, Password: user, FullName: fmt.Sprintf("Gebruiker %d", g),
			Company: fmt.Sprintf("Klant %04d BV", g), Division: 100000 + g, LanguageCode: "nl-NL"})
		code, err := s.sim.IssueCode(exactsim.DemoClientID, redirect, user, "")
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		s.owner[code] = g
		s.mu.Unlock()
		name := fmt.Sprintf("Klant %04d", g)
		conn, err := keeper.Complete(ctx, keeper.Options{Store: st, Vault: v}, keeper.ConnectRequest{
			Name: name, BaseURL: s.srv.URL, ClientID: exactsim.DemoClientID,
			ClientSecret: exactsim.DemoClientSecret, RedirectURI: redirect, RefreshLifetime: refreshLifetime}, code, "")
		if err != nil {
			return nil, fmt.Errorf("connection %d of %d: %w", i+1, n, err)
		}
		h.names = append(h.names, name)
		h.ids = append(h.ids, conn.ID)
		if (i+1)%100 == 0 {
			progress("  %d of %d", i+1, n)
		}
	}
	return h, nil
}

// forget removes the keychain items the seeding made, so that a run
// outside scripts/bench.sh leaves none behind on a desktop. In bench.sh's
// throwaway keyring it is skipped: with a thousand items each delete
// searches them all, and forgetting 1,102 connections took minutes.
func (h *home) forget() {
	if os.Getenv("EXACTKEEPER_BENCH_PRIVATE") == "1" {
		return
	}
	v := vault.NewKeyring("exactkeeper", 10*time.Second)
	for _, id := range h.ids {
		for _, k := range []string{vault.ChainKey(id), vault.RefreshTokenKey(id), vault.ClientSecretKey(id), vault.AccessTokenKey(id)} {
			_ = v.Delete(k)
		}
	}
}

func simConfig(access, refreshIdle time.Duration) exactsim.Config {
	cfg := exactsim.DemoConfig()
	cfg.Users = nil
	cfg.AccessLifetime = access
	cfg.RefreshIdle = refreshIdle
	// The bench checks Exact's daily budget per simulated day itself; the
	// simulator's is per UTC day of the wall clock.
	cfg.DailyLimit = 1 << 30
	return cfg
}
