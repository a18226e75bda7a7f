package keeperapp

import (
	"errors"
	"os"
	"syscall"
)

// exitSignals end the keeper in order. Windows has no SIGHUP or SIGQUIT:
// Ctrl-C and Ctrl-Break arrive as os.Interrupt, a closed console, log-off
// or shutdown as SIGTERM.
var exitSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

func catchBrokenPipe() {}

// askToClose cannot ask politely on Windows (no signals between GUI
// processes without a console); the caller kills the window instead,
// which costs nothing kept: the window holds no refresh chain.
func askToClose(*os.Process) error { return errNoPoliteStop }

var errNoPoliteStop = errors.New("windows has no signal to close a window process")
