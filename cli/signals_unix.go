//go:build !windows

package cli

import (
	"os"
	"os/signal"
	"syscall"
)

// ExitSignals end a run in an orderly way: Ctrl-C, a service stop, a closed
// terminal or dropped SSH session (SIGHUP), Ctrl-\ (SIGQUIT). Their default
// action would kill the process between Exact's answer and the keychain.
var ExitSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

// catchBrokenPipe makes writes to a broken standard output or error return
// EPIPE instead of killing the process. The signal is caught (into a channel
// nobody reads), not ignored, so programs this one starts get the default
// back.
func catchBrokenPipe() {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
}
