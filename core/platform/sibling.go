package platform

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// ErrNoSibling: the program is neither beside this one nor on PATH.
var ErrNoSibling = errors.New("program not found")

// SiblingExecutable finds one of Exact Keeper's programs (name without
// ".exe"): beside this executable first, as every package installs them,
// else on PATH. The keeper finds the window this way and the window the
// keeper.
func SiblingExecutable(name string) (string, error) {
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", ErrNoSibling
}
