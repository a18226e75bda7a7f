package exactsim

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/exactkeeper/exactkeeper/assets"
	"github.com/exactkeeper/exactkeeper/core/login"
)

// TestRelayMirror: the demo registers the public relay page, which the
// simulator stands in for, so the default login works offline. Any other
// redirect URI is followed as registered.
func TestRelayMirror(t *testing.T) {
	h := newHarness(t, nil)
	for _, tt := range []struct {
		redirect, wantPrefix string
	}{
		{login.DefaultRedirectURI, h.ts.URL + relayPath + "?"},
		{testRedirect, testRedirect + "?"},
	} {
		form := authParams("")
		form.Set("redirect_uri", tt.redirect)
		form.Set("username", DemoUserName)
		form.Set("password", DemoPassword)
		res := h.postForm("/api/oauth2/auth", form)
		loc := res.header.Get("Location")
		if res.status != http.StatusFound || !strings.HasPrefix(loc, tt.wantPrefix) {
			t.Fatalf("login for %s: %d, Location %q; want %s…", tt.redirect, res.status, loc, tt.wantPrefix)
		}
		u, _ := url.Parse(loc)
		if u.Query().Get("code") == "" || u.Query().Get("state") != "st-123" {
			t.Errorf("the redirect lost the code or the state: %s", loc)
		}
	}
	// An error answer goes to the mirror too.
	q := authParams("")
	q.Set("redirect_uri", login.DefaultRedirectURI)
	q.Set("response_type", "token")
	if res := h.get("/api/oauth2/auth", q); !strings.HasPrefix(res.header.Get("Location"), h.ts.URL+relayPath+"?") {
		t.Errorf("an error answer went to %q, want the simulator's relay page", res.header.Get("Location"))
	}

	res := h.get(relayPath, nil)
	if res.status != http.StatusOK || !bytes.Equal([]byte(res.raw), assets.RelayPage()) {
		t.Fatalf("GET %s: %d, %d bytes; want the embedded relay page", relayPath, res.status, len(res.raw))
	}

	// Without the mirror the public address is used as registered.
	h = newHarness(t, func(c *Config) { c.RelayMirror = nil })
	form := authParams("")
	form.Set("redirect_uri", login.DefaultRedirectURI)
	form.Set("username", DemoUserName)
	form.Set("password", DemoPassword)
	if loc := h.postForm("/api/oauth2/auth", form).header.Get("Location"); !strings.HasPrefix(loc, login.DefaultRedirectURI+"?") {
		t.Errorf("without the mirror the redirect went to %q", loc)
	}
}
