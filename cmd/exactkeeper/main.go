// Command exactkeeper is the desktop app. Without arguments it is the keeper
// with its tray icon, running all day at near-zero cost; `exactkeeper
// dashboard` is the Fyne window process the tray starts on demand. One
// binary, two processes: design.md explains why.
package main

import (
	"os"

	"github.com/exactkeeper/exactkeeper/internal/version"
	"github.com/exactkeeper/exactkeeper/ui/dashboard"
	"github.com/exactkeeper/exactkeeper/ui/keeperapp"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "dashboard" {
		os.Exit(dashboard.Main(os.Args[2:], version.String(), os.Stderr))
	}
	os.Exit(keeperapp.Main(os.Args[1:], version.String(), os.Stderr))
}
