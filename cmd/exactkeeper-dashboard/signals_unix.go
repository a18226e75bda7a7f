//go:build !windows

package main

import (
	"os"
	"syscall"
)

// exitSignals close the window in order; the same list as cli.ExitSignals.
var exitSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}
