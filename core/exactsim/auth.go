package exactsim

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"github.com/exactkeeper/exactkeeper/assets"
	"html"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// authCode is an issued authorization code, bound to what the token call
// must repeat.
type authCode struct {
	client    string
	redirect  string
	user      string // UserID
	challenge string // S256 code challenge, or empty
	expires   time.Time
	used      bool
}

// authRequest is what the login page carries from GET to POST.
type authRequest struct {
	ClientID            string
	RedirectURI         string
	ResponseType        string
	State               string
	CodeChallenge       string
	CodeChallengeMethod string
	UserName            string // refilled after a failed attempt
	Error               string
}

func authRequestFrom(v url.Values) authRequest {
	return authRequest{
		ClientID:            v.Get("client_id"),
		RedirectURI:         v.Get("redirect_uri"),
		ResponseType:        v.Get("response_type"),
		State:               v.Get("state"),
		CodeChallenge:       v.Get("code_challenge"),
		CodeChallengeMethod: v.Get("code_challenge_method"),
	}
}

// checkClient returns the error page text when the request must not redirect
// at all: an unknown client or a redirect URI that is not registered exactly.
// Callers hold mu.
func (s *Server) checkClient(ar authRequest) string {
	app, ok := s.apps[ar.ClientID]
	if !ok {
		return fmt.Sprintf("Client with identifier '%s' not found", ar.ClientID)
	}
	if !slices.Contains(app.RedirectURIs, ar.RedirectURI) {
		return fmt.Sprintf("The redirect URI '%s' is not registered for this app; it must match a registered URI exactly.", ar.RedirectURI)
	}
	return ""
}

// checkParams returns the OAuth error to send back to the (valid) redirect URI.
func checkParams(ar authRequest) (code, desc string) {
	if ar.ResponseType != "code" {
		return "unsupported_response_type", "response_type must be code"
	}
	if ar.CodeChallenge != "" && ar.CodeChallengeMethod != "S256" {
		return "invalid_request", "code_challenge_method must be S256"
	}
	if ar.CodeChallenge == "" && ar.CodeChallengeMethod != "" {
		return "invalid_request", "code_challenge_method given without code_challenge"
	}
	return "", ""
}

func (s *Server) handleAuthPage(w http.ResponseWriter, r *http.Request) {
	ar := authRequestFrom(r.URL.Query())
	s.mu.Lock()
	msg := s.checkClient(ar)
	s.mu.Unlock()
	if msg != "" {
		errorPage(w, http.StatusBadRequest, msg)
		return
	}
	if code, desc := checkParams(ar); code != "" {
		redirect(w, s.landing(r, ar.RedirectURI), url.Values{"error": {code}, "error_description": {desc}, "state": {ar.State}})
		return
	}
	// There are no browser sessions here, so every request behaves as if
	// force_login=1 had been given.
	loginPage(w, http.StatusOK, ar)
}

func (s *Server) handleAuthForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	if err := r.ParseForm(); err != nil {
		errorPage(w, http.StatusBadRequest, "The login form could not be read; go back to the app and start the login again.")
		return
	}
	s.mu.Lock()
	respond := s.authForm(r.PostForm, func(uri string) string { return s.landing(r, uri) })
	s.mu.Unlock()
	respond(w) // pages can outgrow the response buffer: write without the lock
}

// authForm decides the answer to a submitted login form. Callers hold mu.
func (s *Server) authForm(form url.Values, landing func(string) string) func(http.ResponseWriter) {
	ar := authRequestFrom(form)
	// The hidden fields came back from the browser, so check them again.
	if msg := s.checkClient(ar); msg != "" {
		return func(w http.ResponseWriter) { errorPage(w, http.StatusBadRequest, msg) }
	}
	back := func(params url.Values) func(http.ResponseWriter) {
		return func(w http.ResponseWriter) { redirect(w, landing(ar.RedirectURI), params) }
	}
	if code, desc := checkParams(ar); code != "" {
		return back(url.Values{"error": {code}, "error_description": {desc}, "state": {ar.State}})
	}
	if form.Get("deny") != "" {
		s.logf("login: access denied by the user for client %s", ar.ClientID)
		return back(url.Values{"error": {"access_denied"}, "state": {ar.State}})
	}
	name := form.Get("username")
	u, ok := s.users[strings.ToLower(name)]
	if !ok || u.Password != form.Get("password") {
		s.stats.LoginFailures++
		// The attempted name is not logged: people type passwords into it.
		s.logf("login: wrong user name or password for client %s", ar.ClientID)
		ar.UserName = name
		ar.Error = "The user name or password is incorrect."
		return func(w http.ResponseWriter) { loginPage(w, http.StatusOK, ar) }
	}
	code := s.newCode(ar.ClientID, ar.RedirectURI, u.UserID, ar.CodeChallenge)
	s.stats.Logins++
	s.logf("login: %s logged in for client %s", u.UserName, ar.ClientID)
	return back(url.Values{"code": {code}, "state": {ar.State}})
}

// newCode issues an authorization code. Callers hold mu.
func (s *Server) newCode(client, redirectURI, userID, challenge string) string {
	now := s.cfg.Now()
	for c, ac := range s.codes {
		if now.After(ac.expires) {
			delete(s.codes, c)
		}
	}
	code := newToken(120)
	s.codes[code] = &authCode{
		client:    client,
		redirect:  redirectURI,
		user:      userID,
		challenge: challenge,
		expires:   now.Add(s.cfg.CodeLifetime),
	}
	return code
}

// IssueCode returns an authorization code as if userName had logged in
// through the login page, for tests that need a chain without a browser.
// challenge is an S256 code challenge or empty.
func (s *Server) IssueCode(clientID, redirectURI, userName, challenge string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if msg := s.checkClient(authRequest{ClientID: clientID, RedirectURI: redirectURI}); msg != "" {
		return "", errors.New(msg)
	}
	u, ok := s.users[strings.ToLower(userName)]
	if !ok {
		return "", fmt.Errorf("the simulator has no user %q", userName)
	}
	s.stats.Logins++
	return s.newCode(clientID, redirectURI, u.UserID, challenge), nil
}

// S256 returns the PKCE code challenge for a verifier (RFC 7636).
func S256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// relayPath is where the simulator serves its copy of the relay page.
const relayPath = "/relay/login.html"

// landing is where the browser goes for a registered redirect URI: the
// simulator's own relay page for the public relays it stands in for.
func (s *Server) landing(r *http.Request, redirectURI string) string {
	if slices.Contains(s.cfg.RelayMirror, redirectURI) {
		return "http://" + r.Host + relayPath
	}
	return redirectURI
}

// handleRelayPage serves the relay page exactly as it is published.
func handleRelayPage(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(assets.RelayPage())
}

// redirect sends the browser to redirectURI with params added to its query.
func redirect(w http.ResponseWriter, redirectURI string, params url.Values) {
	u, err := url.Parse(redirectURI)
	if err != nil {
		errorPage(w, http.StatusBadRequest, "The registered redirect URI is not a valid URL.")
		return
	}
	q := u.Query()
	for k, vs := range params {
		if k == "state" && vs[0] == "" {
			continue
		}
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", u.String())
	w.WriteHeader(http.StatusFound)
}

func loginPage(w http.ResponseWriter, status int, ar authRequest) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	e := html.EscapeString
	var b strings.Builder
	b.WriteString(pageHead + `
<p>An app (client ID <code>` + e(ar.ClientID) + `</code>) asks for access to your administration.</p>
`)
	if ar.Error != "" {
		b.WriteString(`<p class="error" id="error" role="alert">` + e(ar.Error) + `</p>`)
	}
	b.WriteString(`
<form method="post" action="auth" autocomplete="on">
<input type="hidden" name="client_id" value="` + e(ar.ClientID) + `">
<input type="hidden" name="redirect_uri" value="` + e(ar.RedirectURI) + `">
<input type="hidden" name="response_type" value="` + e(ar.ResponseType) + `">
<input type="hidden" name="state" value="` + e(ar.State) + `">
<input type="hidden" name="code_challenge" value="` + e(ar.CodeChallenge) + `">
<input type="hidden" name="code_challenge_method" value="` + e(ar.CodeChallengeMethod) + `">
<label for="username">User name</label>
<input id="username" name="username" value="` + e(ar.UserName) + `" autocomplete="username" autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password">
<div class="actions">
<button id="login" type="submit">Log in</button>
<button id="deny" name="deny" value="1">Deny</button>
</div>
</form>
</main></body></html>
`)
	_, _ = io.WriteString(w, b.String())
}

func errorPage(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, pageHead+`
<p class="error" id="error" role="alert">`+html.EscapeString(msg)+`</p>
<p>Close this window and check the app's settings.</p>
</main></body></html>
`)
}

func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	var info struct{ Apps []App }
	for _, a := range s.apps {
		info.Apps = append(info.Apps, App{ClientID: a.ClientID, RedirectURIs: a.RedirectURIs})
	}
	s.mu.Unlock()
	slices.SortFunc(info.Apps, func(a, b App) int { return strings.Compare(a.ClientID, b.ClientID) })
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	var b strings.Builder
	b.WriteString(pageHead + `
<p>This is the Exact Online simulator. Registered apps:</p>
`)
	for _, a := range info.Apps {
		b.WriteString(`<p>Client ID <code>` + html.EscapeString(a.ClientID) + `</code><br>Redirect URIs:`)
		for _, u := range a.RedirectURIs {
			b.WriteString(`<br><code>` + html.EscapeString(u) + `</code>`)
		}
		b.WriteString(`</p>`)
	}
	b.WriteString(`
<p>Counters: <a href="sim/stats">sim/stats</a></p>
</main></body></html>
`)
	_, _ = io.WriteString(w, b.String())
}

const pageHead = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Exact Online (simulator)</title>
<style>
body{margin:0;background:#eef1f5;color:#1f2a37;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:380px;margin:8vh auto;background:#fff;border-radius:10px;box-shadow:0 4px 18px rgba(15,23,42,.08);padding:32px 36px}
.brand{font-size:22px;font-weight:700;color:#e4002b;margin:0}
.sub{margin:2px 0 22px;color:#6b7280;font-size:13px}
label{display:block;font-weight:600;margin:14px 0 4px}
input{box-sizing:border-box;width:100%;padding:9px 11px;border:1px solid #cbd2dc;border-radius:6px;font:inherit}
input:focus{outline:2px solid #e4002b33;border-color:#e4002b}
.actions{display:flex;gap:10px;margin-top:22px}
button{flex:1;padding:10px;border-radius:6px;border:1px solid #e4002b;font:inherit;font-weight:600;cursor:pointer}
#login{background:#e4002b;color:#fff}
#deny{background:#fff;color:#e4002b}
.error{background:#fdecef;color:#a3001f;border-radius:6px;padding:8px 11px;margin:0 0 8px}
code{font-size:12px;word-break:break-all}
</style></head><body><main>
<p class="brand">Exact Online</p><p class="sub">Simulator: no real administration is involved.</p>
`

// The pages are put together by hand, each value through
// html.EscapeString (all sit in element text or double-quoted attributes):
// html/template, linked into every program that links the simulator, cost
// about 3 MB of binary paged in at each start (docs/performance.md).
