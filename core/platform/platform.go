// Package platform is what Exact Keeper asks of the operating system beyond
// files and the keychain: starting at login (an XDG autostart entry on Linux
// and the BSDs, the HKCU Run key on Windows, a LaunchAgent on macOS) and the
// Windows AppUserModelID that toast notifications need.
//
// What each OS is given comes from pure functions (DesktopEntry, RunValue,
// LaunchAgentPlist, AppUserModelIDValues) compiled on every OS, so tests on
// Linux check the Windows and macOS contents too.
package platform

import (
	"errors"
	"os"

	"github.com/exactkeeper/exactkeeper/core/store"
)

// Names the OS sees. The bundle identifier, the LaunchAgent label and the
// reverse-DNS prefix of the packages agree, so a user who finds one in a
// system list can recognise the others.
const (
	// AppName is the name shown in start-up lists and notifications.
	AppName = "Exact Keeper"
	// BundleID is the macOS CFBundleIdentifier and the LaunchAgent label.
	BundleID = "nl.exactkeeper.app"
	// AppUserModelID is the Windows AppUserModelID under which toasts are
	// shown; set notify.AppUserModelID to it after RegisterAppUserModelID.
	AppUserModelID = "ExactKeeper.ExactKeeper"
	// RunValueName is the value under HKCU\…\CurrentVersion\Run.
	RunValueName = "ExactKeeper"
	// DesktopFileName is the XDG autostart and menu entry's file name; its
	// base name is also the icon name.
	DesktopFileName = "exactkeeper.desktop"
)

// Autostart switches starting the keeper at login on and off. Enable is
// idempotent and also repairs an entry that points at an old program path.
type Autostart interface {
	Enable() error
	Disable() error
	Enabled() (bool, error)
}

// NewAutostart returns the start-at-login switch of this OS for the program
// exe (an absolute path) started with args.
func NewAutostart(exe string, args []string) Autostart {
	return NewAutostartEnv(exe, args, os.Getenv)
}

// NewAutostartEnv is NewAutostart reading HOME and XDG_CONFIG_HOME through
// getenv, so the command line and tests can point it at other folders.
// Windows ignores getenv: the Run key belongs to the signed-in user.
func NewAutostartEnv(exe string, args []string, getenv func(string) string) Autostart {
	return newAutostart(exe, append([]string(nil), args...), getenv)
}

// errKeep makes UpdateConfig write nothing.
var errKeep = errors.New("keep the config as it is")

// EnsureDefault applies the start-at-login default once a connection exists:
// when the user has not decided (Settings.Autostart is nil) it enables
// autostart and stores true; false is left alone. When the setting is true
// and the entry exists, Enable runs again so the entry follows the program
// after an update or a move; when the entry was removed by the OS's own
// start-up settings, that choice wins and the setting becomes false, so the
// app's Settings show the truth. It returns whether autostart is on now.
// Without connections it does nothing: there is nothing to keep yet.
func EnsureDefault(st *store.Store, a Autostart) (enabled bool, err error) {
	err = st.UpdateConfig(func(c *store.Config) error {
		if len(c.Connections) == 0 {
			return errKeep
		}
		switch {
		case c.Settings.Autostart == nil:
			if err := a.Enable(); err != nil {
				return err // undecided still, so the next start tries again
			}
			on := true
			c.Settings.Autostart = &on
			enabled = true
			return nil
		case !*c.Settings.Autostart:
			return errKeep
		}
		on, err := a.Enabled()
		if err != nil {
			return err
		}
		if !on {
			off := false
			c.Settings.Autostart = &off
			return nil
		}
		enabled = true
		if err := a.Enable(); err != nil {
			return err
		}
		return errKeep
	})
	if errors.Is(err, errKeep) {
		err = nil
	}
	return enabled, err
}
