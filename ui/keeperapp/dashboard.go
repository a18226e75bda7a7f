package keeperapp

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"

	"github.com/exactkeeper/exactkeeper/core/platform"
)

// DashboardName is the window process's executable, installed next to
// exactkeeper. It is a program of its own, not a subcommand, so that the
// always-on keeper does not carry Fyne and OpenGL in memory all day.
const DashboardName = "exactkeeper-dashboard"

// DashboardExecutable finds the window program: beside this executable
// first (the installed layout on every OS), else on PATH.
func DashboardExecutable() (string, error) {
	p, err := platform.SiblingExecutable(DashboardName)
	if err != nil {
		return "", fmt.Errorf("the window program %s is missing next to exactkeeper; reinstall Exact Keeper", DashboardName)
	}
	return p, nil
}

// RunDashboard is `exactkeeper dashboard [flags]`: it runs the window
// program with the same arguments and returns its exit code.
func RunDashboard(args []string) int {
	exe, err := DashboardExecutable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "exactkeeper:", err)
		return 1
	}
	cmd := exec.Command(exe, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// The window program ends itself in order on a signal; this wrapper
	// waits for it, passing on a signal sent to the wrapper alone.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, exitSignals...)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "exactkeeper:", err)
		return 1
	}
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s) // Windows cannot: its console signals reach the window program itself
		}
	}()
	err = cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "exactkeeper:", err)
		return 1
	}
	return 0
}
