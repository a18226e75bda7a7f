//go:build unix

package main

import (
	"os/exec"
	"syscall"
)

// The harness is measured on Linux (it reads /proc); these keep it
// building everywhere `go vet ./...` runs.

func ownGroup(c *exec.Cmd) { c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

func sigKill(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }
func sigTerm(pid int) error { return syscall.Kill(pid, syscall.SIGTERM) }
func sigStop(pid int) error { return syscall.Kill(pid, syscall.SIGSTOP) }
func sigCont(pid int) error { return syscall.Kill(pid, syscall.SIGCONT) }
