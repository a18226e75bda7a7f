package login

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The fuzz targets of this file run in `go test` on their seed corpus (the
// f.Add calls and testdata/fuzz/<Target>/), and for real under `make fuzz`.
// A crasher found there is kept in testdata/fuzz/<Target>/ as a regression
// test.

// stateMark and codeMark in fuzzed input stand for this login's state and
// for a long, unmistakable code: the fuzzer cannot guess a 43-character
// random state, so it needs a way to send the right one.
const (
	stateMark = "STATE"
	codeMark  = "CODE"
	fuzzCode  = "fuzz-code-4f1c9a!e27b5d0c8a6f3e1b9d7c5a3f"
)

// fuzzSession starts a relay-mode login (the default mode; its listener is
// on a free port, so parallel fuzz workers do not collide). The handler is
// driven directly, not over the network.
func fuzzSession(t *testing.T) *Session {
	t.Helper()
	s, err := Start(context.Background(), Params{RedirectURI: "https://relay.example/login.html", AuthURL: testAuthURL, Timeout: time.Hour})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func settled(s *Session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.settled
}

// expand replaces the marks with this session's state and the long code.
func expand(s *Session, in string) string {
	return strings.ReplaceAll(strings.ReplaceAll(in, stateMark, s.state), codeMark, fuzzCode)
}

// FuzzCallback drives the listener's handler with arbitrary paths, queries,
// methods and Accept-Language headers, then with the same query again (a
// reload). It must never panic, never end the login without this login's
// state, and never put the state or the code in the page.
func FuzzCallback(f *testing.F) {
	for _, seed := range []struct {
		method, path, query, lang string
	}{
		{"GET", "/callback", "code=" + codeMark + "&state=" + stateMark, ""},
		{"GET", "/callback/", "code=" + codeMark + "&state=" + stateMark, "nl-NL,nl;q=0.9"},
		{"GET", "/callback", "code=" + codeMark, "en"},
		{"GET", "/callback", "code=" + codeMark + "&state=" + stateMark + "x", ""},
		{"GET", "/callback", "state=" + stateMark, ""},
		{"GET", "/callback", "error=access_denied&error_description=User+said+no&state=" + stateMark, ""},
		{"GET", "/callback", "code=%ZZ&state=" + stateMark, ""},
		{"GET", "/callback", "code=a;b&state=" + stateMark, ""},
		{"GET", "/callback", "state=" + stateMark + "&state=other&code=" + codeMark, ""},
		{"GET", "/callback", "code=" + strings.Repeat("c", 20000) + "&state=" + stateMark, ""},
		{"POST", "/callback", "code=" + codeMark + "&state=" + stateMark, ""},
		{"GET", "/callback/ready", "state=" + stateMark, ""},
		{"GET", "/callback/result", "r=x", ""},
		{"GET", "/other", "code=" + codeMark + "&state=" + stateMark, ""},
		{"GET", "//callback", "code=" + codeMark + "&state=" + stateMark, ""},
		{"GET", "/callback", "", ""},
	} {
		f.Add(seed.method, seed.path, seed.query, seed.lang)
	}
	f.Fuzz(func(t *testing.T, method, path, rawQuery, acceptLang string) {
		s := fuzzSession(t)
		rawQuery = expand(s, rawQuery)
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		// What would count as this login's answer: the callback path and
		// exactly this login's state (url.Values.Get takes the first).
		q, qerr := url.ParseQuery(rawQuery)
		rightState := qerr == nil && q.Get("state") == s.state
		isCallback := cleanPath(path) == s.path
		// The long code is checked wherever the query sends it as a code;
		// elsewhere (an error_description, say) it is just text.
		codeSent := codeParam(rawQuery)
		for round := range 2 {
			req := &http.Request{
				Method:     method,
				URL:        &url.URL{Path: path, RawQuery: rawQuery},
				Header:     http.Header{},
				Proto:      "HTTP/1.1",
				ProtoMajor: 1, ProtoMinor: 1,
				Host:       "127.0.0.1",
				RemoteAddr: "127.0.0.1:50000",
			}
			if acceptLang != "" {
				req.Header.Set("Accept-Language", acceptLang)
			}
			rec := httptest.NewRecorder()
			s.serveHTTP(rec, req.WithContext(context.Background()))

			if settled(s) && !(rightState && isCallback && method == http.MethodGet) {
				t.Fatalf("round %d: the login ended on %s %q ?%q without this login's state", round, method, path, rawQuery)
			}
			body := rec.Body.Bytes()
			if bytes.Contains(body, []byte(s.state)) {
				t.Fatalf("round %d: the page shows the state:\n%s", round, body)
			}
			if codeSent && bytes.Contains(body, []byte(fuzzCode)) {
				t.Fatalf("round %d: the page shows the code:\n%s", round, body)
			}
			if loc := rec.Header().Get("Location"); strings.Contains(loc, s.state) || (codeSent && strings.Contains(loc, fuzzCode)) {
				t.Fatalf("round %d: a redirect carries the state or the code: %q", round, loc)
			}
		}
		if settled(s) {
			res, err := s.Wait(context.Background())
			if err == nil && res.Code != q.Get("code") {
				t.Fatalf("Wait gave a code other than the one sent")
			}
			assertNoSecrets(t, err, s.state, s.verifier)
			if codeSent {
				assertNoSecrets(t, err, fuzzCode)
			}
		}
	})
}

// codeParam reports whether a query sends the long code as a code
// parameter (in any of its spellings that decode to it).
func codeParam(rawQuery string) bool {
	// ParseQuery keeps the pairs it could read even when it reports an error.
	q, _ := url.ParseQuery(rawQuery)
	for _, v := range q["code"] {
		if strings.Contains(v, fuzzCode) {
			return true
		}
	}
	return false
}

// FuzzPaste hands Session.Paste arbitrary text. A paste that is accepted
// must carry this login's state and a code, and Wait must then give that
// code; a refused one leaves the login waiting, and no error quotes the
// state, the code or the verifier.
func FuzzPaste(f *testing.F) {
	for _, seed := range []string{
		"https://relay.example/login.html?code=" + codeMark + "&state=" + stateMark,
		"  \"https://relay.example/login.html?code=" + codeMark + "&state=" + stateMark + "\"\n",
		"http://127.0.0.1:8765/callback?code=" + codeMark + "&state=" + stateMark,
		"https://relay.example/login.html?code=" + codeMark + "&state=" + stateMark + "x",
		"https://relay.example/login.html?state=" + stateMark,
		"relay.example/login.html?code=" + codeMark + "&state=" + stateMark,
		"javascript:alert(1)//?code=" + codeMark + "&state=" + stateMark,
		"https://relay.example/login.html?code=%21" + codeMark + "&state=" + stateMark + "#frag",
		"https://relay.example/login.html?code=" + codeMark + "&code=other&state=" + stateMark,
		"https://[::1]:99999/?code=" + codeMark + "&state=" + stateMark,
		"",
		"\x00",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, pasted string) {
		s := fuzzSession(t)
		pasted = expand(s, pasted)
		err := s.Paste(pasted)
		assertNoSecrets(t, err, s.state, s.verifier)
		if u, perr := url.Parse(strings.Trim(pasted, " \t\r\n\"'<>`")); perr == nil && codeParam(u.RawQuery) {
			assertNoSecrets(t, err, fuzzCode)
		}
		if err != nil {
			if settled(s) {
				t.Fatalf("a refused paste (%v) ended the login", err)
			}
			return
		}
		if !settled(s) {
			t.Fatal("Paste returned nil but the login still waits")
		}
		u, perr := url.Parse(strings.Trim(pasted, " \t\r\n\"'<>`"))
		if perr != nil {
			t.Fatalf("Paste accepted an address that does not parse: %v", perr)
		}
		q, qerr := url.ParseQuery(u.RawQuery)
		if qerr != nil || q.Get("state") != s.state || q.Get("code") == "" || q.Get("error") != "" {
			t.Fatalf("Paste accepted %q, which is not this login's answer", pasted)
		}
		res, werr := s.Wait(context.Background())
		if werr != nil || res.Code != q.Get("code") || res.Verifier != s.verifier {
			t.Fatalf("after a good paste Wait = %v, %v", res, werr)
		}
		if err := s.Paste(pasted); !errors.Is(err, ErrFinished) {
			t.Fatalf("a second paste = %v, want ErrFinished", err)
		}
	})
}

// FuzzRelayPort checks the public relay state format: whatever RelayPort
// accepts is digits without a leading zero, a dot and a non-empty base64url
// part, naming a port in 1024–65535, and every such state is accepted.
func FuzzRelayPort(f *testing.F) {
	for _, seed := range []string{
		"8765.Yx3_-abc", "1024.a", "65535.a", "1023.a", "65536.a", "08765.a", "8765.", ".a",
		"8765.a\n", "8765.a/b", "８７６５.a", "99999.a", "1e4.a", "+8765.a", "8765..a", "", "127.0.0.1:8765.x",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, state string) {
		port, ok := RelayPort(state)
		want, wantOK := relayPortByHand(state)
		if ok != wantOK || port != want {
			t.Fatalf("RelayPort(%q) = %d, %v; by the documented format %d, %v", state, port, ok, want, wantOK)
		}
		if !ok {
			if port != 0 {
				t.Fatalf("RelayPort(%q) refused the state but gave port %d", state, port)
			}
			return
		}
		if port < 1024 || port > 65535 {
			t.Fatalf("RelayPort(%q) accepted port %d", state, port)
		}
	})
}

// relayPortByHand applies docs/relay.md's format without a regular
// expression: 4 or 5 digits, the first not 0, a dot, then one or more of
// A–Z a–z 0–9 _ -; the port 1024–65535.
func relayPortByHand(state string) (int, bool) {
	dot := strings.IndexByte(state, '.')
	if dot < 4 || dot > 5 || state[0] == '0' {
		return 0, false
	}
	for i := range dot {
		if state[i] < '0' || state[i] > '9' {
			return 0, false
		}
	}
	rest := state[dot+1:]
	if rest == "" {
		return 0, false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return 0, false
		}
	}
	p, err := strconv.Atoi(state[:dot])
	if err != nil || p < 1024 || p > 65535 {
		return 0, false
	}
	return p, true
}
