package cli_test

import (
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

// The uninstaller's "remove the secrets too": every connection's secrets
// leave the keychain, even two connections of one name, and only theirs;
// delegations stay.
func TestForgetAll(t *testing.T) {
	h := newLangHome(t)
	st, err := store.Open(h.dir)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{"a1a1a1a1a1a1", "b2b2b2b2b2b2"}
	err = st.UpdateConfig(func(c *store.Config) error {
		for _, id := range ids {
			c.Connections = append(c.Connections, store.Connection{ID: id, Name: "Bakkerij", Region: "nl",
				BaseURL: "https://start.exactonline.nl", ClientID: "cid", RefreshLifetime: store.Duration(720 * time.Hour)})
		}
		c.Delegations = append(c.Delegations, store.Delegation{ID: "d1", Platform: "Invantive Cloud", Grantee: "Kantoor Smit"})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		for _, k := range []string{vault.ClientSecretKey(id), vault.ChainKey(id), vault.AccessTokenKey(id)} {
			h.vault.m[k] = "secret"
		}
	}
	h.vault.m["other-app/client_secret"] = "not ours"

	code, stdout, stderr := h.run("en_GB.UTF-8", "__forget-all")
	if code != 0 || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if len(h.vault.m) != 1 || h.vault.m["other-app/client_secret"] != "not ours" {
		t.Errorf("keychain after forgetting: %v; want only the other app's item", h.vault.m)
	}
	cfg, err := st.LoadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Connections) != 0 || len(cfg.Delegations) != 1 {
		t.Errorf("config: %d connections, %d delegations; want 0 and 1", len(cfg.Connections), len(cfg.Delegations))
	}
	// Nothing left to forget is no error: the uninstaller may run twice.
	if code, _, stderr := h.run("en_GB.UTF-8", "__forget-all"); code != 0 {
		t.Errorf("second run: exit %d, %s", code, stderr)
	}
	if code, _, _ := h.run("en_GB.UTF-8", "__forget-all", "extra"); code != 2 {
		t.Errorf("with an argument: exit %d, want 2", code)
	}
}
