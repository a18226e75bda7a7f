package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/cli"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/present"
	"github.com/exactkeeper/exactkeeper/core/store"
)

var statusNow = time.Date(2026, 11, 29, 14, 0, 0, 0, time.UTC)

// statusHome is an EXACTKEEPER_HOME with connections in the given states;
// no keeper runs for it, so status reads the files.
func statusHome(t *testing.T, states map[string]store.ConnState) map[string]string {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = st.UpdateConfig(func(c *store.Config) error {
		for _, name := range []string{"Bakkerij", "Garage", "Kapper"} {
			if _, ok := states[name]; ok {
				c.Connections = append(c.Connections, store.Connection{ID: "id-" + name, Name: name, Region: "nl",
					BaseURL: "https://start.exactonline.nl", ClientID: "cid", RefreshLifetime: store.Duration(720 * time.Hour)})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = st.UpdateState(func(s *store.State) error {
		s.Connections = map[string]store.ConnState{}
		for name, cs := range states {
			s.Connections["id-"+name] = cs
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"EXACTKEEPER_HOME": dir, "LANG": "en_US.UTF-8"}
}

func runStatus(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return env[k] }, Now: func() time.Time { return statusNow }}
	code := cli.Main(context.Background(), e, append([]string{"status"}, args...))
	return code, out.String(), errb.String()
}

func TestStatusExitCodes(t *testing.T) {
	day := 24 * time.Hour
	ok := store.ConnState{Status: keeper.StatusOK, LastRefresh: statusNow.Add(-2 * time.Hour), AccessExpiry: statusNow.Add(-2*time.Hour + 10*time.Minute)}
	failing := store.ConnState{Status: keeper.StatusFailing, LastRefresh: statusNow.Add(-3 * day), FailingSince: statusNow.Add(-time.Hour), LastError: "timeout"}
	paused := store.ConnState{Status: keeper.StatusPaused, LastRefresh: statusNow.Add(-time.Hour), LastError: "paused until 15:00"}
	api := store.ConnState{Status: keeper.StatusNeedsAttention, Attention: keeper.AttentionAPI, LastRefresh: statusNow.Add(-time.Hour)}
	reconnect := store.ConnState{Status: keeper.StatusNeedsReconnect, LastRefresh: statusNow.Add(-2 * day), FailingSince: statusNow.Add(-day)}
	// Recorded "ok", but the PC was off for 40 days: the login lapsed.
	offline := store.ConnState{Status: keeper.StatusOK, LastRefresh: statusNow.Add(-70 * day)}
	tests := []struct {
		name   string
		states map[string]store.ConnState
		code   int
		json   map[string]string // name → status in --json
	}{
		{"all ok", map[string]store.ConnState{"Bakkerij": ok, "Garage": ok}, 0,
			map[string]string{"Bakkerij": "ok", "Garage": "ok"}},
		{"never refreshed", map[string]store.ConnState{"Bakkerij": {}}, 0, map[string]string{"Bakkerij": "new"}},
		{"failing", map[string]store.ConnState{"Bakkerij": ok, "Garage": failing}, 4,
			map[string]string{"Bakkerij": "ok", "Garage": "failing"}},
		{"paused", map[string]store.ConnState{"Bakkerij": paused}, 4, map[string]string{"Bakkerij": "paused"}},
		{"API refused", map[string]store.ConnState{"Bakkerij": api}, 4, map[string]string{"Bakkerij": "needs-attention"}},
		// Today's bug: exit 0 for needs-reconnect.
		{"needs reconnect", map[string]store.ConnState{"Bakkerij": reconnect}, 3, map[string]string{"Bakkerij": "needs-reconnect"}},
		// Today's bug: "ok" after the lapse time passed.
		{"lapsed while off", map[string]store.ConnState{"Bakkerij": offline}, 3, map[string]string{"Bakkerij": "lapsed"}},
		{"3 wins over 4", map[string]store.ConnState{"Bakkerij": failing, "Garage": offline, "Kapper": paused}, 3,
			map[string]string{"Bakkerij": "failing", "Garage": "lapsed", "Kapper": "paused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := statusHome(t, tt.states)
			code, out, errOut := runStatus(t, env)
			if code != tt.code {
				t.Errorf("status: exit %d, want %d\n%s%s", code, tt.code, out, errOut)
			}
			if errOut != "" {
				t.Errorf("status wrote to stderr: %q", errOut)
			}
			for name, state := range tt.json {
				line := lineOf(out, name)
				if f := strings.Fields(line); len(f) < 2 || f[1] != state {
					t.Errorf("table row of %s = %q, want state %s", name, line, state)
				}
			}
			if tt.code != 0 && !strings.Contains(out, "\n"+firstNonOK(tt.json)+": ") {
				t.Errorf("no sentence under the table for %s:\n%s", firstNonOK(tt.json), out)
			}

			code, out, _ = runStatus(t, env, "--json")
			if code != tt.code {
				t.Errorf("status --json: exit %d, want %d", code, tt.code)
			}
			var list []map[string]any
			if err := json.Unmarshal([]byte(out), &list); err != nil {
				t.Fatalf("status --json is not a JSON list: %v\n%s", err, out)
			}
			if len(list) != len(tt.json) {
				t.Fatalf("status --json lists %d connections, want %d", len(list), len(tt.json))
			}
			for _, c := range list {
				name, _ := c["name"].(string)
				if c["status"] != tt.json[name] {
					t.Errorf("%s: status %v, want %s", name, c["status"], tt.json[name])
				}
				if msg, _ := c["message"].(string); msg == "" {
					t.Errorf("%s: no message", name)
				}
				// Zero times are left out, not "0001-01-01T00:00:00Z".
				for k, v := range c {
					if s, ok := v.(string); ok && strings.HasPrefix(s, "0001-01-01") {
						t.Errorf("%s: %s is a zero time", name, k)
					}
				}
			}
		})
	}
}

func firstNonOK(states map[string]string) string {
	for _, n := range []string{"Bakkerij", "Garage", "Kapper"} {
		if s, ok := states[n]; ok && s != "ok" && s != "new" {
			return n
		}
	}
	return ""
}

func lineOf(out, name string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, name+" ") {
			return l
		}
	}
	return ""
}

func TestStatusJSONOmitsZeroTimes(t *testing.T) {
	env := statusHome(t, map[string]store.ConnState{"Bakkerij": {}})
	_, out, _ := runStatus(t, env, "--json")
	for _, k := range []string{"last_refresh", "lapses_at", "failing_since", "access_expiry"} {
		if strings.Contains(out, `"`+k+`"`) {
			t.Errorf("a connection never refreshed has %s:\n%s", k, out)
		}
	}
}

// TestExitCodeTable: one table, in help and in the README, with the codes
// present decides.
func TestExitCodeTable(t *testing.T) {
	var out bytes.Buffer
	english := func(string) string { return "" }
	cli.Main(context.Background(), cli.Env{Stdout: &out, Stderr: &out, Getenv: english}, []string{"help"})
	help := out.String()
	i := strings.Index(help, "Exit codes (every command):")
	if i < 0 {
		t.Fatalf("help has no exit-code table:\n%s", help)
	}
	table := help[i:]
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	indented := strings.ReplaceAll(strings.TrimRight(table, "\n"), "\n", "\n  ")
	if !strings.Contains(string(readme), indented) {
		t.Errorf("README.md does not hold help's exit-code table:\n%s", indented)
	}
	for code, want := range map[int]string{present.ExitNeedLogin: "3  a new login", present.ExitAttention: "4  needs attention"} {
		if !strings.Contains(table, want) {
			t.Errorf("exit code %d is not %q in:\n%s", code, want, table)
		}
	}
	if cli.ExitReconnect != present.ExitNeedLogin || cli.ExitAttention != present.ExitAttention {
		t.Error("cli's exit codes differ from present's")
	}
}

// TestStatusSaysWhyInTheShellsLanguage: the sentence under the table is
// core/present's, in the language of LANG.
func TestStatusSaysWhyInTheShellsLanguage(t *testing.T) {
	offline := store.ConnState{Status: keeper.StatusOK, LastRefresh: statusNow.Add(-70 * 24 * time.Hour)}
	for lang, want := range map[string]string{
		"en_GB.UTF-8": "Bakkerij: The connection lapsed on 2026-10-20 while this PC was off or Exact Keeper was not running; log in again\n",
		"nl_NL.UTF-8": "Bakkerij: De koppeling is op 20-10-2026 verlopen terwijl deze pc uit stond of Exact Keeper niet draaide; log opnieuw in\n",
	} {
		env := statusHome(t, map[string]store.ConnState{"Bakkerij": offline})
		env["LANG"] = lang
		code, out, _ := runStatus(t, env)
		if code != 3 || !strings.HasSuffix(out, want) {
			t.Errorf("%s: exit %d, output:\n%s\nwant it to end in %q", lang, code, out, want)
		}
	}
}
