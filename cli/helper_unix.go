//go:build !windows

package cli

import (
	"os/exec"
	"syscall"
)

// startDetached starts the helper in a session of its own: no controlling
// terminal (a closed terminal's SIGHUP does not reach it) and not in the
// caller's process group (a kill of that group, as cron, CI runners and
// shells do, spares it).
func startDetached(newCmd func() *exec.Cmd) (*exec.Cmd, error) {
	c := newCmd()
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	return c, c.Start()
}
