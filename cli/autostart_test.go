package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/exactkeeper/exactkeeper/cli"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// autostartHome is a temporary EXACTKEEPER_HOME and XDG_CONFIG_HOME with a
// fake tray app at a path with a space in it.
type autostartHome struct {
	t                  *testing.T
	home, xdg, app     string
	env                map[string]string
	autostartEntryPath string
}

func newAutostartHome(t *testing.T) *autostartHome {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("runs against the XDG autostart folder; Windows and macOS are tested by content in core/platform")
	}
	root := t.TempDir()
	h := &autostartHome{t: t, home: filepath.Join(root, "ek"), xdg: filepath.Join(root, "config"), app: filepath.Join(root, "Exact Keeper", "exactkeeper")}
	if err := os.MkdirAll(filepath.Dir(h.app), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(h.app, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	h.env = map[string]string{"EXACTKEEPER_HOME": h.home, "XDG_CONFIG_HOME": h.xdg, "HOME": root, "EXACTKEEPER_APP": h.app}
	h.autostartEntryPath = filepath.Join(h.xdg, "autostart", "exactkeeper.desktop")
	return h
}

func (h *autostartHome) run(args ...string) (code int, stdout, stderr string) {
	h.t.Helper()
	var out, errb bytes.Buffer
	env := cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return h.env[k] }}
	code = cli.Main(context.Background(), env, args)
	return code, out.String(), errb.String()
}

func (h *autostartHome) setting() *bool {
	h.t.Helper()
	s, err := store.Open(h.home)
	if err != nil {
		h.t.Fatal(err)
	}
	c, err := s.LoadConfig()
	if err != nil {
		h.t.Fatal(err)
	}
	return c.Settings.Autostart
}

func TestAutostartIsRegistered(t *testing.T) {
	var out bytes.Buffer
	cli.Main(context.Background(), cli.Env{Stdout: &out, Stderr: &out}, []string{"help"})
	if !strings.Contains(out.String(), "autostart") {
		t.Errorf("help does not list autostart; was cli.go's init run after zz_autostart.go's?\n%s", out.String())
	}
}

func TestAutostartOnOffStatus(t *testing.T) {
	h := newAutostartHome(t)
	steps := []struct {
		args        []string
		wantOut     string
		wantEntry   bool
		wantSetting string // "", "true", "false"
	}{
		{[]string{"autostart", "status"}, "off\n", false, ""},
		{[]string{"autostart", "on"}, "", true, "true"},
		{[]string{"autostart", "status"}, "on\n", true, "true"},
		{[]string{"autostart", "on"}, "", true, "true"},
		{[]string{"autostart", "off"}, "", false, "false"},
		{[]string{"autostart", "status"}, "off\n", false, "false"},
		{[]string{"autostart", "off"}, "", false, "false"},
	}
	for _, s := range steps {
		code, out, errOut := h.run(s.args...)
		// on and off confirm on stderr what they did; status says nothing more.
		if quiet := s.args[1] == "status"; code != cli.ExitOK || out != s.wantOut || (errOut == "") != quiet {
			t.Fatalf("%v: exit %d, stdout %q, stderr %q; want 0 and %q", s.args, code, out, errOut, s.wantOut)
		}
		b, err := os.ReadFile(h.autostartEntryPath)
		if (err == nil) != s.wantEntry {
			t.Fatalf("%v: autostart entry present = %v, want %v", s.args, err == nil, s.wantEntry)
		}
		if s.wantEntry && !strings.Contains(string(b), `Exec="`+h.app+`"`) {
			t.Errorf("%v: entry does not start %s:\n%s", s.args, h.app, b)
		}
		got := ""
		if p := h.setting(); p != nil {
			got = map[bool]string{true: "true", false: "false"}[*p]
		}
		if got != s.wantSetting {
			t.Errorf("%v: Settings.Autostart = %q, want %q", s.args, got, s.wantSetting)
		}
	}
}

func TestAutostartStatusNotesADisagreement(t *testing.T) {
	h := newAutostartHome(t)
	if code, _, errOut := h.run("autostart", "on"); code != 0 {
		t.Fatal(errOut)
	}
	// The desktop's start-up settings removed the entry behind our back.
	if err := os.Remove(h.autostartEntryPath); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := h.run("autostart", "status")
	if code != 0 || out != "off\n" || !strings.Contains(errOut, "settings say on") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("exit %d, stdout %q, stderr %q; want off and a one-line note", code, out, errOut)
	}
}

func TestAutostartErrors(t *testing.T) {
	t.Run("usage", func(t *testing.T) {
		h := newAutostartHome(t)
		for _, args := range [][]string{{"autostart"}, {"autostart", "maybe"}, {"autostart", "on", "off"}, {"autostart", "--now", "on"}} {
			if code, _, errOut := h.run(args...); code != cli.ExitUsage || !strings.Contains(errOut, "exactkeeperctl") {
				t.Errorf("%v: exit %d, stderr %q; want a usage error", args, code, errOut)
			}
		}
	})
	t.Run("no app", func(t *testing.T) {
		h := newAutostartHome(t)
		delete(h.env, "EXACTKEEPER_APP")
		t.Setenv("PATH", "")
		code, _, errOut := h.run("autostart", "on")
		if code != cli.ExitError || !strings.Contains(errOut, "EXACTKEEPER_APP") {
			t.Errorf("exit %d, stderr %q; want advice to set EXACTKEEPER_APP", code, errOut)
		}
		if _, err := os.Stat(h.autostartEntryPath); err == nil {
			t.Error("an entry was written without an app to start")
		}
	})
	t.Run("app is not a program", func(t *testing.T) {
		h := newAutostartHome(t)
		h.env["EXACTKEEPER_APP"] = filepath.Dir(h.app)
		if code, _, errOut := h.run("autostart", "on"); code != cli.ExitError || !strings.Contains(errOut, "not a program") {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
	})
	t.Run("damaged config", func(t *testing.T) {
		h := newAutostartHome(t)
		if err := os.MkdirAll(h.home, 0o700); err != nil {
			t.Fatal(err)
		}
		const damaged = `{"version":1,"settings":{"autostart":"yes"}}`
		cfg := filepath.Join(h.home, "config.json")
		if err := os.WriteFile(cfg, []byte(damaged), 0o600); err != nil {
			t.Fatal(err)
		}
		code, _, errOut := h.run("autostart", "on")
		if code != cli.ExitError || !strings.Contains(errOut, "damaged") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("exit %d, stderr %q; want one sentence about the damaged file", code, errOut)
		}
		if _, err := os.Stat(h.autostartEntryPath); err == nil {
			t.Error("the entry changed although the setting could not be saved")
		}
		if b, _ := os.ReadFile(cfg); string(b) != damaged {
			t.Errorf("config.json rewritten to %q", b)
		}
	})
}
