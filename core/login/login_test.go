package login

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func mustDuration(t *testing.T, s string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// freePort returns a port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	return port
}

// testAuthURL stands in for core/exact's authorize address.
func testAuthURL(state, verifier string) string {
	return "https://auth.invalid/api/oauth2/auth?" + url.Values{
		"state":          {state},
		"code_challenge": {verifier + "-challenge"},
	}.Encode()
}

// start starts a session and closes it when the test ends.
func start(t *testing.T, p Params) *Session {
	t.Helper()
	if p.AuthURL == nil {
		p.AuthURL = testAuthURL
	}
	if p.Timeout == 0 {
		p.Timeout = time.Minute // a broken test fails instead of hanging for 5 minutes
	}
	s, err := Start(context.Background(), p)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// stateOf reads the state back from the authorize address, as the
// authorization server would.
func stateOf(t *testing.T, s *Session) string {
	t.Helper()
	st := mustParse(t, s.URL()).Query().Get("state")
	if st == "" {
		t.Fatal("the authorize address has no state")
	}
	return st
}

// assertNoSecrets fails if err's text holds the code, state or verifier.
func assertNoSecrets(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, sec := range secrets {
		if sec != "" && strings.Contains(err.Error(), sec) {
			t.Errorf("error %q contains a secret", err)
		}
	}
}

// assertPortFree fails unless the port can be bound again.
func assertPortFree(t *testing.T, port string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatalf("port %s is still held after Close: %v", port, err)
	}
	ln.Close()
}

// client trusts only the certificate in certDir, so an https test also
// proves the certificate covers the host name.
func client(t *testing.T, certDir string) *http.Client {
	t.Helper()
	tr := &http.Transport{DisableKeepAlives: true}
	if certDir != "" {
		pemData, err := os.ReadFile(filepath.Join(certDir, certFile))
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pemData) {
			t.Fatal("cert.pem holds no certificate")
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// TestCallback drives the listener with a plain HTTP client, as a browser
// would after the redirect, over http and https. Answers with this login's
// state end it; anything else is refused with a page while the login keeps
// waiting, and the real answer afterwards still succeeds.
func TestCallback(t *testing.T) {
	const code = "the-authorization-code"
	huge := strings.Repeat("A", 100<<10)
	tests := []struct {
		name       string
		query      func(state string) string
		lang       string // Accept-Language
		ends       bool   // the answer ends the login
		wantErr    error
		wantStatus int
		wantPage   string
	}{
		{"valid", func(st string) string { return url.Values{"code": {code}, "state": {st}}.Encode() },
			"", true, nil, 200, "Connecting…"},
		{"valid in Dutch", func(st string) string { return url.Values{"code": {code}, "state": {st}}.Encode() },
			"nl-NL,nl;q=0.9,en;q=0.8", true, nil, 200, "Bezig met koppelen…"},
		{"access denied", func(st string) string {
			return url.Values{"error": {"access_denied"}, "error_description": {"The user denied access"}, "state": {st}}.Encode()
		}, "", true, ErrDenied, 400, "Exact Online said: “access_denied: The user denied access”"},
		{"access denied in Dutch", func(st string) string {
			return url.Values{"error": {"access_denied"}, "state": {st}}.Encode()
		}, "nl", true, ErrDenied, 400, "Exact Online gaf geen toegang"},
		{"missing code", func(st string) string { return url.Values{"state": {st}}.Encode() },
			"", true, ErrNoCode, 400, "sent no login code"},
		{"wrong state", func(st string) string { return url.Values{"code": {code}, "state": {"x" + st}}.Encode() },
			"", false, nil, 400, "does not belong to a login in progress"},
		{"missing state", func(string) string { return url.Values{"code": {code}}.Encode() },
			"", false, nil, 400, "does not belong"},
		{"forged error without state", func(string) string {
			return url.Values{"error": {"access_denied"}, "error_description": {"Call 0900-FAKE now"}}.Encode()
		}, "", false, nil, 400, "does not belong"},
		{"error with another login's state", func(st string) string {
			return url.Values{"error": {"access_denied"}, "state": {"x" + st}}.Encode()
		}, "", false, nil, 400, "does not belong"},
		{"no answer at all", func(string) string { return "" }, "", false, nil, 400, "does not belong"},
		{"100 KB query", func(st string) string { return url.Values{"code": {huge}, "state": {st}}.Encode() },
			"", false, nil, http.StatusRequestURITooLong, "far too long"},
		{"bad escape", func(st string) string { return "code=%zz&state=" + st }, "", false, nil, 400, "does not belong"},
	}
	for _, scheme := range []string{"http", "https"} {
		for _, tt := range tests {
			t.Run(scheme+"/"+tt.name, func(t *testing.T) {
				port := freePort(t)
				host, certDir := "127.0.0.1", ""
				if scheme == "https" {
					host, certDir = "localhost", t.TempDir()
				}
				redirect := scheme + "://" + host + ":" + port + "/exact/callback"
				s := start(t, Params{RedirectURI: redirect, CertDir: certDir})
				if !s.Loopback() || s.Relay() {
					t.Fatalf("Loopback() = %v, Relay() = %v for a loopback redirect URI", s.Loopback(), s.Relay())
				}
				st := stateOf(t, s)
				c := client(t, certDir)

				// The favicon request must not end the login.
				if status, _ := get(t, c, scheme+"://"+host+":"+port+"/favicon.ico"); status != http.StatusNotFound {
					t.Errorf("favicon: status %d, want 404", status)
				}

				cb := redirect
				if q := tt.query(st); q != "" {
					cb += "?" + q
				}
				status, page := getLang(t, c, cb, tt.lang)
				if status != tt.wantStatus {
					t.Errorf("callback status %d, want %d", status, tt.wantStatus)
				}
				if !strings.Contains(page, tt.wantPage) {
					t.Errorf("callback page lacks %q:\n%s", tt.wantPage, page)
				}
				for _, sec := range []string{code, st, s.verifier} {
					if strings.Contains(page, sec) {
						t.Errorf("callback page shows a secret:\n%s", page)
					}
				}
				if strings.Contains(page, "0900-FAKE") {
					t.Errorf("a forged error's text reached the page:\n%s", page)
				}

				if !tt.ends {
					// Still waiting: the real answer completes the login.
					if status, page := get(t, c, redirect+"?"+url.Values{"code": {code}, "state": {st}}.Encode()); status != 200 || !strings.Contains(page, "Connecting") {
						t.Fatalf("the real answer after a refused one: status %d\n%s", status, page)
					}
				}
				res, err := s.Wait(context.Background())
				if tt.wantErr == nil {
					if err != nil {
						t.Fatalf("Wait: %v", err)
					}
					if res.Code != code || res.Verifier != s.verifier || res.Verifier == "" {
						t.Errorf("Wait gave the wrong code or verifier")
					}
				} else {
					if !errors.Is(err, tt.wantErr) {
						t.Fatalf("Wait error = %v, want %v", err, tt.wantErr)
					}
					if res != (Result{}) {
						t.Errorf("Wait returned a result with an error")
					}
				}
				assertNoSecrets(t, err, code, st, s.verifier)

				// One-shot: the login has ended, whatever comes next.
				if err := s.Paste(cb); !errors.Is(err, ErrFinished) {
					t.Errorf("Paste after the callback = %v, want ErrFinished", err)
				}
				s.Close()
				assertPortFree(t, port)
			})
		}
	}
}

// getLang is get with an Accept-Language header.
func getLang(t *testing.T, c *http.Client, u, lang string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// TestCallbackOneShot checks that a second answer cannot replace the first.
func TestCallbackOneShot(t *testing.T) {
	s := start(t, Params{RedirectURI: "http://127.0.0.1:" + freePort(t) + "/cb"})
	if err := s.Paste(s.redirect.String() + "?code=first&state=" + stateOf(t, s)); err != nil {
		t.Fatalf("Paste: %v", err)
	}
	// The listener may or may not still accept a connection; if it does,
	// it must say the login is over.
	if resp, err := http.Get(s.redirect.String() + "?code=second&state=" + stateOf(t, s)); err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), "already finished") {
			t.Errorf("a second callback was not refused:\n%s", body)
		}
	}
	res, err := s.Wait(context.Background())
	if err != nil || res.Code != "first" {
		t.Fatalf("Wait = %q, %v; want the first code", res.Code, err)
	}
}

// TestListenerOnlyOnLoopback checks the address each kind of listener is
// bound to: proof that it serves loopback only, without sending a packet
// to any other address of this machine.
func TestListenerOnlyOnLoopback(t *testing.T) {
	port := freePort(t)
	for _, redirect := range []string{
		"http://localhost:" + port + "/cb", // "localhost" must not widen the listener
		"https://relay.example/login.html",
	} {
		s := start(t, Params{RedirectURI: redirect, CertDir: t.TempDir()})
		tcp, ok := s.addr.(*net.TCPAddr)
		if !ok || !tcp.IP.Equal(net.IPv4(127, 0, 0, 1)) {
			t.Errorf("%s: listening on %v, want 127.0.0.1 only", redirect, s.addr)
		}
		s.Close()
	}
}

func TestBusyPort(t *testing.T) {
	for _, bind := range []string{"127.0.0.1", "0.0.0.0"} {
		t.Run(bind, func(t *testing.T) {
			ln, err := net.Listen("tcp", bind+":0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			_, port, _ := net.SplitHostPort(ln.Addr().String())
			s, err := Start(context.Background(), Params{RedirectURI: "http://127.0.0.1:" + port + "/cb", AuthURL: testAuthURL})
			if err == nil {
				s.Close()
				t.Fatal("Start succeeded on a busy port")
			}
			if !errors.Is(err, ErrPortInUse) {
				t.Errorf("error %v does not wrap ErrPortInUse", err)
			}
			want := "port " + port + " on this PC is already in use by another program; close it, or register a redirect URI with another port"
			if err.Error() != want {
				t.Errorf("error = %q\nwant    %q", err, want)
			}
		})
	}
}

func TestCertificateKeptAndReused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs") // Start creates it
	redirect := "https://localhost:" + freePort(t) + "/cb"
	s := start(t, Params{RedirectURI: redirect, CertDir: dir})
	s.Close()

	for name, perm := range map[string]os.FileMode{certFile: 0o644, keyFile: 0o600} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != perm {
			t.Errorf("%s has mode %v, want %v", name, fi.Mode().Perm(), perm)
		}
	}
	first := readFile(t, filepath.Join(dir, certFile))
	leaf := parseLeaf(t, first)
	if pub, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
		t.Errorf("certificate key is %T, want ECDSA P-256", leaf.PublicKey)
	}
	if life := leaf.NotAfter.Sub(leaf.NotBefore); life < 9*365*24*time.Hour {
		t.Errorf("certificate lives %v, want about 10 years", life)
	}
	for _, h := range []string{"localhost", "127.0.0.1"} {
		if err := leaf.VerifyHostname(h); err != nil {
			t.Errorf("certificate does not cover %s: %v", h, err)
		}
	}

	s = start(t, Params{RedirectURI: redirect, CertDir: dir})
	s.Close()
	if second := readFile(t, filepath.Join(dir, certFile)); second != first {
		t.Error("a second Start made a new certificate instead of reusing the kept one")
	}
}

func TestCertificateReplaced(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		spoil func(t *testing.T, dir string)
		at    time.Time
	}{
		{"corrupt certificate", func(t *testing.T, dir string) { writeFile(t, filepath.Join(dir, certFile), "garbage") }, now},
		{"missing key", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, keyFile)) }, now},
		{"key of another pair", func(t *testing.T, dir string) {
			other := t.TempDir()
			if _, err := certificate(other, now); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(dir, keyFile), readFile(t, filepath.Join(other, keyFile)))
		}, now},
		{"expired", func(*testing.T, string) {}, now.Add(certLifetime)},
		{"not yet valid", func(*testing.T, string) {}, now.Add(-48 * time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := certificate(dir, now); err != nil {
				t.Fatal(err)
			}
			before := readFile(t, filepath.Join(dir, certFile))
			tt.spoil(t, dir)
			c, err := certificate(dir, tt.at)
			if err != nil {
				t.Fatalf("certificate: %v", err)
			}
			after := readFile(t, filepath.Join(dir, certFile))
			if after == before {
				t.Fatal("the spoilt certificate was kept")
			}
			leaf := parseLeaf(t, after)
			if tt.at.After(leaf.NotAfter) || tt.at.Before(leaf.NotBefore) {
				t.Errorf("new certificate is not valid at %v", tt.at)
			}
			if _, err := tls.X509KeyPair([]byte(after), []byte(readFile(t, filepath.Join(dir, keyFile)))); err != nil {
				t.Errorf("kept files do not form a pair: %v", err)
			}
			if len(c.Certificate) == 0 {
				t.Error("certificate returned no chain")
			}
		})
	}
}

func TestCertificateNeedsDir(t *testing.T) {
	_, err := Start(context.Background(), Params{RedirectURI: "https://localhost:" + freePort(t) + "/cb", AuthURL: testAuthURL})
	if err == nil || !strings.Contains(err.Error(), "no folder is set") {
		t.Fatalf("Start without CertDir = %v, want a clear error", err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func parseLeaf(t *testing.T, certPEM string) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode([]byte(certPEM))
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatal("not a PEM certificate")
	}
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return leaf
}

func TestPaste(t *testing.T) {
	const redirect = "https://example.com/exact/callback"
	s := start(t, Params{RedirectURI: redirect})
	if !s.Relay() {
		t.Fatal("Relay() = false for a web redirect URI")
	}
	st := stateOf(t, s)
	// In relay mode the state decides, not the host: see TestRelayPaste.
	bad := []struct {
		name, pasted string
		want         error
	}{
		{"not an address", "code=c&state=" + st, ErrNotRedirect},
		{"javascript", "javascript:x?code=c&state=" + st, ErrNotRedirect},
		{"empty", "   ", ErrNotRedirect},
		{"oversized", redirect + "?code=" + strings.Repeat("c", 64<<10) + "&state=" + st, ErrNotRedirect},
		{"the authorize address", s.URL(), ErrNoCode},
		{"wrong state", redirect + "?code=c&state=not-" + st, ErrStateMismatch},
		{"no state", redirect + "?code=c", ErrStateMismatch},
		{"denied", redirect + "?error=access_denied&error_description=User+said+no&state=" + st, ErrDenied},
		{"no code", redirect + "?state=" + st, ErrNoCode},
		{"bare redirect", redirect, ErrNoCode},
	}
	for _, tt := range bad {
		err := s.Paste(tt.pasted)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: Paste = %v, want %v", tt.name, err, tt.want)
		}
		assertNoSecrets(t, err, "c&state", st, s.verifier)
	}
	if err := s.Paste("mailto:x?code=c"); err == nil ||
		err.Error() != "this is not the address Exact Online sent you to; copy the whole address from the browser's address bar after logging in" {
		t.Errorf("foreign paste error = %q", err)
	}

	// None of the above ended the session.
	select {
	case <-s.done:
		t.Fatal("a bad paste ended the session")
	default:
	}

	good := "  \"HTTPS://Example.com/exact/callback/?code=the-code&state=" + st + "\"\n"
	if err := s.Paste(good); err != nil {
		t.Fatalf("Paste(good) = %v", err)
	}
	res, err := s.Wait(context.Background())
	if err != nil || res.Code != "the-code" || res.Verifier != s.verifier {
		t.Fatalf("Wait after a good paste = %v, %v", res, err)
	}
	if err := s.Paste(good); !errors.Is(err, ErrFinished) {
		t.Errorf("second Paste = %v, want ErrFinished", err)
	}
}

func TestPasteInLoopbackMode(t *testing.T) {
	port := freePort(t)
	redirect := "http://127.0.0.1:" + port + "/cb"
	s := start(t, Params{RedirectURI: redirect})
	if err := s.Paste(redirect + "?code=pasted&state=" + stateOf(t, s)); err != nil {
		t.Fatalf("Paste = %v", err)
	}
	res, err := s.Wait(context.Background())
	if err != nil || res.Code != "pasted" {
		t.Fatalf("Wait = %v, %v", res, err)
	}
	s.Close()
	assertPortFree(t, port)
}

// TestTimeout runs the real timeout: a short Params.Timeout, no shortcut.
// The login must end with ErrTimeout no sooner than the timeout, answer a
// late callback with "already finished", refuse a late paste, and let go
// of its port on Close, in relay and loopback mode alike.
func TestTimeout(t *testing.T) {
	const timeout = 300 * time.Millisecond
	for _, redirect := range []string{"https://example.com/cb", "http://127.0.0.1:" + freePort(t) + "/cb"} {
		began := time.Now()
		s := start(t, Params{RedirectURI: redirect, Timeout: timeout})
		_, port, err := net.SplitHostPort(s.addr.String())
		if err != nil {
			t.Fatalf("%s: listener address %v: %v", redirect, s.addr, err)
		}
		callback := "http://127.0.0.1:" + port + s.path + "?code=late&state=" + url.QueryEscape(stateOf(t, s))
		c := client(t, "")

		_, err = s.Wait(context.Background())
		waited := time.Since(began)
		if !errors.Is(err, ErrTimeout) {
			t.Fatalf("%s: Wait = %v, want ErrTimeout", redirect, err)
		}
		if waited < timeout {
			t.Errorf("%s: the login ended after %s, before its timeout of %s", redirect, waited, timeout)
		}
		if waited > timeout+10*time.Second {
			t.Errorf("%s: the login ended only after %s (timeout %s)", redirect, waited, timeout)
		}
		if !strings.Contains(err.Error(), "start the login again") {
			t.Errorf("timeout error %q does not say what to do", err)
		}
		assertNoSecrets(t, err, stateOf(t, s), s.verifier)

		// The browser's answer, arriving too late, cannot revive the login.
		if code, body := get(t, c, callback); code != http.StatusBadRequest || !strings.Contains(body, `data-outcome="finished"`) {
			t.Errorf("%s: a callback after the timeout got %d:\n%s", redirect, code, body)
		}
		if err := s.Paste(redirect + "?code=c&state=" + stateOf(t, s)); !errors.Is(err, ErrFinished) {
			t.Errorf("Paste after the timeout = %v, want ErrFinished", err)
		}
		if res, err := s.Wait(context.Background()); !errors.Is(err, ErrTimeout) || res.Code != "" {
			t.Errorf("%s: Wait after a late answer = %v, %v; want the timeout still", redirect, res, err)
		}

		c.CloseIdleConnections()
		s.Close()
		assertPortFree(t, port)
	}
}

func TestDefaultTimeoutMessage(t *testing.T) {
	err := sentence(ErrTimeout, "no answer came from the browser within %s; start the login again", humanDuration(DefaultTimeout))
	if want := "no answer came from the browser within 5 minutes; start the login again"; err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
}

func TestCancel(t *testing.T) {
	t.Run("Wait's context", func(t *testing.T) {
		port := freePort(t)
		s := start(t, Params{RedirectURI: "http://127.0.0.1:" + port + "/cb"})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := s.Wait(ctx); !errors.Is(err, ErrCancelled) {
			t.Fatalf("Wait = %v, want ErrCancelled", err)
		}
		s.Close()
		assertPortFree(t, port)
	})
	t.Run("Start's context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		s, err := Start(ctx, Params{RedirectURI: "https://example.com/cb", AuthURL: testAuthURL})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		cancel()
		if _, err := s.Wait(context.Background()); !errors.Is(err, ErrCancelled) {
			t.Fatalf("Wait = %v, want ErrCancelled", err)
		}
	})
	t.Run("already cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := Start(ctx, Params{RedirectURI: "https://example.com/cb", AuthURL: testAuthURL}); !errors.Is(err, ErrCancelled) {
			t.Fatalf("Start = %v, want ErrCancelled", err)
		}
	})
	t.Run("Close", func(t *testing.T) {
		s := start(t, Params{RedirectURI: "https://example.com/cb"})
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		if _, err := s.Wait(context.Background()); !errors.Is(err, ErrCancelled) {
			t.Fatalf("Wait after Close = %v, want ErrCancelled", err)
		}
	})
}

type recordingOpener struct {
	urls []string
	err  error
}

func (o *recordingOpener) Open(u string) error {
	o.urls = append(o.urls, u)
	return o.err
}

func TestOpener(t *testing.T) {
	ok := &recordingOpener{}
	s := start(t, Params{RedirectURI: "https://example.com/cb", Opener: ok})
	if len(ok.urls) != 1 || ok.urls[0] != s.URL() {
		t.Errorf("opener got %q, want the session's URL once", ok.urls)
	}
	if s.OpenError() != nil {
		t.Errorf("OpenError = %v", s.OpenError())
	}

	failing := &recordingOpener{err: errors.New("exec: \"xdg-open\": executable file not found in $PATH")}
	s = start(t, Params{RedirectURI: "https://example.com/cb", Opener: failing})
	err := s.OpenError()
	if !errors.Is(err, ErrOpenBrowser) || !errors.Is(err, failing.err) {
		t.Fatalf("OpenError = %v, want ErrOpenBrowser wrapping the cause", err)
	}
	assertNoSecrets(t, err, stateOf(t, s), s.URL())
	// The session still works: the owner opens the address by hand.
	if err := s.Paste("https://example.com/cb?code=c&state=" + stateOf(t, s)); err != nil {
		t.Fatalf("Paste after a failed opener: %v", err)
	}
}

func TestStartRejects(t *testing.T) {
	if _, err := Start(context.Background(), Params{RedirectURI: "http://example.com/cb", AuthURL: testAuthURL}); err == nil {
		t.Error("Start accepted an http redirect URI on another machine")
	}
	if _, err := Start(context.Background(), Params{RedirectURI: "https://example.com/cb"}); err == nil {
		t.Error("Start accepted Params without AuthURL")
	}
}

func TestFreshStatePerLogin(t *testing.T) {
	a := start(t, Params{RedirectURI: "https://example.com/cb"})
	b := start(t, Params{RedirectURI: "https://example.com/cb"})
	if stateOf(t, a) == stateOf(t, b) || a.verifier == b.verifier {
		t.Error("two logins share a state or a verifier")
	}
	if len(stateOf(t, a)) < 40 || len(a.verifier) < 43 {
		t.Error("state or verifier too short to be unguessable")
	}
}

func TestResultHidesSecrets(t *testing.T) {
	r := Result{Code: "the-code", Verifier: "the-verifier"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		if out := fmt.Sprintf(verb, r); strings.Contains(out, "the-code") || strings.Contains(out, "the-verifier") {
			t.Errorf("fmt %s shows a secret: %s", verb, out)
		}
	}
	s := start(t, Params{RedirectURI: "https://example.com/cb"})
	if out := fmt.Sprint(s); strings.Contains(out, stateOf(t, s)) || strings.Contains(out, s.verifier) {
		t.Errorf("a printed session shows a secret: %s", out)
	}
}
