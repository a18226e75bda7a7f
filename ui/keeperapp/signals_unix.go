//go:build !windows

package keeperapp

import (
	"os"
	"os/signal"
	"syscall"
)

// exitSignals end the keeper in order (the refreshes in flight finish and
// are saved first): Ctrl-C, a session or service stop (SIGTERM), a closed
// terminal (SIGHUP), Ctrl-\ (SIGQUIT). The same list as cli.ExitSignals.
var exitSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

// catchBrokenPipe makes a write to a closed standard error fail instead of
// killing the keeper mid-refresh; caught rather than ignored, so the
// dashboard and browser it starts get the default back.
func catchBrokenPipe() {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
}

// askToClose asks the window process to close the way its close button
// does (it quits in order on SIGTERM).
func askToClose(p *os.Process) error { return p.Signal(syscall.SIGTERM) }
