// Package ipc is the local endpoint through which the CLI, the dashboard
// process and other local programs talk to the running keeper: HTTP/1.1 with
// JSON bodies over a unix socket (a named pipe on Windows) that only the same
// OS user can reach. Errors cross the endpoint with their kind, so
// errors.Is(err, keeper.ErrNeedsReconnect) holds on the client side too. A
// refresh token never crosses it.
package ipc

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/gateway"
	"github.com/exactkeeper/exactkeeper/core/keeper"
)

// Gateway is the API gateway of the running keeper; *gateway.Runner
// implements it. Through the endpoint, the CLI switches it (Apply after a
// change of config.json), reads its state and counters, and sends API
// calls through its pacing whether or not its listener is on.
type Gateway interface {
	Apply(ctx context.Context) gateway.Status
	Status() gateway.Status
	Internal() http.Handler
}

// Backend is what the server exposes; *keeper.Keeper implements it.
type Backend interface {
	Token(ctx context.Context, conn string) (exact.Token, error)
	Refresh(ctx context.Context, conn string) error
	Status(ctx context.Context) ([]keeper.ConnStatus, error)
	Reload(ctx context.Context) error
	// Subscribe returns a stream of events and a func that ends the
	// subscription; buf is the channel's buffer.
	Subscribe(buf int) (<-chan keeper.Event, func())
}

var (
	// ErrNoKeeper means no keeper is running for this user: nothing listens
	// on the endpoint, or only a stale socket is left.
	ErrNoKeeper = errors.New("no Exact Keeper is running for this user; start Exact Keeper or run 'exactkeeperctl run'")
	// ErrAlreadyRunning means Listen found a keeper that answers.
	ErrAlreadyRunning = errors.New("another Exact Keeper is already running for this user")
	// ErrBusy means the keeper refused a connection or an event stream
	// because it already serves as many as it allows; the error's text says
	// which.
	ErrBusy = errors.New("the running keeper is serving as many programs as it allows")
)

// Error kinds on the wire; they map back to the keeper's sentinel errors.
const (
	kindNeedsReconnect = "needs_reconnect"
	kindUnknown        = "unknown"
	kindNoConnections  = "no_connections"
	kindWrongSecret    = "wrong_secret"
	kindBusy           = "busy"
	kindOther          = "other"
	kindNoGateway      = "no_gateway"
)

// errNoGateway: the keeper runs without a gateway (an older one, or one
// started without it).
var errNoGateway = errors.New("the running keeper cannot pass on API calls; restart it with this version of Exact Keeper")

// wireError is the body of every non-2xx answer.
type wireError struct {
	Error string `json:"error"`
	Kind  string `json:"kind"`
}

type refreshRequest struct {
	Conn string `json:"conn"`
}

type pingResponse struct {
	Version string `json:"version"`
}

// Limits and timeouts. A refresh may wait on Exact (30 s HTTP timeout, one
// retry) and on the keychain, so write timeouts are generous; the events
// stream sets its own per-write deadline instead.
const (
	maxRequestBody    = 4 << 10
	maxResponseBody   = 1 << 20
	maxEventLine      = 64 << 10
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 2 * time.Minute
	idleTimeout       = time.Minute
	eventWriteTimeout = 10 * time.Second
	shutdownTimeout   = 5 * time.Second
	eventBuffer       = 16
	// refuseTimeout bounds the answer to a connection past MaxConns.
	refuseTimeout = 2 * time.Second
	// maxRefusing bounds the connections being answered "busy" at once;
	// past it a connection is closed without an answer.
	maxRefusing = 8
)

// Default limits. An event stream is one open connection holding a few tens
// of kilobytes (5,000 of them took a keeper to 166 MB); a dashboard, a tray
// and a handful of scripts use a few of each, so these leave ample room for
// real use while keeping a runaway client from growing the keeper without
// bound.
const (
	DefaultMaxEventStreams = 64
	DefaultMaxConns        = 128
)

// Server serves a Backend on a listener from Listen.
type Server struct {
	Backend Backend
	// OnActivate is called when a second start of the app asks the running
	// one to show its dashboard. It must return quickly. nil means the
	// keeper has nothing to show (a headless keeper), and Activate fails.
	OnActivate func()
	// OnOpen shows the dashboard at a subject (the dashboard's --focus),
	// for a second start given an exactkeeper: link (Client.Open). nil:
	// such a start is a plain activation. It must return quickly.
	OnOpen func(focus string)
	// Version is reported by ping, so clients can tell what they talk to.
	Version string
	// MaxEventStreams caps the event streams served at once (0 means
	// DefaultMaxEventStreams); one more is refused with ErrBusy.
	MaxEventStreams int
	// Gateway is the keeper's API gateway; nil when it has none.
	Gateway Gateway
	// MaxConns caps the connections open at once, event streams included
	// (0 means DefaultMaxConns); one more is answered with ErrBusy and
	// closed. Set both before Serve.
	MaxConns int

	mu      sync.Mutex
	streams int // event streams being served

	// connClosed, when set (by tests), runs after a counted connection
	// closed and gave back its place.
	connClosed func()
}

func (s *Server) maxEventStreams() int {
	if s.MaxEventStreams > 0 {
		return s.MaxEventStreams
	}
	return DefaultMaxEventStreams
}

func (s *Server) maxConns() int {
	if s.MaxConns > 0 {
		return s.MaxConns
	}
	return DefaultMaxConns
}

// takeStream reserves a place for one more event stream, or reports that
// none is left.
func (s *Server) takeStream() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.streams >= s.maxEventStreams() {
		return false
	}
	s.streams++
	return true
}

func (s *Server) releaseStream() {
	s.mu.Lock()
	s.streams--
	s.mu.Unlock()
}

// Serve answers requests on l until ctx ends, then stops the server (event
// streams end, so their clients see their channels closed) and closes l. It
// returns nil after ctx ended and the listener's error otherwise.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    16 << 10,
		// Request contexts derive from ctx, so ending ctx also ends the
		// event streams, which Shutdown would otherwise wait for.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(s.limit(l)) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
	}
	<-errc
	return nil
}

func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/ping", s.ping)
	mux.HandleFunc("GET /v1/token", s.token)
	mux.HandleFunc("POST /v1/refresh", s.refresh)
	mux.HandleFunc("GET /v1/status", s.status)
	mux.HandleFunc("POST /v1/reload", s.reload)
	mux.HandleFunc("POST /v1/activate", s.activate)
	mux.HandleFunc("GET /v1/events", s.events)
	mux.HandleFunc("GET /v1/gateway", s.gatewayStatus)
	mux.HandleFunc("POST /v1/gateway/apply", s.gatewayApply)
	mux.HandleFunc("/v1/exact/", s.exactAPI)
	return mux
}

func (s *Server) ping(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, pingResponse{Version: s.Version})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	tok, err := s.Backend.Token(r.Context(), r.URL.Query().Get("conn"))
	if err != nil {
		writeError(w, err)
		return
	}
	// The refresh token is json:"-" already; clearing it as well keeps it out
	// even if that tag is ever changed.
	tok.RefreshToken = ""
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, tok)
}

func (s *Server) refresh(w http.ResponseWriter, r *http.Request) {
	var req refreshRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBody)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, wireError{
			Error: "the refresh request was not valid JSON of the form {\"conn\":\"name\"}",
			Kind:  kindOther,
		})
		return
	}
	if err := s.Backend.Refresh(r.Context(), req.Conn); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	st, err := s.Backend.Status(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	if st == nil {
		st = []keeper.ConnStatus{}
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) reload(w http.ResponseWriter, r *http.Request) {
	if err := s.Backend.Reload(r.Context()); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

func (s *Server) activate(w http.ResponseWriter, r *http.Request) {
	if s.OnActivate == nil {
		writeJSON(w, http.StatusNotImplemented, wireError{
			Error: "the running keeper has no dashboard to show because it runs without a desktop",
			Kind:  kindOther,
		})
		return
	}
	// An empty or unreadable body (older clients) is a plain activation.
	var req openRequest
	_ = json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBody)).Decode(&req)
	if req.Focus != "" && s.OnOpen != nil {
		s.OnOpen(req.Focus)
	} else {
		s.OnActivate()
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	if !s.takeStream() {
		writeJSON(w, http.StatusServiceUnavailable, wireError{Error: streamsBusy(s.maxEventStreams()), Kind: kindBusy})
		return
	}
	ch, unsubscribe := s.Backend.Subscribe(eventBuffer)
	defer unsubscribe()
	// Deferred after unsubscribe, so it runs first: once the backend sees
	// the subscription end, the place is free again.
	defer s.releaseStream()
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	// Flushing the header tells the client the subscription is in place.
	if err := rc.Flush(); err != nil {
		return
	}
	enc := json.NewEncoder(w)
	for {
		select {
		case <-r.Context().Done():
			return
		case ev, ok := <-ch:
			if !ok {
				return
			}
			// A stream lives longer than writeTimeout; each write gets its
			// own deadline so a reader that stopped reading is dropped.
			_ = rc.SetWriteDeadline(time.Now().Add(eventWriteTimeout))
			if enc.Encode(ev) != nil || rc.Flush() != nil {
				return
			}
		}
	}
}

func (s *Server) noGateway(w http.ResponseWriter) bool {
	if s.Gateway != nil {
		return false
	}
	writeJSON(w, http.StatusNotImplemented, wireError{Error: errNoGateway.Error(), Kind: kindNoGateway})
	return true
}

func (s *Server) gatewayStatus(w http.ResponseWriter, r *http.Request) {
	if !s.noGateway(w) {
		writeJSON(w, http.StatusOK, s.Gateway.Status())
	}
}

func (s *Server) gatewayApply(w http.ResponseWriter, r *http.Request) {
	if !s.noGateway(w) {
		writeJSON(w, http.StatusOK, s.Gateway.Apply(r.Context()))
	}
}

// exactAPI passes /v1/exact/<gateway path> to the gateway: Exact's answer
// comes back as it is, status and body, so callers read it as Exact's.
func (s *Server) exactAPI(w http.ResponseWriter, r *http.Request) {
	if s.noGateway(w) {
		return
	}
	// The proxied request may wait for its turn in Exact's minute.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(gateway.DefaultMaxWait + writeTimeout))
	http.StripPrefix("/v1/exact", s.Gateway.Internal()).ServeHTTP(w, r)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError sends a backend error with its kind. The backend's messages are
// plain sentences without secrets (the keeper's contract), so they travel as
// they are.
func writeError(w http.ResponseWriter, err error) {
	kind, code := kindOther, http.StatusInternalServerError
	switch {
	case errors.Is(err, keeper.ErrNeedsReconnect):
		kind, code = kindNeedsReconnect, http.StatusConflict
	case errors.Is(err, keeper.ErrUnknown):
		kind, code = kindUnknown, http.StatusNotFound
	case errors.Is(err, keeper.ErrNoConnections):
		kind, code = kindNoConnections, http.StatusNotFound
	case errors.Is(err, keeper.ErrWrongSecret):
		kind, code = kindWrongSecret, http.StatusConflict
	}
	writeJSON(w, code, wireError{Error: err.Error(), Kind: kind})
}
