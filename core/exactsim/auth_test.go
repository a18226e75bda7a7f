package exactsim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestLoginPage(t *testing.T) {
	h := newHarness(t, nil)
	q := authParams(S256("verifier"))
	q.Set("state", `a"b<c>`)
	q.Set("force_login", "1")
	res := h.get("/api/oauth2/auth", q)
	if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, content type %q", res.status, res.header.Get("Content-Type"))
	}
	for _, want := range []string{
		"<title>Exact Online (simulator)</title>",
		`<input id="username" name="username"`,
		`<input id="password" name="password" type="password"`,
		`<button id="login" type="submit">`,
		`<button id="deny" name="deny" value="1">`,
		`name="client_id" value="` + DemoClientID + `"`,
		`name="redirect_uri" value="` + testRedirect + `"`,
		`name="code_challenge" value="` + S256("verifier") + `"`,
		`name="state" value="a&#34;b&lt;c&gt;"`, // escaped, not injected
	} {
		if !strings.Contains(res.raw, want) {
			t.Errorf("login page lacks %s", want)
		}
	}
	if strings.Index(res.raw, `id="login"`) > strings.Index(res.raw, `id="deny"`) {
		t.Error("the login button must come first so that Enter logs in")
	}
}

func TestAuthRequestErrors(t *testing.T) {
	tests := []struct {
		name     string
		mod      func(url.Values)
		status   int
		text     string // in the error page
		redirErr string // error= in the redirect instead
	}{
		{"unknown client", func(q url.Values) { q.Set("client_id", "nope") }, 400, "Client with identifier &#39;nope&#39; not found", ""},
		{"unregistered redirect", func(q url.Values) { q.Set("redirect_uri", "http://evil.example/cb") }, 400, "not registered", ""},
		{"trailing slash", func(q url.Values) { q.Set("redirect_uri", testRedirect+"/") }, 400, "not registered", ""},
		{"other port", func(q url.Values) { q.Set("redirect_uri", "http://127.0.0.1:8766/callback") }, 400, "not registered", ""},
		{"localhost for 127.0.0.1", func(q url.Values) { q.Set("redirect_uri", "http://localhost:8765/callback") }, 400, "not registered", ""},
		{"https for http", func(q url.Values) { q.Set("redirect_uri", "https://127.0.0.1:8765/callback") }, 400, "not registered", ""},
		{"extra query", func(q url.Values) { q.Set("redirect_uri", testRedirect+"?x=1") }, 400, "not registered", ""},
		{"response type", func(q url.Values) { q.Set("response_type", "token") }, 302, "", "unsupported_response_type"},
		{"plain PKCE", func(q url.Values) { q.Set("code_challenge", "abc"); q.Set("code_challenge_method", "plain") }, 302, "", "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			q := authParams("")
			tt.mod(q)
			res := h.get("/api/oauth2/auth", q)
			if res.status != tt.status {
				t.Fatalf("status %d, want %d", res.status, tt.status)
			}
			loc := res.header.Get("Location")
			if tt.redirErr == "" {
				if loc != "" || !strings.Contains(res.raw, tt.text) {
					t.Fatalf("want an error page with %q and no redirect; Location %q, body %s", tt.text, loc, res.raw)
				}
				return
			}
			u, _ := url.Parse(loc)
			if !strings.HasPrefix(loc, testRedirect+"?") || u.Query().Get("error") != tt.redirErr || u.Query().Get("state") != "st-123" {
				t.Fatalf("redirect %q, want error=%s with state", loc, tt.redirErr)
			}
		})
	}
}

func TestLoginForm(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Apps[0].RedirectURIs = append(c.Apps[0].RedirectURIs, "https://example.com/cb?tenant=7")
	})
	base := authParams("")

	// Wrong credentials: the form again, with an error and the user name.
	form := url.Values{}
	for k, v := range base {
		form[k] = v
	}
	form.Set("username", "demo")
	form.Set("password", "wrong")
	res := h.postForm("/api/oauth2/auth", form)
	if res.status != http.StatusOK || !strings.Contains(res.raw, "incorrect") || !strings.Contains(res.raw, `id="username" name="username" value="demo"`) {
		t.Fatalf("wrong password: status %d, body %s", res.status, res.raw)
	}
	if st := h.s.Stats(); st.LoginFailures != 1 || st.Logins != 0 {
		t.Fatalf("stats %+v", st)
	}

	// Deny: back to the app with access_denied and the state.
	form.Set("deny", "1")
	res = h.postForm("/api/oauth2/auth", form)
	u, _ := url.Parse(res.header.Get("Location"))
	if res.status != http.StatusFound || u.Query().Get("error") != "access_denied" || u.Query().Get("state") != "st-123" || u.Query().Has("code") {
		t.Fatalf("deny: status %d, Location %q", res.status, res.header.Get("Location"))
	}

	// Success, with a redirect URI that has its own query.
	form.Del("deny")
	form.Set("password", DemoPassword)
	form.Set("redirect_uri", "https://example.com/cb?tenant=7")
	res = h.postForm("/api/oauth2/auth", form)
	u, _ = url.Parse(res.header.Get("Location"))
	if res.status != http.StatusFound || u.Host != "example.com" || u.Query().Get("tenant") != "7" || u.Query().Get("code") == "" || u.Query().Get("state") != "st-123" {
		t.Fatalf("login: status %d, Location %q", res.status, res.header.Get("Location"))
	}
	if st := h.s.Stats(); st.Logins != 1 {
		t.Fatalf("Logins = %d, want 1", st.Logins)
	}

	// Tampered hidden field: no redirect to an unregistered URI.
	form.Set("redirect_uri", "https://evil.example/cb")
	res = h.postForm("/api/oauth2/auth", form)
	if res.status != http.StatusBadRequest || res.header.Get("Location") != "" {
		t.Fatalf("tampered redirect: status %d, Location %q", res.status, res.header.Get("Location"))
	}
}

func TestCodeExchange(t *testing.T) {
	verifier := "a-verifier-of-sufficient-length-0123456789abcdef"
	tests := []struct {
		name      string
		challenge string
		prepare   func(h *harness, code string) url.Values // returns changes to the form
		want      string                                   // "" for success
	}{
		{"ok", "", nil, ""},
		{"ok with PKCE", S256(verifier), func(*harness, string) url.Values { return url.Values{"code_verifier": {verifier}} }, ""},
		{"replayed", "", func(h *harness, code string) url.Values {
			if res := h.exchange(code, ""); res.status != 200 {
				h.t.Fatalf("first exchange: %s", res.raw)
			}
			return nil
		}, "invalid_grant"},
		{"expired", "", func(h *harness, _ string) url.Values { h.clock.Advance(3*time.Minute + time.Second); return nil }, "invalid_grant"},
		{"other redirect", "", func(*harness, string) url.Values {
			return url.Values{"redirect_uri": {"https://localhost:8765/callback"}}
		}, "invalid_grant"},
		{"unknown code", "", func(*harness, string) url.Values { return url.Values{"code": {"forged"}} }, "invalid_grant"},
		{"PKCE verifier missing", S256(verifier), nil, "invalid_grant"},
		{"PKCE verifier wrong", S256(verifier), func(*harness, string) url.Values { return url.Values{"code_verifier": {"other"}} }, "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			code := h.login(tt.challenge)
			form := url.Values{
				"grant_type":    {"authorization_code"},
				"code":          {code},
				"redirect_uri":  {testRedirect},
				"client_id":     {DemoClientID},
				"client_secret": {DemoClientSecret},
			}
			if tt.prepare != nil {
				for k, v := range tt.prepare(h, code) {
					form[k] = v
				}
			}
			res := h.token(form)
			if tt.want != "" {
				wantError(t, res, http.StatusBadRequest, tt.want)
				if strings.Contains(res.raw, code) {
					t.Error("the error echoes the code")
				}
				return
			}
			if res.status != http.StatusOK {
				t.Fatalf("status %d: %s", res.status, res.raw)
			}
			if st := h.s.Stats(); st.Exchanges != 1 {
				t.Fatalf("Exchanges = %d", st.Exchanges)
			}
		})
	}
}

func TestCodeBoundToClient(t *testing.T) {
	h := newHarness(t, nil)
	h.s.AddApp(App{ClientID: "other-app", ClientSecret: "other-secret", RedirectURIs: []string{testRedirect}})
	code := h.login("")
	res := h.token(url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect},
		"client_id": {"other-app"}, "client_secret": {"other-secret"},
	})
	wantError(t, res, http.StatusBadRequest, "invalid_grant")
	// The failed attempt spent the code.
	wantError(t, h.exchange(code, ""), http.StatusBadRequest, "invalid_grant")
}

func TestIssueCode(t *testing.T) {
	h := newHarness(t, nil)
	if _, err := h.s.IssueCode(DemoClientID, testRedirect, "nobody", ""); err == nil {
		t.Fatal("IssueCode for an unknown user: no error")
	}
	if _, err := h.s.IssueCode(DemoClientID, "https://evil.example/", "demo", ""); err == nil {
		t.Fatal("IssueCode for an unregistered redirect: no error")
	}
	code, err := h.s.IssueCode(DemoClientID, testRedirect, "Demo", "")
	if err != nil {
		t.Fatal(err)
	}
	if res := h.exchange(code, ""); res.status != http.StatusOK {
		t.Fatalf("exchange of an issued code: %d %s", res.status, res.raw)
	}
}
