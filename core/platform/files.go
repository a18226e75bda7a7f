package platform

import (
	"fmt"
	"os"
	"path/filepath"
)

// writeFile replaces path atomically, so a login that starts while the entry
// is being written sees the old entry or the new one, never half of one.
func writeFile(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create %s (%v): check that you may write there", dir, err)
	}
	f, err := os.CreateTemp(dir, ".exactkeeper-*")
	if err != nil {
		return fmt.Errorf("cannot write in %s (%v): check that you may write there", dir, err)
	}
	defer func() {
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("cannot write %s (%v): check the free disk space", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("cannot write %s (%v): check the free disk space", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cannot write %s (%v): check the free disk space", path, err)
	}
	// Others read autostart entries (the session manager may run as the
	// user, but file managers index them); nothing secret is in them.
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return fmt.Errorf("cannot write %s (%v)", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("cannot replace %s (%v): check that you may write there", path, err)
	}
	return nil
}

// removeFile removes path; a file that is already gone is fine.
func removeFile(path string) error {
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("cannot remove %s (%v): check that you may write there", path, err)
	}
	return nil
}

// homeDir is $HOME through getenv, which os.UserHomeDir also reads on Unix.
func homeDir(getenv func(string) string) (string, error) {
	h := getenv("HOME")
	if h == "" || !filepath.IsAbs(h) {
		return "", fmt.Errorf("cannot find your home folder (HOME is %q): set HOME to it", h)
	}
	return h, nil
}
