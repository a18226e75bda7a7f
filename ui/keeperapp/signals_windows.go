package keeperapp

import (
	"os"
	"syscall"
)

// exitSignals end the keeper in order. Windows has no SIGHUP or SIGQUIT:
// Ctrl-C and Ctrl-Break arrive as os.Interrupt, a closed console, log-off
// or shutdown as SIGTERM.
var exitSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

func catchBrokenPipe() {}
