// Command exactkeeperctl is Exact Keeper's command line: the same core as the
// tray app, in pure Go, for scripts and headless machines.
package main

import (
	"context"
	"os"

	"github.com/exactkeeper/exactkeeper/cli"
	"github.com/exactkeeper/exactkeeper/internal/version"
)

func main() {
	// SIGINT, SIGTERM, SIGHUP and SIGQUIT end the command in order: a
	// refresh in flight is finished and saved before it exits. The
	// defaults are not restored before os.Exit: nothing runs after it, and
	// signal.Stop waits for the signal goroutine to go idle, which cost
	// about a millisecond of a 20 ms `exactkeeperctl token` on a VM.
	ctx, _ := cli.NotifyContext(context.Background())
	env := cli.OSEnv()
	env.Version = version.String()
	os.Exit(cli.Main(ctx, env, os.Args[1:]))
}
