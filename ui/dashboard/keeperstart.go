package dashboard

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// keeperName is the keeper's executable, installed next to this one.
const keeperName = "exactkeeper"

// keeperExecutable finds exactkeeper: beside this program first (the
// installed layout on every OS), else on PATH.
func keeperExecutable() (string, error) {
	name := keeperName
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
	return "", fmt.Errorf("the program %s is missing next to the window program; reinstall Exact Keeper", name)
}

// StartKeeper starts the keeper for this home dir (KeeperStarter). It
// returns once the program started; the event stream finds it when it
// answers. A keeper that another start beat to it hands over and exits,
// so starting twice is harmless.
func (b *realBackend) StartKeeper(context.Context) error {
	exe, err := keeperExecutable()
	if err != nil {
		return err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "EXACTKEEPER_HOME="+b.st.Dir)
	detach(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("could not start %s: %w", exe, err)
	}
	// The keeper outlives this window; reap it should it end first.
	go func() { _ = cmd.Wait() }()
	return nil
}
