package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/exactkeeper/exactkeeper/core/platform"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// The file name starts with zz_ on purpose: cli.go's init assigns the
// commands map, and the go tool hands a package's files to the compiler in
// file-name order, so init functions run in that order too. Registering
// from here, after cli.go, keeps cli.go's table the single place that
// creates the map; TestAutostartIsRegistered fails if the order changes.
func init() {
	commands["autostart"] = command{cmdAutostart, "start the tray app at login: on, off or status"}
}

// cmdAutostart is `exactkeeperctl autostart on|off|status`. on and off also
// record the choice in config.json, so the app's Settings agree and the app
// does not switch the default back on.
func cmdAutostart(_ context.Context, e *Env, args []string) error {
	fs := newFlags(e, "autostart")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return e.usage("cli.autostart.need-arg", nil)
	}
	switch pos[0] {
	case "on":
		exe, err := appPath(e)
		if err != nil {
			return err
		}
		return setAutostart(e, platform.NewAutostartEnv(exe, nil, e.Getenv), true)
	case "off":
		// Which program the entry starts does not matter for removing it.
		return setAutostart(e, platform.NewAutostartEnv("", nil, e.Getenv), false)
	case "status":
		return autostartStatus(e, platform.NewAutostartEnv("", nil, e.Getenv))
	}
	return e.usage("cli.autostart.bad-arg", map[string]any{"Arg": fmt.Sprintf("%q", pos[0])})
}

func setAutostart(e *Env, a platform.Autostart, on bool) error {
	st, err := e.store()
	if err != nil {
		return err
	}
	// Read the config first: a damaged file is reported before the OS entry
	// changes, so the two never disagree because of it.
	if _, err := st.LoadConfig(); err != nil {
		return err
	}
	if on {
		err = a.Enable()
	} else {
		err = a.Disable()
	}
	if err != nil {
		return err
	}
	err = st.UpdateConfig(func(c *store.Config) error {
		c.Settings.Autostart = &on
		return nil
	})
	if err != nil {
		return e.fail("cli.autostart.not-saved", map[string]any{"State": onOff(on), "Detail": err.Error()})
	}
	// Say what was done: the command changes something outside this
	// program that the owner cannot see from here.
	if on {
		fmt.Fprintln(e.Stderr, e.t("cli.autostart.done-on"))
	} else {
		fmt.Fprintln(e.Stderr, e.t("cli.autostart.done-off"))
	}
	return nil
}

func autostartStatus(e *Env, a platform.Autostart) error {
	on, err := a.Enabled()
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Stdout, onOff(on))
	// The OS entry is the truth; say so when the settings remember otherwise.
	st, err := e.store()
	if err != nil {
		return nil
	}
	c, err := st.LoadConfig()
	if err == nil && c.Settings.Autostart != nil && *c.Settings.Autostart != on {
		fmt.Fprintln(e.Stderr, e.tf("cli.autostart.disagree", map[string]any{"Setting": onOff(*c.Settings.Autostart), "System": onOff(on)}))
	}
	return nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// appPath finds the tray app that should start at login: $EXACTKEEPER_APP,
// else exactkeeper next to this program (the packages ship them together),
// else exactkeeper on PATH. The path is absolute, as login sessions start
// programs without the user's PATH.
func appPath(e *Env) (string, error) {
	name := "exactkeeper"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	if p := e.Getenv("EXACTKEEPER_APP"); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			return "", err
		}
		if fi, err := os.Stat(abs); err != nil || fi.IsDir() {
			return "", e.fail("cli.autostart.bad-app", map[string]any{"Path": p})
		}
		return abs, nil
	}
	if self, err := os.Executable(); err == nil {
		if self, err := filepath.EvalSymlinks(self); err == nil {
			p := filepath.Join(filepath.Dir(self), name)
			if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
				return p, nil
			}
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return abs, nil
		}
	}
	return "", e.fail("cli.autostart.no-app", nil)
}
