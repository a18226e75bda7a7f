package platform

import (
	"testing"

	"golang.org/x/sys/windows/registry"
)

// Runs on Windows, and under wine in `make package-ci`, against the real
// registry, under a value name of its own so a real entry is left alone.
func TestRunEntryLifecycle(t *testing.T) {
	const name = "ExactKeeperTest"
	exe := `C:\Program Files\Exact Keeper\exactkeeper.exe`
	r := runEntry{name: name, value: RunValue(exe, []string{"--demo"})}
	t.Cleanup(func() { _ = r.Disable() })
	if err := r.Disable(); err != nil {
		t.Fatal(err)
	}
	if on, err := r.Enabled(); on || err != nil {
		t.Fatalf("Enabled() = %v, %v before Enable", on, err)
	}
	if err := r.Enable(); err != nil {
		t.Fatal(err)
	}
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.QUERY_VALUE)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := k.GetStringValue(name)
	k.Close()
	if want := `"C:\Program Files\Exact Keeper\exactkeeper.exe" --demo`; err != nil || got != want {
		t.Errorf("Run value = %q, %v; want %q", got, err, want)
	}
	if on, err := r.Enabled(); !on || err != nil {
		t.Fatalf("Enabled() = %v, %v after Enable", on, err)
	}

	// Task Manager's "Disable" leaves the value and marks it off.
	a, _, err := registry.CreateKey(registry.CURRENT_USER, approvedKey, registry.SET_VALUE)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	t.Cleanup(func() { _ = a.DeleteValue(name) })
	if err := a.SetBinaryValue(name, []byte{3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	if on, _ := r.Enabled(); on {
		t.Error("an entry switched off in Task Manager counts as on")
	}
	if err := r.Enable(); err != nil {
		t.Fatal(err)
	}
	if on, _ := r.Enabled(); !on {
		t.Error("Enable did not clear Task Manager's off mark")
	}

	if err := r.Disable(); err != nil {
		t.Fatal(err)
	}
	if on, err := r.Enabled(); on || err != nil {
		t.Fatalf("Enabled() = %v, %v after Disable", on, err)
	}
}

func TestRegisterAppUserModelID(t *testing.T) {
	const id = "ExactKeeper.Test"
	key, _, _ := AppUserModelIDValues(id, "x", "")
	t.Cleanup(func() { _ = registry.DeleteKey(registry.CURRENT_USER, key) })
	if err := RegisterAppUserModelID(id, "Exact Keeper Test", `C:\icons\exactkeeper.png`); err != nil {
		t.Fatal(err)
	}
	if err := RegisterAppUserModelID(id, "Exact Keeper Test", ""); err != nil {
		t.Fatal(err)
	}
	k, err := registry.OpenKey(registry.CURRENT_USER, key, registry.QUERY_VALUE)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if v, _, err := k.GetStringValue("DisplayName"); err != nil || v != "Exact Keeper Test" {
		t.Errorf("DisplayName = %q, %v", v, err)
	}
	if v, _, err := k.GetStringValue("IconUri"); err == nil {
		t.Errorf("IconUri %q of the first registration survived one without an icon", v)
	}
}
