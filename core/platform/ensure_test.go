package platform

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/exactkeeper/exactkeeper/core/store"
)

// fakeAutostart records calls and plays an OS entry that exists or not.
type fakeAutostart struct {
	on                   bool
	enableErr, statusErr error
	enables, disables    int
}

func (f *fakeAutostart) Enable() error {
	f.enables++
	if f.enableErr != nil {
		return f.enableErr
	}
	f.on = true
	return nil
}

func (f *fakeAutostart) Disable() error { f.disables++; f.on = false; return nil }

func (f *fakeAutostart) Enabled() (bool, error) { return f.on, f.statusErr }

func boolp(b bool) *bool { return &b }

func TestEnsureDefault(t *testing.T) {
	boom := errors.New("boom")
	for _, c := range []struct {
		name        string
		connections int
		setting     *bool
		fake        fakeAutostart
		wantOn      bool
		wantErr     error
		wantSetting *bool
		wantEnables int
	}{
		{name: "no connection yet", setting: nil, wantSetting: nil},
		{name: "undecided: on by default", connections: 1, wantOn: true, wantSetting: boolp(true), wantEnables: 1},
		{name: "undecided, enabling fails: still undecided", connections: 1, fake: fakeAutostart{enableErr: boom}, wantErr: boom, wantEnables: 1},
		{name: "user said off", connections: 2, setting: boolp(false), wantSetting: boolp(false)},
		{name: "on: entry refreshed", connections: 1, setting: boolp(true), fake: fakeAutostart{on: true}, wantOn: true, wantSetting: boolp(true), wantEnables: 1},
		{name: "on, but removed in the OS settings: the OS wins", connections: 1, setting: boolp(true), wantSetting: boolp(false)},
		{name: "on, status unreadable", connections: 1, setting: boolp(true), fake: fakeAutostart{statusErr: boom}, wantErr: boom, wantSetting: boolp(true)},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, err := store.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			err = st.UpdateConfig(func(cfg *store.Config) error {
				for i := 0; i < c.connections; i++ {
					cfg.Connections = append(cfg.Connections, store.Connection{ID: store.NewID(), Name: "c"})
				}
				cfg.Settings.Autostart = c.setting
				cfg.Settings.Language = "nl"
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			fake := c.fake
			on, err := EnsureDefault(st, &fake)
			if on != c.wantOn || !errors.Is(err, c.wantErr) {
				t.Errorf("EnsureDefault = %v, %v; want %v, %v", on, err, c.wantOn, c.wantErr)
			}
			if fake.enables != c.wantEnables || fake.disables != 0 {
				t.Errorf("Enable ran %d times, Disable %d; want %d and 0", fake.enables, fake.disables, c.wantEnables)
			}
			cfg, err := st.LoadConfig()
			if err != nil {
				t.Fatal(err)
			}
			got := cfg.Settings.Autostart
			if (got == nil) != (c.wantSetting == nil) || (got != nil && *got != *c.wantSetting) {
				t.Errorf("Settings.Autostart = %v, want %v", fmtBool(got), fmtBool(c.wantSetting))
			}
			if len(cfg.Connections) != c.connections || cfg.Settings.Language != "nl" {
				t.Errorf("the rest of the config changed: %+v", cfg)
			}
		})
	}
}

func fmtBool(b *bool) string {
	if b == nil {
		return "nil"
	}
	if *b {
		return "true"
	}
	return "false"
}

func TestEnsureDefaultKeepsADamagedConfig(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	const damaged = `{"version":1,"connections":[{"id":`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(damaged), 0o600); err != nil {
		t.Fatal(err)
	}
	fake := &fakeAutostart{}
	var corrupt *store.CorruptError
	if _, err := EnsureDefault(st, fake); !errors.As(err, &corrupt) {
		t.Errorf("err = %v, want a CorruptError", err)
	}
	if fake.enables != 0 {
		t.Error("autostart was enabled on the strength of a config that cannot be read")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "config.json")); string(b) != damaged {
		t.Errorf("the damaged config was rewritten to %q", b)
	}
}
