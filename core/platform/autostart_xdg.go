//go:build !windows && !darwin

package platform

import (
	"fmt"
	"os"
	"path/filepath"
)

func newAutostart(exe string, args []string, getenv func(string) string) Autostart {
	return newXDG(exe, args, getenv)
}

// xdgAutostart is start at login on Linux and the BSDs: a .desktop file in
// $XDG_CONFIG_HOME/autostart (default ~/.config/autostart), per the XDG
// Autostart Specification.
type xdgAutostart struct {
	exe  string
	args []string
	file string
	err  error // no config folder
}

func newXDG(exe string, args []string, getenv func(string) string) *xdgAutostart {
	x := &xdgAutostart{exe: exe, args: args}
	// The specification says to ignore a relative XDG_CONFIG_HOME.
	base := getenv("XDG_CONFIG_HOME")
	if !filepath.IsAbs(base) {
		home, err := homeDir(getenv)
		if err != nil {
			x.err = err
			return x
		}
		base = filepath.Join(home, ".config")
	}
	x.file = filepath.Join(base, "autostart", DesktopFileName)
	return x
}

// Enable writes the entry, replacing one the user switched off in the
// desktop's own start-up settings.
func (x *xdgAutostart) Enable() error {
	if x.err != nil {
		return x.err
	}
	return writeFile(x.file, DesktopEntry(x.exe, x.args))
}

// Disable removes the entry.
func (x *xdgAutostart) Disable() error {
	if x.err != nil {
		return x.err
	}
	return removeFile(x.file)
}

// Enabled reports whether the entry exists and is not switched off.
func (x *xdgAutostart) Enabled() (bool, error) {
	if x.err != nil {
		return false, x.err
	}
	b, err := os.ReadFile(x.file)
	switch {
	case os.IsNotExist(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("cannot read %s (%v): check its permissions", x.file, err)
	}
	return desktopEntryEnabled(b), nil
}
