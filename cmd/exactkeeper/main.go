// Command exactkeeper is the desktop app's always-on process: the keeper
// with its tray icon, at near-zero idle cost. It links no Fyne; the windows
// are the separate exactkeeper-dashboard program it starts on demand
// (`exactkeeper dashboard` runs that too). design.md and the README say why.
package main

import (
	"os"

	"github.com/exactkeeper/exactkeeper/internal/version"
	"github.com/exactkeeper/exactkeeper/ui/keeperapp"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "dashboard" {
		os.Exit(keeperapp.RunDashboard(os.Args[2:]))
	}
	os.Exit(keeperapp.Main(os.Args[1:], version.String(), os.Stderr))
}
