package dashboard

import (
	"context"
	"fmt"
	"os"
	"os/exec"

	"github.com/exactkeeper/exactkeeper/core/platform"
)

// keeperName is the keeper's executable, installed next to this one.
const keeperName = "exactkeeper"

// keeperExecutable finds exactkeeper: beside this program first (the
// installed layout on every OS), else on PATH.
func keeperExecutable() (string, error) {
	p, err := platform.SiblingExecutable(keeperName)
	if err != nil {
		return "", fmt.Errorf("the program %s is missing next to the window program; reinstall Exact Keeper", keeperName)
	}
	return p, nil
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
