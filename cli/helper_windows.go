package cli

import (
	"os/exec"
	"syscall"

	"golang.org/x/sys/windows"
)

// startDetached starts the helper without a console and in a process group
// of its own (Ctrl-C and Ctrl-Break in the caller's console do not reach
// it), and out of the caller's job object when the job allows that: a job
// that kills its processes when it closes (JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
// as some schedulers and terminals use) would kill the helper too. A job
// that forbids breaking away refuses the start, so then it is started
// inside the job.
func startDetached(newCmd func() *exec.Cmd) (*exec.Cmd, error) {
	const flags = windows.CREATE_NEW_PROCESS_GROUP | windows.DETACHED_PROCESS
	c := newCmd()
	c.SysProcAttr = &syscall.SysProcAttr{CreationFlags: flags | windows.CREATE_BREAKAWAY_FROM_JOB, HideWindow: true}
	if err := c.Start(); err == nil {
		return c, nil
	}
	c = newCmd()
	c.SysProcAttr = &syscall.SysProcAttr{CreationFlags: flags, HideWindow: true}
	return c, c.Start()
}
