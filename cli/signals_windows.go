package cli

import (
	"os"
	"syscall"
)

// ExitSignals end a run in an orderly way. Windows knows no SIGHUP or
// SIGQUIT: Ctrl-C and Ctrl-Break arrive as os.Interrupt, and closing the
// console window, logging off or shutting down as SIGTERM (Windows then
// allows a few seconds before it ends the process).
var ExitSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// catchBrokenPipe: a write to a closed pipe only fails on Windows.
func catchBrokenPipe() {}
