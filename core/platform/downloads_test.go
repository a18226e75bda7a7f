package platform

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDownloadsDir(t *testing.T) {
	mk := func(t *testing.T, dirs ...string) string {
		home := t.TempDir()
		for _, d := range dirs {
			if err := os.MkdirAll(filepath.Join(home, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		return home
	}
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	t.Run("user-dirs.dirs names a localised folder", func(t *testing.T) {
		home := mk(t, "Téléchargements", "Downloads", ".config")
		conf := "# written by xdg-user-dirs-update\nXDG_DESKTOP_DIR=\"$HOME/Bureau\"\nXDG_DOWNLOAD_DIR=\"$HOME/Téléchargements\"\n"
		if err := os.WriteFile(filepath.Join(home, ".config", "user-dirs.dirs"), []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		if got, want := DownloadsDir(home, env(nil)), filepath.Join(home, "Téléchargements"); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("the environment wins", func(t *testing.T) {
		home := mk(t, "Binnen", "Downloads")
		if got, want := DownloadsDir(home, env(map[string]string{"XDG_DOWNLOAD_DIR": "$HOME/Binnen"})), filepath.Join(home, "Binnen"); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("Downloads", func(t *testing.T) {
		home := mk(t, "Downloads")
		if got, want := DownloadsDir(home, env(nil)), filepath.Join(home, "Downloads"); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("a named folder that does not exist, no Downloads: home", func(t *testing.T) {
		home := mk(t)
		if got := DownloadsDir(home, env(map[string]string{"XDG_DOWNLOAD_DIR": "$HOME/Weg"})); got != home {
			t.Errorf("got %q, want the home folder %q", got, home)
		}
	})
	t.Run("a relative value is ignored", func(t *testing.T) {
		home := mk(t, "Downloads", "rel")
		if got, want := DownloadsDir(home, env(map[string]string{"XDG_DOWNLOAD_DIR": "rel"})), filepath.Join(home, "Downloads"); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}
