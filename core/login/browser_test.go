package login

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/exactkeeper/exactkeeper/internal/testenv"
)

// fakeAuthorize is a tiny authorization server: /auth sends the browser
// straight back to redirect_uri, with an answer chosen by the "mode"
// parameter, and remembers the PKCE challenge it was given.
type fakeAuthorize struct {
	*httptest.Server
	mu        sync.Mutex
	challenge string
}

func newFakeAuthorize(t *testing.T) *fakeAuthorize {
	f := &fakeAuthorize{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/auth" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		f.mu.Lock()
		f.challenge = q.Get("code_challenge")
		f.mu.Unlock()
		answer := url.Values{"code": {"code-from-fake"}, "state": {q.Get("state")}}
		switch q.Get("mode") {
		case "wrong-state":
			answer.Set("state", "forged")
		case "denied":
			answer = url.Values{"error": {"access_denied"}, "error_description": {"The user denied access"}, "state": {q.Get("state")}}
		case "no-code":
			answer.Del("code")
		}
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+answer.Encode(), http.StatusFound)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAuthorize) authURL(redirect, mode string) func(state, verifier string) string {
	return func(state, verifier string) string {
		return f.URL + "/auth?" + url.Values{
			"client_id":             {"test-client"},
			"redirect_uri":          {redirect},
			"response_type":         {"code"},
			"state":                 {state},
			"code_challenge":        {oauth2.S256ChallengeFromVerifier(verifier)},
			"code_challenge_method": {"S256"},
			"mode":                  {mode},
		}.Encode()
	}
}

// TestBrowserFlow lets a real chromium follow the whole redirect dance, over
// http and over https with the self-signed certificate.
func TestBrowserFlow(t *testing.T) {
	browser := testenv.Browser(t)
	fake := newFakeAuthorize(t)
	certDir := t.TempDir()

	tests := []struct {
		name, scheme, host, mode, lang string
		wantErr                        error
		wantTitle                      string
	}{
		// The page says "Connecting…" first and "Connected" once the
		// caller reports the exchange (Finish).
		{"http", "http", "127.0.0.1", "ok", "en", nil, "Connected"},
		{"https", "https", "localhost", "ok", "en", nil, "Connected"},
		{"https in Dutch", "https", "localhost", "ok", "nl", nil, "Gekoppeld"},
		{"wrong state", "http", "127.0.0.1", "wrong-state", "en", ErrTimeout, "This answer does not belong to a login in progress"},
		{"access denied", "https", "localhost", "denied", "en", ErrDenied, "Exact Online did not give access"},
		{"missing code", "http", "localhost", "no-code", "nl", ErrNoCode, "Exact Online stuurde geen inlogcode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := freePort(t)
			redirect := tt.scheme + "://" + tt.host + ":" + port + "/exact/callback"
			opener := &recordingOpener{}
			p := Params{
				RedirectURI: redirect,
				AuthURL:     fake.authURL(redirect, tt.mode),
				CertDir:     certDir,
				Opener:      opener,
				Lang:        tt.lang,
			}
			if tt.wantErr == ErrTimeout {
				// A wrong state does not end the login; only its timeout does.
				p.Timeout = 2 * time.Second
			}
			s := start(t, p)
			if len(opener.urls) != 1 {
				t.Fatalf("opener called %d times, want once", len(opener.urls))
			}

			// The pages follow the browser's language, not the app's.
			acceptLang := "en-US,en"
			if tt.lang == "nl" {
				acceptLang = "nl-NL,nl;q=0.9"
			}
			if _, err := chromedp.Call(browser, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": acceptLang}}); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(browser, chromedp.Navigate(opener.urls[0])); err != nil {
				t.Fatalf("navigate: %v", err)
			}
			landed, err := chromedp.Run(browser, chromedp.Location())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(landed, redirect+"?") {
				t.Errorf("browser landed on %s, want the redirect URI", landed)
			}
			res, err := s.Wait(context.Background())
			if err == nil {
				s.Finish("Jan de Vries", nil)
				// The page asks again every second until it has the outcome.
				if err := chromedp.Do(browser, chromedp.WaitVisible(chromedp.CSS(`#title[data-outcome="connected"]`))); err != nil {
					t.Fatalf("waiting for the outcome page: %v", err)
				}
			}
			title, terr := chromedp.Run(browser, chromedp.Text(chromedp.ID("title")))
			if terr != nil {
				t.Fatalf("reading the page: %v", terr)
			}
			if title != tt.wantTitle {
				t.Errorf("page title %q, want %q", title, tt.wantTitle)
			}

			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Wait = %v, want %v", err, tt.wantErr)
				}
				assertNoSecrets(t, err, "code-from-fake", stateOf(t, s), s.verifier)
				return
			}
			if err != nil {
				t.Fatalf("Wait: %v", err)
			}
			if res.Code != "code-from-fake" {
				t.Errorf("code %q, want the fake's code", res.Code)
			}
			fake.mu.Lock()
			challenge := fake.challenge
			fake.mu.Unlock()
			if oauth2.S256ChallengeFromVerifier(res.Verifier) != challenge {
				t.Error("the verifier does not match the challenge the browser carried")
			}
			s.Close()
			assertPortFree(t, port)
		})
	}
}
