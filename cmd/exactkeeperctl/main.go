// Command exactkeeperctl is Exact Keeper's command line: the same core as the
// tray app, in pure Go, for scripts and headless machines.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/exactkeeper/exactkeeper/cli"
	"github.com/exactkeeper/exactkeeper/internal/version"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env := cli.OSEnv()
	env.Version = version.String()
	code := cli.Main(ctx, env, os.Args[1:])
	stop()
	os.Exit(code)
}
