package cli

import (
	"context"
	"os/signal"
)

// NotifyContext is the context a program of Exact Keeper runs under: it ends
// on any of ExitSignals, which are then caught for the rest of the run, so a
// second signal does not kill the process either. Whatever is in flight
// finishes first: a refresh already sent to Exact runs detached from ctx and
// its new refresh token is saved before the command returns. A write to a
// closed standard output or error (the reader went away, an SSH connection
// without a terminal dropped) fails instead of killing the process. stop
// restores the defaults, for a caller that goes on after the command; a
// program that exits right after need not call it (os.Exit ends it all, and
// stop waits for the signal goroutine, a millisecond of a short command).
func NotifyContext(parent context.Context) (ctx context.Context, stop func()) {
	catchBrokenPipe()
	return signal.NotifyContext(parent, ExitSignals...)
}
