package cli_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exactkeeper/exactkeeper/core/exactsim"
	"github.com/exactkeeper/exactkeeper/core/gateway"
	"github.com/exactkeeper/exactkeeper/core/ipc"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// TestGatewayKeys: a key is printed once, alone on stdout's first line,
// and only its hash is kept; list and remove find it by name; on and off
// keep to loopback addresses.
func TestGatewayKeys(t *testing.T) {
	h := newLangHome(t)
	code, out, errs := h.run(langEN, "gateway", "key", "add", "powerbi")
	if code != 0 {
		t.Fatalf("key add: %d %s", code, errs)
	}
	key := strings.SplitN(out, "\n", 2)[0]
	if !strings.HasPrefix(key, "ekg_") || len(key) < 40 || strings.TrimSpace(out) != key {
		t.Fatalf("key add printed %q; want the key alone", out)
	}
	raw, err := os.ReadFile(filepath.Join(h.dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), key) || !strings.Contains(string(raw), gateway.HashKey(key)) {
		t.Fatal("config.json must hold the key's hash and never the key")
	}
	if code, _, _ := h.run(langEN, "gateway", "key", "add", "PowerBI"); code != 1 {
		t.Fatalf("a second key of the same name: exit %d, want 1", code)
	}
	if code, _, _ := h.run(langEN, "gateway", "key", "add", "two words"); code != 2 {
		t.Fatalf("a name with a space: exit %d, want 2", code)
	}
	_, out, _ = h.run(langEN, "gateway", "key", "list")
	if !strings.Contains(out, "powerbi") || strings.Contains(out, key) {
		t.Fatalf("key list: %q", out)
	}
	if code, _, errs := h.run(langEN, "gateway", "on", "--addr", "0.0.0.0:41234"); code != 2 {
		t.Fatalf("on a public address: exit %d (%s), want 2", code, errs)
	}
	if code, _, errs := h.run(langEN, "gateway", "on", "--addr", "127.0.0.1:41234"); code != 0 || !strings.Contains(errs, "127.0.0.1:41234") {
		t.Fatalf("on: exit %d (%s)", code, errs)
	}
	_, out, _ = h.run(langEN, "gateway", "status", "--json")
	var st gateway.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil || !st.Enabled || st.Running || st.Addr != "127.0.0.1:41234" || len(st.Keys) != 1 {
		t.Fatalf("status --json: %s (%v)", out, err)
	}
	if code, _, _ := h.run(langEN, "gateway", "key", "remove", "powerbi"); code != 0 {
		t.Fatalf("key remove: exit %d", code)
	}
	if code, _, _ := h.run(langEN, "gateway", "key", "remove", "powerbi"); code != 1 {
		t.Fatalf("removing it again: exit %d, want 1", code)
	}
	h.run(langEN, "gateway", "off")
	if _, out, _ = h.run(langNL, "gateway", "status"); !strings.Contains(out, "staat uit") {
		t.Fatalf("status in Dutch: %q", out)
	}
}

// TestAPIAndGatewayThroughKeeper reads all 150 rows of an entity with `api --paginate`,
// through a running keeper (its IPC endpoint and gateway, no listener on)
// and then, with the keeper gone, with a one-shot token and a warning.
func TestAPIAndGatewayThroughKeeper(t *testing.T) {
	h := newLangHome(t)
	sc := exactsim.DemoConfig()
	sim := exactsim.New(sc)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	st, err := store.Open(h.dir)
	if err != nil {
		t.Fatal(err)
	}
	o := keeper.Options{Store: st, Vault: h.vault, LockDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)}
	redirect := sc.Apps[0].RedirectURIs[1]
	code, err := sim.IssueCode(exactsim.DemoClientID, redirect, exactsim.DemoUserName, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keeper.Complete(context.Background(), o, keeper.ConnectRequest{Name: "Bakkerij", BaseURL: srv.URL,
		ClientID: exactsim.DemoClientID, ClientSecret: exactsim.DemoClientSecret, RedirectURI: redirect}, code, ""); err != nil {
		t.Fatal(err)
	}

	k, err := keeper.New(o)
	if err != nil {
		t.Fatal(err)
	}
	l, err := ipc.Listen(h.dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	gw := gateway.ForKeeper(st, k, nil)
	done := make(chan struct{}, 2)
	go func() { _ = k.Run(ctx); done <- struct{}{} }()
	go func() { _ = (&ipc.Server{Backend: k, Gateway: gw}).Serve(ctx, l); done <- struct{}{} }()
	stopped := false
	stopKeeper := func() {
		if !stopped {
			stopped = true
			stop()
			<-done
			<-done
		}
	}
	t.Cleanup(stopKeeper)
	t.Cleanup(gw.Close)

	rowsOf := func(out string) int {
		var rows []map[string]any
		if err := json.Unmarshal([]byte(out), &rows); err != nil {
			t.Fatalf("api --paginate printed %q", out)
		}
		ids := map[any]bool{}
		for _, r := range rows {
			ids[r["ID"]] = true
		}
		return len(ids)
	}
	c, out, errs := h.run(langEN, "api", "--paginate", "{division}/crm/Accounts")
	if c != 0 || rowsOf(out) != 150 || errs != "" {
		t.Fatalf("through the keeper: exit %d, stderr %q", c, errs)
	}
	if s := gw.G.Stats(); len(s) != 1 || s[0].Name != gateway.CLIClient || s[0].RequestsToday != 3 {
		t.Fatalf("the keeper's counters: %+v", s)
	}
	h.stdin = `{"Name":"Bakkerij Noord"}`
	c, out, errs = h.run(langEN, "api", "-X", "post", "--input", "-", "{division}/crm/Accounts")
	h.stdin = ""
	if c != 0 || !strings.Contains(out, `"Name": "Bakkerij Noord"`) {
		t.Fatalf("a POST: exit %d, stdout %q, stderr %q", c, out, errs)
	}
	c, out, errs = h.run(langEN, "divisions", "--json")
	if c != 0 || !strings.Contains(out, `"code": 1234567`) || !strings.Contains(out, `"current": true`) {
		t.Fatalf("divisions: exit %d %s %s", c, out, errs)
	}
	if c, _, errs = h.run(langEN, "api", "--connection", "Bakkerij", "/api/v1/999/crm/Accounts"); c != 4 || !strings.Contains(errs, "403") || !strings.Contains(errs, "division scope") {
		t.Fatalf("a foreign division: exit %d, stderr %q; want 4 (needs attention) and Exact's words", c, errs)
	}

	// The gateway switched on while the keeper runs listens at once, and
	// a program with its key reads through it.
	c, _, errs = h.run(langEN, "gateway", "on", "--addr", "127.0.0.1:0")
	if c != 0 || !strings.Contains(errs, "listens on http://127.0.0.1:") {
		t.Fatalf("gateway on: exit %d, stderr %q", c, errs)
	}
	_, key, _ := h.run(langEN, "gateway", "key", "add", "excel")
	_, out, _ = h.run(langEN, "gateway", "status", "--json")
	var gs gateway.Status
	if err := json.Unmarshal([]byte(out), &gs); err != nil || !gs.Running {
		t.Fatalf("status: %s", out)
	}
	req, _ := http.NewRequest("GET", "http://"+gs.Addr+"/api/v1/current/Me", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(key))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("through the gateway: %d", resp.StatusCode)
	}
	_, out, _ = h.run(langEN, "gateway", "key", "list")
	if !strings.Contains(out, "excel") || !strings.Contains(out, gateway.CLIClient) {
		t.Fatalf("key list: %q", out)
	}
	if c, _, _ = h.run(langEN, "gateway", "off"); c != 0 {
		t.Fatalf("gateway off: exit %d", c)
	}
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("the gateway still listens after off")
	}

	stopKeeper()
	c, out, errs = h.run(langEN, "api", "--paginate", "--connection", "bakkerij", "crm/Accounts")
	if c != 0 || rowsOf(out) != 150 || !strings.Contains(errs, "without pacing") {
		t.Fatalf("without a keeper: exit %d, stderr %q", c, errs)
	}
}
