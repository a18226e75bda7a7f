package gateway

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"net/http"
	"os/user"
	"strconv"
	"sync"
	"time"

	"github.com/exactkeeper/exactkeeper/core/store"
)

// Status is the gateway's state as the CLI and the dashboard show it.
type Status struct {
	Enabled bool       `json:"enabled"`
	Running bool       `json:"running"`
	Addr    string     `json:"addr,omitempty"`  // where it listens (or would)
	Error   string     `json:"error,omitempty"` // why it does not run although enabled
	Keys    []KeyStats `json:"keys"`
}

// Runner starts and stops the gateway's listener as config.json says; the
// keeper calls Apply at start and whenever the configuration changed.
type Runner struct {
	G *Gateway

	mu   sync.Mutex
	srv  *http.Server
	addr string
	err  error
	done chan struct{}
}

// DefaultAddr is the per-user default address: on a host shared by several
// users (a terminal server) each user's gateway has a port of its own,
// derived from the user's ID, between 41000 and 48999.
func DefaultAddr() string {
	id := "user"
	if u, err := user.Current(); err == nil {
		id = u.Uid + "/" + u.Username
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return "127.0.0.1:" + strconv.Itoa(41000+int(h.Sum32()%8000))
}

// CheckAddr accepts only 127.0.0.1 or localhost with a port (0: any free one).
func CheckAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not an address such as 127.0.0.1:41234", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q has no port number such as 41234", addr)
	}
	// Only the two names the Host check accepts (Handler): a program
	// reaching [::1] or 127.0.0.2 would be refused anyway.
	if host != "127.0.0.1" && host != "localhost" {
		return fmt.Errorf("the gateway listens on this computer only (127.0.0.1), not on %q", host)
	}
	return nil
}

// Addr is the configured address, or the default.
func Addr(g store.Gateway) string {
	if g.Addr != "" {
		return g.Addr
	}
	return DefaultAddr()
}

// Apply reads the configuration and starts, moves or stops the listener.
func (r *Runner) Apply(ctx context.Context) Status {
	cfg, err := r.G.o.Config()
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.err = err
		return r.statusLocked(store.Gateway{Enabled: r.srv != nil})
	}
	want := cfg.Settings.Gateway
	addr := Addr(want)
	if r.srv != nil && (!want.Enabled || addr != r.addr) {
		r.stopLocked()
	}
	r.err = nil
	if want.Enabled && r.srv == nil {
		r.err = r.startLocked(ctx, addr)
	}
	return r.statusLocked(want)
}

func (r *Runner) startLocked(ctx context.Context, addr string) error {
	if err := CheckAddr(addr); err != nil {
		return err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s (%v); choose another port with 'exactkeeperctl gateway on --addr 127.0.0.1:PORT'", addr, err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	srv := &http.Server{
		Handler:           r.G.Handler(port),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    32 << 10,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		// The gateway logs no bodies and no keys; the server's own errors
		// (bad TLS handshakes, broken connections) are noise.
		ErrorLog: nil,
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	r.srv, r.addr, r.done = srv, l.Addr().String(), done
	r.G.o.Logger.Info("API gateway listening", "addr", r.addr)
	return nil
}

func (r *Runner) stopLocked() {
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.srv.Shutdown(sctx); err != nil {
		_ = r.srv.Close()
	}
	<-r.done
	r.G.o.Logger.Info("API gateway stopped", "addr", r.addr)
	r.srv, r.addr = nil, ""
}

// Close stops the listener.
func (r *Runner) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.srv != nil {
		r.stopLocked()
	}
}

// Status reports the state without changing it.
func (r *Runner) Status() Status {
	var g store.Gateway
	if cfg, err := r.G.o.Config(); err == nil {
		g = cfg.Settings.Gateway
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.statusLocked(g)
}

func (r *Runner) statusLocked(g store.Gateway) Status {
	s := Status{Enabled: g.Enabled, Running: r.srv != nil, Addr: Addr(g), Keys: r.G.Stats()}
	if r.srv != nil {
		s.Addr = r.addr
	}
	if r.err != nil {
		s.Error = r.err.Error()
	}
	return s
}

// Internal is the gateway's handler for the IPC endpoint.
func (r *Runner) Internal() http.Handler { return r.G.Internal() }

// ForKeeper is the gateway of a running keeper: tokens from the keeper,
// keys and connections from st's config.json, read on every request.
// Call Apply once the keeper runs, and again whenever config.json changed.
func ForKeeper(st *store.Store, tokens Tokens, logger *slog.Logger) *Runner {
	return &Runner{G: New(Options{Tokens: tokens, Config: st.LoadConfig, Logger: logger})}
}
