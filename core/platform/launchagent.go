package platform

import (
	"fmt"
	"os"
	"path/filepath"
)

// launchAgent is macOS's start at login: a property list in
// ~/Library/LaunchAgents, which launchd loads at every login. It is in an
// untagged file so Linux CI runs it against a fake launchctl.
//
// It deliberately does not bootstrap or boot out the job: bootstrapping a
// RunAtLoad job starts a second keeper at once, and booting out a job stops
// the process launchd started, which may be the very keeper whose Settings
// the user is clicking. The file decides what happens at the next login.
type launchAgent struct {
	exe  string
	args []string
	home string
	err  error // no home folder
	// launchctl runs launchctl with args; a seam for tests.
	launchctl func(args ...string) error
	uid       int
}

func newLaunchAgent(exe string, args []string, getenv func(string) string, launchctl func(args ...string) error) *launchAgent {
	home, err := homeDir(getenv)
	return &launchAgent{exe: exe, args: args, home: home, err: err, launchctl: launchctl, uid: os.Getuid()}
}

func (l *launchAgent) path() string {
	return filepath.Join(l.home, "Library", "LaunchAgents", BundleID+".plist")
}

// Enable writes the plist and clears a `launchctl disable` override, which
// would make launchd skip the plist at login.
func (l *launchAgent) Enable() error {
	if l.err != nil {
		return l.err
	}
	if err := writeFile(l.path(), LaunchAgentPlist(l.exe, l.args)); err != nil {
		return err
	}
	if err := l.launchctl("enable", fmt.Sprintf("gui/%d/%s", l.uid, BundleID)); err != nil {
		return fmt.Errorf("wrote %s, but launchctl could not enable it (%v): check System Settings > General > Login Items", l.path(), err)
	}
	return nil
}

// Disable removes the plist; launchd forgets the job at the next login.
func (l *launchAgent) Disable() error {
	if l.err != nil {
		return l.err
	}
	return removeFile(l.path())
}

// Enabled reports whether the plist is in place.
func (l *launchAgent) Enabled() (bool, error) {
	if l.err != nil {
		return false, l.err
	}
	return exists(l.path())
}

// exists reports whether path is there; an unreadable folder is an error.
func exists(path string) (bool, error) {
	_, err := os.Stat(path)
	switch {
	case err == nil:
		return true, nil
	case os.IsNotExist(err):
		return false, nil
	default:
		return false, fmt.Errorf("cannot read %s (%v): check its permissions", path, err)
	}
}
