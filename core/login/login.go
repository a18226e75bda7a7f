// Package login runs the browser half of Exact Online's OAuth
// authorization-code flow, up to the moment the app holds an authorization
// code. By default the redirect URI is a public relay page (Exact's App
// Center wants public HTTPS) that forwards the answer to a listener on a
// free loopback port named in the state; the owner may paste the address
// instead, whichever comes first. Loopback redirect URIs
// (http://127.0.0.1:PORT/… or https://localhost:PORT/… with a local
// certificate) remain as an advanced choice.
//
// Only an answer with this login's state can end it: a wrong or missing
// state, a forged error or an oversized query is answered with a page and
// the login keeps waiting. After the code arrives the browser shows
// "Connecting…" and then the true outcome, which the caller reports with
// Finish once the code is exchanged.
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
	// Center. A loopback URI (see IsLoopback) gets a listener on its port;
	// any other https URI is a relay (see IsRelay): a listener on a free
	// loopback port, named in the state, and Session.Paste.
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
	// Lang is the language of the pages the browser shows after the
	// callback when the browser names none: "nl" or "en" (the default).
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
	nonce    string // names this login's result page
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

	mu         sync.Mutex
	final      *final // how the exchange ended, once Finish was called
	connecting bool   // the browser was told "Connecting…"
	settled    bool
	res        Result
	err        error

	done        chan struct{} // closed once res and err are final
	releaseOnce sync.Once
	shownCh     chan struct{} // closed once the browser fetched the outcome
	shownOnce   sync.Once
	closeOnce   sync.Once
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
	nonce, err := randomToken()
	if err != nil {
		return nil, err
	}
	s := &Session{
		redirect: redirect,
		path:     cleanPath(redirect.Path),
		lang:     lang(p.Lang),
		state:    state,
		nonce:    nonce,
		verifier: oauth2.GenerateVerifier(),
		timeout:  p.Timeout,
		done:     make(chan struct{}),
		shownCh:  make(chan struct{}),
		relay:    IsRelay(uri),
	}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}

	var ln net.Listener
	switch {
	case IsLoopback(uri):
		if ln, err = s.listen(p.CertDir); err != nil {
			return nil, err
		}
	case s.relay:
		if ln, err = s.listenRelay(); err != nil {
			return nil, err
		}
	}
	s.authURL = p.AuthURL(s.state, s.verifier)
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

// listenRelay opens the listener of relay mode on a free port of
// 127.0.0.1 and puts that port in front of the state, in the public format
// the relay page checks before it forwards anything.
func (s *Session) listenRelay() (net.Listener, error) {
	s.path = "/callback"
	for range 10 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("could not listen on this PC for the login (%v); try again", err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		state := strconv.Itoa(port) + "." + s.state
		if p, ok := RelayPort(state); ok && p == port {
			s.state, s.addr = state, ln.Addr()
			return ln, nil
		}
		// A port the relay would not forward to (below 1024): try another.
		ln.Close()
	}
	return nil, errors.New("this PC offered no loopback port the login relay can use; try again")
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

// maxQuery bounds the query of a callback: Exact's answer is a code of
// about 700 characters and a state; anything far larger is not from Exact
// and is refused without ending the login.
const maxQuery = 16 << 10

// serveHTTP answers the listener's three addresses: the callback itself,
// /callback/ready (the relay page's probe) and /callback/result (the page
// that follows "Connecting…"). Anything else is a 404 that leaves the login
// running.
func (s *Session) serveHTTP(w http.ResponseWriter, r *http.Request) {
	path := cleanPath(r.URL.Path)
	switch {
	case path == s.path:
	case path == cleanPath(s.path+"/ready"):
		s.serveReady(w, r)
		return
	case path == cleanPath(s.path+"/result"):
		s.serveResult(w, r)
		return
	default:
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	language := s.pageLang(r)
	if len(r.URL.RawQuery) > maxQuery {
		writePage(w, http.StatusRequestURITooLong, renderPage(language, page{o: outcomeTooLong}))
		return
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writePage(w, http.StatusBadRequest, renderPage(language, page{o: outcomeStateMismatch}))
		return
	}
	a := s.judge(q, false)
	if a.outcome == outcomeStateMismatch {
		// Not this login's answer: whoever sent it cannot end the login.
		writePage(w, http.StatusBadRequest, renderPage(language, page{o: a.outcome}))
		return
	}
	if !s.settle(a.res, a.err) {
		if s.codeArrived() {
			// The same answer again (a reload): show how it went.
			http.Redirect(w, r, s.resultPath(), http.StatusSeeOther)
			return
		}
		writePage(w, http.StatusBadRequest, renderPage(language, page{o: outcomeFinished}))
		return
	}
	status := http.StatusBadRequest
	pg := page{o: a.outcome, said: a.said}
	if a.outcome == outcomeOK {
		status, pg = http.StatusOK, page{o: outcomeConnecting, refresh: s.resultPath()}
		s.mu.Lock()
		s.connecting = true
		s.mu.Unlock()
	}
	writePage(w, status, renderPage(language, pg))
	s.release()
}

// serveReady answers the relay page's probe: 204, readable by any origin,
// only while this login waits for exactly that state. It tells a relay
// page nothing it does not already hold.
func (s *Session) serveReady(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	waiting := !s.settled
	s.mu.Unlock()
	state := r.URL.Query().Get("state")
	if !waiting || len(state) != len(s.state) || subtle.ConstantTimeCompare([]byte(state), []byte(s.state)) != 1 {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET")
	// Chrome asks a loopback server whether a public page may reach it.
	h.Set("Access-Control-Allow-Private-Network", "true")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// serveResult shows "Connecting…" until Finish reports the outcome, then
// the outcome itself. The nonce keeps other local pages from reading it.
func (s *Session) serveResult(w http.ResponseWriter, r *http.Request) {
	n := r.URL.Query().Get("r")
	if len(n) != len(s.nonce) || subtle.ConstantTimeCompare([]byte(n), []byte(s.nonce)) != 1 {
		http.NotFound(w, r)
		return
	}
	language := s.pageLang(r)
	s.mu.Lock()
	f := s.final
	s.mu.Unlock()
	if f == nil {
		writePage(w, http.StatusOK, renderPage(language, page{o: outcomeConnecting, refresh: s.resultPath()}))
		return
	}
	pg := finalPage(f)
	status := http.StatusOK
	if pg.o != outcomeOK {
		status = http.StatusBadGateway
	}
	writePage(w, status, renderPage(language, pg))
	s.shownOnce.Do(func() { close(s.shownCh) })
}

func (s *Session) resultPath() string {
	return cleanPath(s.path+"/result") + "?r=" + s.nonce
}

// codeArrived reports whether the login settled on a code.
func (s *Session) codeArrived() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.settled && s.connecting
}

// pageLang is the language of a page for the browser that asks: its
// Accept-Language first, the app's language otherwise.
func (s *Session) pageLang(r *http.Request) string {
	if l := browserLang(r.Header.Get("Accept-Language")); l != "" {
		return l
	}
	return s.lang
}

// writePage sends a page that may hold the code in its address: never
// cached, never passed on as a referrer, no scripts.
func writePage(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// answer is a judged redirect: the result or error for the caller, and what
// the browser page says.
type answer struct {
	res     Result
	err     error
	outcome outcome
	said    string // Exact's error description, sanitised
}

// judge applies the OAuth rules to the query of a redirect. Only this
// login's state counts: without it even an error answer is ignored, so no
// local page can end a login or put words in the app's mouth.
func (s *Session) judge(q url.Values, pasted bool) answer {
	state, code, oerr := q.Get("state"), q.Get("code"), q.Get("error")
	again := "start the login again"
	if pasted {
		again = "copy the whole address from the browser's address bar after logging in"
	}
	if state == "" && code == "" && oerr == "" {
		return answer{outcome: outcomeStateMismatch, err: sentence(ErrNoCode, "the address holds no answer from Exact Online; %s", again)}
	}
	if len(state) != len(s.state) || subtle.ConstantTimeCompare([]byte(state), []byte(s.state)) != 1 {
		return answer{outcome: outcomeStateMismatch,
			err: sentence(ErrStateMismatch, "the answer from the browser does not belong to this login; start the login again and finish it in the browser tab that it opens")}
	}
	if oerr != "" {
		said := sanitize(oerr, 40)
		if d := sanitize(q.Get("error_description"), 200); d != "" {
			said += ": " + d
		}
		said = s.redact(said, code)
		return answer{outcome: outcomeDenied, said: said,
			err: sentence(ErrDenied, "access was not granted by Exact Online, which said %q; start the login again and allow access when Exact Online asks", said)}
	}
	if code == "" {
		return answer{outcome: outcomeNoCode, err: sentence(ErrNoCode, "the answer from Exact Online holds no login code; %s", again)}
	}
	return answer{outcome: outcomeOK, res: Result{Code: code, Verifier: s.verifier}}
}

// redact cuts this login's state, and a code of real length, out of text
// taken from the answer, so no page or error ever repeats them (found by
// FuzzCallback: an error_description may quote them).
func (s *Session) redact(text, code string) string {
	text = strings.ReplaceAll(text, s.state, "…")
	if len(code) >= 8 {
		text = strings.ReplaceAll(text, code, "…")
	}
	return text
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

// release wakes the waiters and lets go of the timer and the context hook.
// The listener stays until Close: the browser still fetches its result.
func (s *Session) release() {
	s.releaseOnce.Do(func() {
		close(s.done)
		s.timer.Stop()
		s.stopCtx()
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
		<-s.done
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.res, s.err
}

// Paste takes the address the browser landed on after the login, in either
// mode. A good address completes the session and Wait; a wrong one returns
// a clear error and leaves the session as it was, so the owner can paste
// again. In relay mode any address with this login's answer counts (the
// relay page's, a self-hosted copy's, or the loopback one the browser
// could not open): the state decides, not the host.
func (s *Session) Paste(finalURL string) error {
	s.mu.Lock()
	settled := s.settled
	s.mu.Unlock()
	if settled {
		return sentence(ErrFinished, "this login has already finished; start a new login")
	}
	raw := strings.Trim(finalURL, " \t\r\n\"'<>`")
	notIt := sentence(ErrNotRedirect, "this is not the address Exact Online sent you to; copy the whole address from the browser's address bar after logging in")
	if len(raw) > maxQuery+2048 {
		return notIt
	}
	u, err := url.Parse(raw)
	// The parse error is left out on purpose: it quotes the address, code
	// and all.
	if err != nil || !u.IsAbs() || (u.Scheme != "https" && u.Scheme != "http") {
		return notIt
	}
	if !s.relay && !sameEndpoint(u, s.redirect) {
		return notIt
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return notIt
	}
	a := s.judge(q, true)
	if a.err != nil {
		return a.err
	}
	if !s.finish(a.res, nil) {
		return sentence(ErrFinished, "this login has already finished; start a new login")
	}
	return nil
}

// finalGrace is how long Close waits for a browser showing "Connecting…"
// to fetch the outcome; its page asks again every second, but a busy PC's
// browser was seen taking more than 5 s, and then the owner never learnt
// that the login failed. The wait ends as soon as the page was shown.
const finalGrace = 20 * time.Second

// Close ends the session (Wait then reports ErrCancelled, unless an answer
// came first) and releases the port before it returns. When the browser
// shows "Connecting…" and Finish reported the outcome, Close first waits a
// moment (at most finalGrace) for the browser to fetch it. It is safe to
// call more than once.
func (s *Session) Close() error {
	s.closeOnce.Do(s.close)
	return nil
}

func (s *Session) close() {
	s.finish(Result{}, sentence(ErrCancelled, "the login was cancelled"))
	s.mu.Lock()
	waitShown := s.connecting && s.final != nil
	if s.final == nil {
		// The browser must not say "Connecting…" forever.
		s.final = &final{err: ErrCancelled}
	}
	s.mu.Unlock()
	if waitShown {
		t := time.NewTimer(finalGrace)
		select {
		case <-s.shownCh:
		case <-t.C:
		}
		t.Stop()
	}
	if s.srv != nil {
		_ = s.srv.Close()
		<-s.served
	}
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
