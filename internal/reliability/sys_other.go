//go:build !unix

package main

import (
	"errors"
	"os"
	"os/exec"
)

var errUnix = errors.New("the reliability harness runs on Linux")

func ownGroup(*exec.Cmd) {}

func sigKill(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}

func sigTerm(int) error { return errUnix }
func sigStop(int) error { return errUnix }
func sigCont(int) error { return errUnix }
