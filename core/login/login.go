// Package login runs the browser half of Exact Online's OAuth
// authorization-code flow, up to the moment the app holds an authorization
// code: either a listener on this PC catches the browser's redirect
// (http://127.0.0.1:PORT/… or https://localhost:PORT/… with a local
// certificate), or the owner pastes the address the browser landed on.
//
// Exchanging the code for tokens is core/exact's job; this package only
// needs a function that builds the authorize URL, so it stays free of
// Exact's endpoint details. The code, the state and the PKCE verifier never
// appear in an error or a log line.
package login

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pkg/browser"
	"golang.org/x/oauth2"
)

// DefaultTimeout is how long a login waits for the browser when
// Params.Timeout is zero. Exact's authorization code lives about three
// minutes, and the owner may first have to find their password.
const DefaultTimeout = 5 * time.Minute

// The kinds of failure; the errors returned wrap one of these, so callers can
// use errors.Is while the user reads a full sentence.
var (
	// ErrStateMismatch: the answer carries no state or another login's state.
	ErrStateMismatch = errors.New("the answer from the browser does not belong to this login")
	// ErrDenied: Exact Online answered with an error, usually access_denied.
	ErrDenied = errors.New("access was not granted by Exact Online")
	// ErrNoCode: the answer has the right state but no authorization code.
	ErrNoCode = errors.New("the answer from Exact Online holds no login code")
	// ErrNotRedirect: a pasted address is not the registered redirect URI.
	ErrNotRedirect = errors.New("this is not the address Exact Online sent you to")
	// ErrFinished: the session already ended (answered, timed out or closed).
	ErrFinished = errors.New("this login has already finished")
	// ErrTimeout: no answer arrived within Params.Timeout.
	ErrTimeout = errors.New("the login took too long")
	// ErrCancelled: the context ended or the session was closed first.
	ErrCancelled = errors.New("the login was cancelled")
	// ErrPortInUse: another program listens on the redirect URI's port.
	ErrPortInUse = errors.New("the port of the redirect URI is in use")
	// ErrOpenBrowser: the Opener failed; the caller should show Session.URL.
	ErrOpenBrowser = errors.New("the web browser could not be opened")
)

// userError is a sentence for the user that still matches its kind (and
// cause) with errors.Is, without printing the cause, which may hold details
// the user cannot act on.
type userError struct {
	msg  string
	kind error
}

func (e *userError) Error() string   { return e.msg }
func (e *userError) Unwrap() []error { return []error{e.kind} }

func sentence(kind error, format string, args ...any) error {
	return &userError{msg: fmt.Sprintf(format, args...), kind: kind}
}

// Opener opens an address in the user's web browser.
type Opener interface{ Open(url string) error }

// BrowserOpener opens addresses with the system's default browser.
type BrowserOpener struct{}

var silenceBrowser sync.Once

// Open opens url in the default browser. The helper program's own output
// is discarded: it would only clutter the CLI's stdout, which carries data.
func (BrowserOpener) Open(url string) error {
	silenceBrowser.Do(func() {
		browser.Stdout = io.Discard
		browser.Stderr = io.Discard
	})
	return browser.OpenURL(url)
}

// Params describes one login.
type Params struct {
	// RedirectURI is the redirect URI exactly as registered in Exact's App
	// Center. A loopback URI (see IsLoopback) gets a listener; any other
	// https URI works through Session.Paste only.
	RedirectURI string
	// AuthURL builds the authorize address for this login's state and PKCE
	// verifier (the caller derives the S256 challenge from the verifier).
	AuthURL func(state, verifier string) string
	// CertDir is where the self-signed certificate for an https loopback
	// URI is created once and kept (cert.pem and key.pem).
	CertDir string
	// Opener opens the browser; nil leaves that to the caller.
	Opener Opener
	// Timeout bounds the whole login; zero means DefaultTimeout.
	Timeout time.Duration
	// Lang is the language of the page the browser shows after the
	// callback: "nl" or "en" (the default).
	Lang string
}

// Result is what the token exchange needs. Its String method hides both
// values, so printing a Result by mistake leaks nothing.
type Result struct{ Code, Verifier string }

// String hides the code and the verifier.
func (r Result) String() string { return "login.Result{…}" }

// GoString hides the code and the verifier from %#v as well.
func (r Result) GoString() string { return r.String() }

// Session is one login in progress. It is safe for concurrent use: a UI can
// Wait in one goroutine while another calls Paste or Close.
type Session struct {
	redirect *url.URL
	path     string // the callback path, as cleanPath gives it
	lang     string
	state    string
	verifier string
	authURL  string
	openErr  error
	timeout  time.Duration

	srv    *http.Server // nil unless loopback
	addr   net.Addr     // where srv listens
	served chan struct{}

	timer   *time.Timer
	stopCtx func() bool

	relay bool

	mu      sync.Mutex
	final   *final        // how the exchange ended, once Finish was called
	finalCh chan struct{} // closed by Finish
	settled bool
	res     Result
	err     error

	done        chan struct{} // closed once res and err are final
	releaseOnce sync.Once
}

// Start begins a login: it makes a fresh state and PKCE verifier, starts
// the listener for a loopback redirect URI, and opens the browser through
// p.Opener. A failing Opener is not fatal: OpenError reports it and the
// caller shows URL instead. The session ends when an answer arrives, when
// ctx ends (ErrCancelled), after p.Timeout (ErrTimeout) or on Close; the
// caller must always Close it.
func Start(ctx context.Context, p Params) (*Session, error) {
	if err := ValidateRedirectURI(p.RedirectURI); err != nil {
		return nil, err
	}
	if p.AuthURL == nil {
		return nil, errors.New("the login has no way to build the Exact Online address; this is a bug in Exact Keeper, please report it")
	}
	if ctx.Err() != nil {
		return nil, sentence(ErrCancelled, "the login was cancelled")
	}
	uri := strings.TrimSpace(p.RedirectURI)
	redirect, _ := url.Parse(uri) // ValidateRedirectURI parsed it already
	state, err := randomToken()
	if err != nil {
		return nil, err
	}
	s := &Session{
		redirect: redirect,
		path:     cleanPath(redirect.Path),
		lang:     lang(p.Lang),
		state:    state,
		verifier: oauth2.GenerateVerifier(),
		timeout:  p.Timeout,
		done:     make(chan struct{}),
	}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	s.authURL = p.AuthURL(s.state, s.verifier)

	var ln net.Listener
	if IsLoopback(uri) {
		if ln, err = s.listen(p.CertDir); err != nil {
			return nil, err
		}
	}
	// A hook that fires at once blocks in settle until mu is released, so
	// release always finds the timer, the context hook and the server set.
	s.mu.Lock()
	if ln != nil {
		s.newServer()
	}
	s.timer = time.AfterFunc(s.timeout, func() {
		s.finish(Result{}, sentence(ErrTimeout, "no answer came from the browser within %s; start the login again", humanDuration(s.timeout)))
	})
	s.stopCtx = context.AfterFunc(ctx, func() {
		s.finish(Result{}, sentence(ErrCancelled, "the login was cancelled"))
	})
	s.mu.Unlock()
	if ln != nil {
		go func() {
			defer close(s.served)
			// Serve closes ln and returns ErrServerClosed once release or
			// Close shuts the server, even if that happened before this line.
			_ = s.srv.Serve(ln)
		}()
	}
	if p.Opener != nil {
		if err := p.Opener.Open(s.authURL); err != nil {
			s.openErr = &userError{
				msg:  "the web browser could not be opened; open the login address yourself",
				kind: errors.Join(ErrOpenBrowser, err),
			}
		}
	}
	return s, nil
}

// randomToken returns 32 random bytes, base64url encoded, for the state.
func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("this PC could not make a random login key (%v); try again", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// listen opens the loopback listener. It binds 127.0.0.1 even for
// "localhost": a listener on every interface would let anyone on the
// network hand this PC a login answer.
func (s *Session) listen(certDir string) (net.Listener, error) {
	port, _ := loopbackPort(s.redirect) // IsLoopback checked it
	var cfg *tls.Config
	if s.redirect.Scheme == "https" {
		cert, err := certificate(certDir, time.Now())
		if err != nil {
			return nil, err
		}
		cfg = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		if isAddrInUse(err) {
			return nil, &userError{
				msg:  fmt.Sprintf("port %s on this PC is already in use by another program; close it, or register a redirect URI with another port", port),
				kind: errors.Join(ErrPortInUse, err),
			}
		}
		return nil, fmt.Errorf("could not listen on port %s of this PC for the login (%v); register a redirect URI with another port", port, err)
	}
	s.addr = ln.Addr()
	if cfg != nil {
		ln = tls.NewListener(ln, cfg)
	}
	return ln, nil
}

func (s *Session) newServer() {
	s.srv = &http.Server{
		Handler:           http.HandlerFunc(s.serveHTTP),
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       30 * time.Second,
		// TLS handshake failures (a browser refusing the self-signed
		// certificate) would otherwise be logged to stderr.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	s.served = make(chan struct{})
}

// serveHTTP judges the first GET on the callback path and answers the
// browser with a page; anything else on other paths (the favicon) is a 404
// that leaves the login running.
func (s *Session) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if cleanPath(r.URL.Path) != s.path {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	a := s.judge(r.URL.Query(), false)
	settled := s.settle(a.res, a.err)
	if !settled {
		a = answer{outcome: outcomeFinished}
	}
	body := renderPage(s.lang, a.outcome, a.said)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// A known length lets the whole page leave with the flush below, before
	// release lets Wait return and the caller close the listener.
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer") // the address holds the code
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	h.Set("Connection", "close")
	status := http.StatusOK
	if a.outcome != outcomeOK {
		status = http.StatusBadRequest
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	if settled {
		s.release()
	}
}

// answer is a judged redirect: the result or error for the caller, and what
// the browser page says.
type answer struct {
	res     Result
	err     error
	outcome outcome
	said    string // Exact's error description, sanitised
}

// judge applies the OAuth rules to the query of a redirect. An error answer
// without any state is still reported as a refusal, not a mismatch: it
// carries nothing an attacker could use, and the owner who clicked "deny"
// should read why the login stopped.
func (s *Session) judge(q url.Values, pasted bool) answer {
	state, code, oerr := q.Get("state"), q.Get("code"), q.Get("error")
	again := "start the login again"
	if pasted {
		again = "copy the whole address from the browser's address bar after logging in"
	}
	if state == "" && code == "" && oerr == "" {
		return answer{outcome: outcomeNoCode, err: sentence(ErrNoCode, "the address holds no answer from Exact Online; %s", again)}
	}
	stateOK := state != "" && subtle.ConstantTimeCompare([]byte(state), []byte(s.state)) == 1
	if oerr != "" && (stateOK || state == "") {
		said := sanitize(oerr, 40)
		if d := sanitize(q.Get("error_description"), 200); d != "" {
			said += ": " + d
		}
		return answer{outcome: outcomeDenied, said: said,
			err: sentence(ErrDenied, "access was not granted by Exact Online (%s); start the login again and allow access when Exact Online asks", said)}
	}
	if !stateOK {
		return answer{outcome: outcomeStateMismatch,
			err: sentence(ErrStateMismatch, "the answer from the browser does not belong to this login; start the login again and finish it in the browser tab that it opens")}
	}
	if code == "" {
		return answer{outcome: outcomeNoCode, err: sentence(ErrNoCode, "the answer from Exact Online holds no login code; %s", again)}
	}
	return answer{outcome: outcomeOK, res: Result{Code: code, Verifier: s.verifier}}
}

// sanitize makes text from the address bar fit for an error sentence:
// one line, no control characters, bounded length.
func sanitize(s string, limit int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > limit {
		s = string([]rune(s)[:limit]) + "…"
	}
	return s
}

// settle records the outcome if none was recorded yet and reports whether
// this call did it. Waiters are woken separately by release, so the
// callback can finish its page first.
func (s *Session) settle(res Result, err error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.settled {
		return false
	}
	s.settled, s.res, s.err = true, res, err
	return true
}

func (s *Session) finish(res Result, err error) bool {
	if !s.settle(res, err) {
		return false
	}
	s.release()
	return true
}

// release wakes the waiters and lets go of the timer, the context hook and
// the port.
func (s *Session) release() {
	s.releaseOnce.Do(func() {
		close(s.done)
		s.timer.Stop()
		s.stopCtx()
		if s.srv != nil {
			// Shutdown closes the listener at once and lets a page that is
			// still being sent finish; it runs apart because release may
			// be called from inside a handler.
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				_ = s.srv.Shutdown(ctx)
			}()
		}
	})
}

// URL is the authorization address to open in the browser.
func (s *Session) URL() string { return s.authURL }

// Loopback reports whether a listener on this PC waits for the browser;
// otherwise the answer can only come through Paste.
func (s *Session) Loopback() bool { return s.srv != nil }

// OpenError is the Opener's failure, if any (it wraps ErrOpenBrowser);
// the caller should then show URL so the owner can open it by hand.
func (s *Session) OpenError() error { return s.openErr }

// String describes the session without its state or verifier.
func (s *Session) String() string {
	return "login session for " + s.redirect.Redacted()
}

// Wait returns the result once the browser's answer arrives (through the
// listener or Paste). It also returns when ctx ends, which cancels the
// login (ErrCancelled), when the timeout passes (ErrTimeout), or when the
// session is closed.
func (s *Session) Wait(ctx context.Context) (Result, error) {
	select {
	case <-s.done:
	case <-ctx.Done():
		s.finish(Result{}, sentence(ErrCancelled, "the login was cancelled"))
		<-s.done // an answer that came first is still being sent to the browser
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.res, s.err
}

// Paste takes the address the browser landed on after the login, in either
// mode. A good address completes the session and Wait; a wrong one returns
// a clear error and leaves the session as it was, so the owner can paste
// again.
func (s *Session) Paste(finalURL string) error {
	s.mu.Lock()
	settled := s.settled
	s.mu.Unlock()
	if settled {
		return sentence(ErrFinished, "this login has already finished; start a new login")
	}
	raw := strings.Trim(finalURL, " \t\r\n\"'<>`")
	u, err := url.Parse(raw)
	// The parse error is left out on purpose: it quotes the address, code
	// and all.
	if err != nil || !u.IsAbs() || !sameEndpoint(u, s.redirect) {
		return sentence(ErrNotRedirect, "this is not the address Exact Online sent you to; copy the whole address from the browser's address bar after logging in")
	}
	a := s.judge(u.Query(), true)
	if a.err != nil {
		return a.err
	}
	if !s.finish(a.res, nil) {
		return sentence(ErrFinished, "this login has already finished; start a new login")
	}
	return nil
}

// Close ends the session (Wait then reports ErrCancelled, unless an answer
// came first) and releases the port before it returns. It is safe to call
// more than once.
func (s *Session) Close() error {
	s.finish(Result{}, sentence(ErrCancelled, "the login was cancelled"))
	if s.srv != nil {
		_ = s.srv.Close()
		<-s.served
	}
	return nil
}

// humanDuration writes whole minutes as "5 minutes" rather than "5m0s".
func humanDuration(d time.Duration) string {
	switch {
	case d == time.Minute:
		return "1 minute"
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	case d >= time.Second && d%time.Second == 0:
		return fmt.Sprintf("%d seconds", d/time.Second)
	default:
		return d.String()
	}
}
