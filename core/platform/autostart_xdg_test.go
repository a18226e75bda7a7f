//go:build !windows && !darwin

package platform

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The real thing on Linux: files in a temporary XDG_CONFIG_HOME.
func TestXDGAutostartLifecycle(t *testing.T) {
	cfg := t.TempDir()
	exe := "/home/Jan de Vries/.local/bin/exactkeeper"
	a := NewAutostartEnv(exe, []string{"--quiet start"}, envOf(map[string]string{"XDG_CONFIG_HOME": cfg, "HOME": "/nonexistent"}))
	file := filepath.Join(cfg, "autostart", "exactkeeper.desktop")

	assertEnabled := func(want bool) {
		t.Helper()
		got, err := a.Enabled()
		if err != nil || got != want {
			t.Fatalf("Enabled() = %v, %v; want %v", got, err, want)
		}
	}
	assertEnabled(false)
	if err := a.Disable(); err != nil {
		t.Fatalf("Disable with nothing to disable: %v", err)
	}
	if err := a.Enable(); err != nil {
		t.Fatal(err)
	}
	assertEnabled(true)
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if got := parseDesktopExec(t, desktopKey(t, b, "Exec")); !reflect.DeepEqual(got, []string{exe, "--quiet start"}) {
		t.Errorf("Exec reads back as %q", got)
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}

	// The desktop's own start-up settings switch it off without deleting it;
	// Enable switches it on again.
	if err := os.WriteFile(file, append(b, "Hidden=true\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	assertEnabled(false)
	if err := a.Enable(); err != nil {
		t.Fatal(err)
	}
	assertEnabled(true)

	if err := a.Disable(); err != nil {
		t.Fatal(err)
	}
	assertEnabled(false)
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("entry still there after Disable: %v", err)
	}
	left, _ := os.ReadDir(filepath.Dir(file))
	if len(left) != 0 {
		t.Errorf("files left behind: %v", left)
	}
}

func TestXDGAutostartFolder(t *testing.T) {
	home := t.TempDir()
	for _, c := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"XDG_CONFIG_HOME", map[string]string{"XDG_CONFIG_HOME": filepath.Join(home, "cfg"), "HOME": home}, filepath.Join(home, "cfg", "autostart", DesktopFileName)},
		{"default", map[string]string{"HOME": home}, filepath.Join(home, ".config", "autostart", DesktopFileName)},
		{"relative XDG_CONFIG_HOME is ignored", map[string]string{"XDG_CONFIG_HOME": "cfg", "HOME": home}, filepath.Join(home, ".config", "autostart", DesktopFileName)},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := NewAutostartEnv("/x", nil, envOf(c.env)).Enable(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(c.want); err != nil {
				t.Errorf("no entry at %s: %v", c.want, err)
			}
		})
	}
}

func TestXDGAutostartErrors(t *testing.T) {
	t.Run("no home", func(t *testing.T) {
		a := NewAutostartEnv("/x", nil, envOf(nil))
		for name, err := range map[string]error{"Enable": a.Enable(), "Disable": a.Disable()} {
			if err == nil || !strings.Contains(err.Error(), "set HOME") {
				t.Errorf("%s: err = %v, want advice to set HOME", name, err)
			}
		}
		if _, err := a.Enabled(); err == nil {
			t.Error("Enabled without a home folder did not fail")
		}
	})
	t.Run("config folder is a file", func(t *testing.T) {
		// A file where the folder should be fails even for root, who ignores
		// permission bits.
		blocker := filepath.Join(t.TempDir(), "cfg")
		if err := os.WriteFile(blocker, []byte("keep me"), 0o600); err != nil {
			t.Fatal(err)
		}
		err := NewAutostartEnv("/x", nil, envOf(map[string]string{"XDG_CONFIG_HOME": blocker})).Enable()
		if err == nil || !strings.Contains(err.Error(), filepath.Join(blocker, "autostart")) {
			t.Errorf("err = %v, want one naming the folder", err)
		}
		if b, _ := os.ReadFile(blocker); string(b) != "keep me" {
			t.Errorf("the file in the way was changed to %q", b)
		}
	})
}
