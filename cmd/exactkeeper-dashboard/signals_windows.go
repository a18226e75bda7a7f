package main

import (
	"os"
	"syscall"
)

// exitSignals close the window in order. Windows has no SIGHUP or SIGQUIT:
// Ctrl-C arrives as os.Interrupt, a closed console, log-off or shutdown as
// SIGTERM.
var exitSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}
