package platform

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows/registry"
)

const (
	runKey      = `Software\Microsoft\Windows\CurrentVersion\Run`
	approvedKey = `Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run`
	// runValueMax is the longest command line Windows starts from the Run key.
	runValueMax = 260
)

func newAutostart(exe string, args []string, _ func(string) string) Autostart {
	return runEntry{name: RunValueName, value: RunValue(exe, args)}
}

// runEntry is start at login on Windows: a value under HKCU's Run key, the
// list Task Manager's Startup tab shows.
type runEntry struct {
	name  string // RunValueName; tests use another so they leave a real entry alone
	value string
}

// Enable writes the Run value and clears a "disabled" mark Task Manager may
// have left for it, which would otherwise keep it from starting.
func (r runEntry) Enable() error {
	if len(r.value) > runValueMax {
		return fmt.Errorf("the program's path is longer than the %d characters Windows starts at login: move Exact Keeper to a shorter folder", runValueMax)
	}
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("cannot open the Windows start-up list (%v): check that your account may change its own settings", err)
	}
	defer k.Close()
	if err := k.SetStringValue(r.name, r.value); err != nil {
		return fmt.Errorf("cannot add Exact Keeper to the Windows start-up list (%v): check that your account may change its own settings", err)
	}
	if a, err := registry.OpenKey(registry.CURRENT_USER, approvedKey, registry.SET_VALUE); err == nil {
		defer a.Close()
		if err := a.DeleteValue(r.name); err != nil && !errors.Is(err, registry.ErrNotExist) {
			return fmt.Errorf("cannot switch Exact Keeper on in Task Manager's start-up list (%v): switch it on there", err)
		}
	}
	return nil
}

// Disable deletes the Run value.
func (r runEntry) Disable() error {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot open the Windows start-up list (%v): check that your account may change its own settings", err)
	}
	defer k.Close()
	if err := k.DeleteValue(r.name); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return fmt.Errorf("cannot remove Exact Keeper from the Windows start-up list (%v): remove it in Task Manager's Startup tab", err)
	}
	return nil
}

// Enabled reports whether the Run value exists and Task Manager has not
// switched it off.
func (r runEntry) Enabled() (bool, error) {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("cannot read the Windows start-up list (%v)", err)
	}
	defer k.Close()
	if _, _, err := k.GetStringValue(r.name); errors.Is(err, registry.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("cannot read the Windows start-up list (%v)", err)
	}
	a, err := registry.OpenKey(registry.CURRENT_USER, approvedKey, registry.QUERY_VALUE)
	if err != nil {
		return true, nil // no marks at all: nothing was switched off
	}
	defer a.Close()
	b, _, err := a.GetBinaryValue(r.name)
	if err != nil {
		return true, nil
	}
	return !startupApprovedDisabled(b), nil
}
