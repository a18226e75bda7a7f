// Command exactkeeper-dashboard is Exact Keeper's window: onboarding,
// connections, delegations, settings. The tray starts it on demand; it talks
// to the running keeper over IPC only and exits when its window closes.
package main

import (
	"os"

	"github.com/exactkeeper/exactkeeper/internal/version"
	"github.com/exactkeeper/exactkeeper/ui/dashboard"
)

func main() {
	os.Exit(dashboard.Main(os.Args[1:], version.String(), os.Stderr))
}
