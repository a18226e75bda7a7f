// Command exactkeeper-dashboard is Exact Keeper's window: onboarding,
// connections, delegations, settings. The tray starts it on demand; it talks
// to the running keeper over IPC only and exits when its window closes.
package main

import (
	"os"
	"os/signal"

	"fyne.io/fyne/v2"

	"github.com/exactkeeper/exactkeeper/internal/version"
	"github.com/exactkeeper/exactkeeper/ui/dashboard"
)

func main() {
	quitOnSignal()
	os.Exit(dashboard.Main(os.Args[1:], version.String(), os.Stderr))
}

// quitOnSignal closes the window on SIGINT, SIGTERM, SIGHUP or SIGQUIT the
// way its close button does, rather than letting the signal kill the
// process at whatever it is doing; later signals are caught too.
func quitOnSignal() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, exitSignals...)
	go func() {
		<-sigs
		if a := fyne.CurrentApp(); a != nil {
			fyne.Do(a.Quit)
			return
		}
		os.Exit(1) // no window yet, so nothing under way
	}()
}
