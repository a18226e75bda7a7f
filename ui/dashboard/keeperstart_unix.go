//go:build !windows

package dashboard

import (
	"os/exec"
	"syscall"
)

// detach puts the keeper in a session of its own, so that a Ctrl-C in the
// terminal this window was started from does not end it too.
func detach(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }
