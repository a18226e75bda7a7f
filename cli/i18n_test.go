package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/cli"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

const (
	langNL = "nl_NL.UTF-8"
	langEN = "en_US.UTF-8"
)

// memVault is an in-memory vault for unit tests.
type memVault struct {
	mu sync.Mutex
	m  map[string]string
}

func (v *memVault) Get(k string) (string, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	s, ok := v.m[k]
	if !ok {
		return "", vault.ErrNotFound
	}
	return s, nil
}

func (v *memVault) Set(k, s string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.m[k] = s
	return nil
}

func (v *memVault) Delete(k string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	delete(v.m, k)
	return nil
}

// opener records whether connect opened the browser.
type opener struct{ opened []string }

func (o *opener) Open(u string) error { o.opened = append(o.opened, u); return nil }

// langHome is a temporary EXACTKEEPER_HOME and a runner in one language.
type langHome struct {
	t      *testing.T
	dir    string
	stdin  string
	vault  *memVault
	opener *opener
}

func newLangHome(t *testing.T) *langHome {
	return &langHome{t: t, dir: t.TempDir(), vault: &memVault{m: map[string]string{}}, opener: &opener{}}
}

func (h *langHome) run(lang string, args ...string) (code int, stdout, stderr string) {
	h.t.Helper()
	var out, errb bytes.Buffer
	env := cli.Env{
		Stdin: strings.NewReader(h.stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string {
			switch k {
			case "EXACTKEEPER_HOME":
				return h.dir
			case "LANG":
				return lang
			case "TZ":
				return "Europe/Amsterdam"
			}
			return ""
		},
		Now:    func() time.Time { return time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC) },
		Vault:  h.vault,
		Opener: h.opener,
	}
	code = cli.Main(context.Background(), env, args)
	return code, out.String(), errb.String()
}

// english lists words that only an untranslated English text would have.
var english = []string{" the ", " needs ", "connection", " give ", "flag ", "Usage", "unknown", " not ", " must ", " use ", " with "}

func assertDutch(t *testing.T, what, text string) {
	t.Helper()
	if strings.Contains(text, "cli.") || strings.Contains(text, "err.") {
		t.Errorf("%s: a raw catalogue key: %q", what, text)
	}
	for _, w := range english {
		if strings.Contains(text, w) {
			t.Errorf("%s: English %q in the Dutch text %q", what, w, text)
		}
	}
}

// Every command's -h says what it does, names its arguments and explains
// its flags, in Dutch under a Dutch LANG.
func TestHelpNamesArgumentsInBothLanguages(t *testing.T) {
	h := newLangHome(t)
	args := map[string]string{ // command → what its usage line must name
		"connect": "--name", "status": "--json", "token": "NAME", "refresh": "NAME",
		"disconnect": "NAME", "run": "--keepalive", "sim": "--addr", "version": "version",
		"secret": "NAME", "relay-page": "login.html", "autostart": "on|off|status", "reminders": "--at",
	}
	for cmd, arg := range args {
		for _, lang := range []string{langEN, langNL} {
			code, out, errOut := h.run(lang, cmd, "-h")
			if code != 0 || out != "" {
				t.Errorf("%s -h [%s]: exit %d, stdout %q", cmd, lang, code, out)
			}
			first, rest, _ := strings.Cut(errOut, "\n")
			want := "Usage: exactkeeperctl " + cmd
			if lang == langNL {
				want = "Gebruik: exactkeeperctl " + cmd
				arg = strings.Replace(arg, "NAME", "NAAM", 1)
			}
			if !strings.HasPrefix(first, want) || !strings.Contains(first, arg) {
				t.Errorf("%s -h [%s]: first line %q, want %q… naming %s", cmd, lang, first, want, arg)
			}
			if strings.TrimSpace(rest) == "" {
				t.Errorf("%s -h [%s]: says nothing about what the command does", cmd, lang)
			}
			if lang == langNL {
				for _, line := range strings.Split(errOut, "\n") {
					if strings.HasPrefix(strings.TrimSpace(line), "--") || strings.HasPrefix(line, "Gebruik:") {
						continue // flag names and the synopsis stay as typed
					}
					assertDutch(t, cmd+" -h", line)
				}
			}
		}
	}
	// The overview too, and "help CMD" is "CMD -h".
	code, out, _ := h.run(langNL, "help")
	if code != 0 || !strings.Contains(out, "Opdrachten:") || !strings.Contains(out, "Afsluitcodes") {
		t.Errorf("help [nl]: exit %d\n%s", code, out)
	}
	for _, line := range strings.Split(out, "\n") {
		if _, summary, ok := strings.Cut(strings.TrimSpace(line), " "); ok && strings.HasPrefix(line, "  ") && !strings.HasPrefix(strings.TrimSpace(line), "'") {
			if strings.Contains(summary, "the ") || strings.Contains(summary, " a ") {
				t.Errorf("help [nl]: English summary %q", line)
			}
		}
	}
	if _, _, e := h.run(langNL, "help", "token"); !strings.HasPrefix(e, "Gebruik: exactkeeperctl token [NAAM]") {
		t.Errorf("help token [nl] = %q", e)
	}
}

// Wrong use gets one line, in the user's language, never the usage twice.
func TestUsageErrorsAreOneTranslatedLine(t *testing.T) {
	// An Exact host that answers, so that connect gets as far as the secret.
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	local := srv.URL
	tests := []struct {
		args   []string
		stdin  string
		wantEN string
		wantNL string
	}{
		{[]string{"connect", "--name", "X", "--client-secret", "s3cr3t-value", "--region", "nl"}, "",
			"--client-secret-stdin", "--client-secret-stdin"},
		{[]string{"connect", "--client-secret=s3cr3t-value"}, "", "process list", "proceslijst"},
		{[]string{"connect", "--name", "X", "--base-url", "start.exactonline.nl", "--client-id", "id"}, "",
			"not a complete web address", "geen volledig webadres"},
		{[]string{"connect"}, "", "needs --name", "heeft --name nodig"},
		{[]string{"connect", "--name", "X", "--client-id", "id"}, "", "--region", "--region"},
		{[]string{"connect", "--name", "X", "--region", "xx", "--client-id", "id"}, "", "not a region", "geen land"},
		{[]string{"connect", "--name", "X", "--region", "nl"}, "", "--client-id", "--client-id"},
		{[]string{"connect", "--name", "X", "--base-url", local, "--client-id", "id"}, "", "--client-secret-stdin", "--client-secret-stdin"},
		{[]string{"connect", "--name", "X", "--base-url", local, "--client-id", "id", "--client-secret-stdin"}, "\n", "empty", "leeg"},
		{[]string{"connect", "X"}, "", "--name", "--name"},
		{[]string{"token", "--timeout", "soon"}, "", `"soon"`, `"soon"`},
		{[]string{"token", "--timeout"}, "", "needs a value", "heeft een waarde nodig"},
		{[]string{"status", "--nope"}, "", "unknown flag --nope", "onbekende optie --nope"},
		{[]string{"token", "a", "b"}, "", "at most one", "hoogstens één"},
		{[]string{"disconnect"}, "", "disconnect NAME", "disconnect NAAM"},
		{[]string{"relay-page", "x"}, "", "no arguments", "geen argumenten"},
		{[]string{"autostart"}, "", "on, off or status", "on (aan), off (uit) of status"},
		{[]string{"autostart", "maybe"}, "", `"maybe"`, `"maybe"`},
		{[]string{"bogus"}, "", "unknown command", "onbekende opdracht"},
		{[]string{"reminders", "--at", "31-02-2026"}, "", "YYYY-MM-DD", "dd-mm-jjjj"},
	}
	for _, tt := range tests {
		h := newLangHome(t)
		h.stdin = tt.stdin
		for _, lang := range []string{langEN, langNL} {
			code, _, errOut := h.run(lang, tt.args...)
			want := tt.wantEN
			if lang == langNL {
				want = tt.wantNL
			}
			if code != cli.ExitUsage || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "exactkeeperctl: ") || !strings.Contains(errOut, want) {
				t.Errorf("%v [%s]: exit %d, stderr %q; want one usage line with %q", tt.args, lang, code, errOut, want)
			}
			if strings.Contains(errOut, "s3cr3t") {
				t.Errorf("%v [%s]: the secret is echoed: %q", tt.args, lang, errOut)
			}
			if lang == langNL {
				assertDutch(t, fmt.Sprint(tt.args), errOut)
			}
		}
	}
}

// connect looks at the Exact host before it opens the browser.
func TestConnectChecksTheHostFirst(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close() // nothing answers there now
	for _, lang := range []string{langEN, langNL} {
		h := newLangHome(t)
		h.stdin = "the-secret\n"
		code, _, errOut := h.run(lang, "connect", "--name", "X", "--base-url", dead, "--client-id", "id", "--client-secret-stdin")
		want := "does not answer"
		if lang == langNL {
			want = "antwoordt niet"
			assertDutch(t, "unreachable", errOut)
		}
		if code != cli.ExitError || !strings.Contains(errOut, want) || !strings.Contains(errOut, dead) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("[%s] exit %d, stderr %q", lang, code, errOut)
		}
		if len(h.opener.opened) != 0 {
			t.Errorf("[%s] the browser was opened for a host that does not answer: %v", lang, h.opener.opened)
		}
		s, _ := store.Open(h.dir)
		if cfg, err := s.LoadConfig(); err != nil || len(cfg.Connections) != 0 {
			t.Errorf("[%s] a connection was saved: %v %v", lang, cfg.Connections, err)
		}
	}
}

// A connection that needs a new login is answered with the exact command.
func TestNeedsReconnectGivesTheCommand(t *testing.T) {
	h := newLangHome(t)
	s, err := store.Open(h.dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateConfig(func(c *store.Config) error {
		c.Connections = []store.Connection{{ID: "c1", Name: "Bakkerij De Jong", Region: "nl", ClientID: "id"}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateState(func(st *store.State) error {
		st.Connections = map[string]store.ConnState{"c1": {Status: keeper.StatusNeedsReconnect, LastError: "Exact Online no longer accepts this login"}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{langEN, langNL} {
		for _, args := range [][]string{{"token"}, {"token", "bakkerij de jong"}} {
			code, out, errOut := h.run(lang, args...)
			if code != cli.ExitReconnect || out != "" || strings.Count(errOut, "\n") != 1 ||
				!strings.Contains(errOut, `exactkeeperctl connect --name "Bakkerij De Jong"`) {
				t.Errorf("%v [%s]: exit %d, stderr %q", args, lang, code, errOut)
			}
			if lang == langNL {
				assertDutch(t, "needs reconnect", errOut)
			}
		}
	}
}

// autostart on and off say what they did.
func TestAutostartConfirms(t *testing.T) {
	h := newAutostartHome(t)
	h.env["LANG"] = langNL
	if code, _, errOut := h.run("autostart", "on"); code != 0 || !strings.Contains(errOut, "start nu vanzelf") {
		t.Errorf("autostart on [nl]: exit %d, %q", code, errOut)
	}
	h.env["LANG"] = langEN
	if code, _, errOut := h.run("autostart", "off"); code != 0 || !strings.Contains(errOut, "no longer starts by itself") {
		t.Errorf("autostart off [en]: exit %d, %q", code, errOut)
	}
}

// reminders --at takes a date as the language writes it, or a moment.
func TestRemindersAtTakesADate(t *testing.T) {
	h := newLangHome(t)
	for _, c := range []struct {
		lang, at string
		code     int
	}{
		{langNL, "01-12-2026", 0}, {langNL, "1-12-2026", 0}, {langNL, "2026-12-01", 0},
		{langEN, "2026-12-01", 0}, {langEN, "2026-12-01T09:00:00+01:00", 0},
		{langEN, "01-12-2026", cli.ExitUsage}, {langNL, "32-12-2026", cli.ExitUsage},
	} {
		if code, _, errOut := h.run(c.lang, "reminders", "--at", c.at); code != c.code {
			t.Errorf("reminders --at %s [%s]: exit %d, want %d (%q)", c.at, c.lang, code, c.code, errOut)
		}
	}
}

// status with nothing set up yet says so in the user's language, on
// stdout, and exits 0: nothing is wrong.
func TestStatusWithoutConnectionsIsTranslated(t *testing.T) {
	h := newLangHome(t)
	for lang, want := range map[string]string{langEN: "There is no connection yet.", langNL: "Er is nog geen koppeling."} {
		code, out, _ := h.run(lang, "status")
		if code != 0 || !strings.HasPrefix(out, want) {
			t.Errorf("status [%s] = %d, %q; want 0 and %q…", lang, code, out, want)
		}
	}
}

// reminders with nothing due says so in the user's language.
func TestNothingDueIsTranslated(t *testing.T) {
	h := newLangHome(t)
	for lang, want := range map[string]string{langEN: "Nothing is due.", langNL: "Er vraagt nu niets uw aandacht."} {
		if code, out, _ := h.run(lang, "reminders"); code != 0 || strings.TrimSpace(out) != want {
			t.Errorf("reminders [%s] = %d, %q; want 0 and %q", lang, code, out, want)
		}
	}
}
