package exactsim

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func (h *harness) postJSON(path, body string) result {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.ts.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return h.do(req)
}

func TestSimEndpoints(t *testing.T) {
	h := newHarness(t, nil)
	access, rt := h.connect()
	h.me(access)
	h.me("")

	res := h.get("/sim/stats", nil)
	for _, key := range []string{"token_calls", "exchanges", "old_token_reuses", "me_ok", "me_unauthorized", "login_failures"} {
		if _, ok := res.body[key]; !ok {
			t.Errorf("/sim/stats lacks %q: %s", key, res.raw)
		}
	}
	var st Stats
	if err := json.Unmarshal([]byte(res.raw), &st); err != nil || st != h.s.Stats() || st.MeOK != 1 || st.Exchanges != 1 {
		t.Fatalf("/sim/stats = %s (%v), Stats() = %+v", res.raw, err, h.s.Stats())
	}

	for _, bad := range []string{`{"kind":"explode"}`, `{"kind":"slow","delay":"-1s"}`, `not json`} {
		if res := h.postJSON("/sim/faults", bad); res.status != http.StatusBadRequest || res.str("error_description") == "" {
			t.Errorf("POST /sim/faults %s: status %d %s", bad, res.status, res.raw)
		}
	}
	if res := h.postJSON("/sim/faults", `{"kind":"server-error","count":2}`); res.status != http.StatusNoContent {
		t.Fatalf("POST /sim/faults: status %d %s", res.status, res.raw)
	}
	h.clock.Advance(10 * time.Minute)
	for range 2 {
		if res := h.refresh(rt); res.status != http.StatusInternalServerError {
			t.Fatalf("status %d, want 500 from the injected fault", res.status)
		}
	}

	if res := h.postJSON("/sim/reset", ""); res.status != http.StatusNoContent {
		t.Fatalf("POST /sim/reset: status %d", res.status)
	}
	if st := h.s.Stats(); st != (Stats{}) {
		t.Fatalf("stats after reset: %+v", st)
	}
	// The chain survived the reset.
	if res := h.refresh(rt); res.status != http.StatusOK {
		t.Fatalf("refresh after reset: %d %s", res.status, res.raw)
	}
	if res := h.get("/api/oauth2/token", nil); res.status != http.StatusMethodNotAllowed {
		t.Errorf("GET on the token endpoint: status %d", res.status)
	}
}

func TestIndexPageShowsNoSecret(t *testing.T) {
	h := newHarness(t, nil)
	res := h.get("/", nil)
	if res.status != 200 || !strings.Contains(res.raw, DemoClientID) || strings.Contains(res.raw, DemoClientSecret) {
		t.Fatalf("index: status %d, body %s", res.status, res.raw)
	}
}

func TestListenAndServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logw := &signalWriter{match: "injected fault slow", ch: make(chan struct{})}
	waiting := logw.ch
	cfg := DemoConfig()
	base, wait, err := ListenAndServe(ctx, "127.0.0.1:0", cfg, logw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("base URL %q", base)
	}

	// A busy port is a clear error.
	addr := strings.TrimPrefix(base, "http://")
	if _, _, err := ListenAndServe(ctx, addr, cfg, nil); err == nil || !strings.Contains(err.Error(), "choose another address") {
		t.Fatalf("second listener on %s: %v", addr, err)
	}

	// A whole flow over the real listener.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	form := authParams("")
	form.Set("username", DemoUserName)
	form.Set("password", DemoPassword)
	resp, err := noRedirect.PostForm(base+"/api/oauth2/auth", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	code := loc.Query().Get("code")
	resp, err = http.PostForm(base+"/api/oauth2/token", url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect},
		"client_id": {DemoClientID}, "client_secret": {DemoClientSecret},
	})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if resp.StatusCode != 200 || err != nil || tok.RefreshToken == "" {
		t.Fatalf("exchange: status %d, %v", resp.StatusCode, err)
	}

	// A slow answer in flight does not hold up the shutdown.
	resp, err = http.Post(base+"/sim/faults", "application/json", strings.NewReader(`{"kind":"slow","delay":"1h"}`))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("inject: %v", err)
	}
	resp.Body.Close()
	slowDone := make(chan int, 1)
	go func() {
		resp, err := http.PostForm(base+"/api/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "client_id": {DemoClientID}, "client_secret": {DemoClientSecret}})
		if err != nil {
			slowDone <- 0
			return
		}
		resp.Body.Close()
		slowDone <- resp.StatusCode
	}()
	<-waiting
	cancel()
	if err := wait(); err != nil {
		t.Fatalf("wait() = %v, want nil after ctx ends", err)
	}
	// The shutdown let the handler finish: the real clock says too early.
	if status := <-slowDone; status != http.StatusBadRequest {
		t.Fatalf("the slow request got status %d, want 400 (too early)", status)
	}

	log := logw.String()
	if !strings.Contains(log, "logged in") || !strings.Contains(log, "code exchanged") {
		t.Errorf("log lacks the flow:\n%s", log)
	}
	for name, secret := range map[string]string{"code": code, "access token": tok.AccessToken, "refresh token": tok.RefreshToken, "client secret": DemoClientSecret} {
		if strings.Contains(log, secret) {
			t.Errorf("the log contains the %s", name)
		}
	}
}
