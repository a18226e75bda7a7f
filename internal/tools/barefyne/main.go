// Command barefyne is the other yardstick for the keeper's idle cost: a
// minimal Fyne app that holds only a tray icon with one menu item, with
// Fyne's GL event loop running, as exactkeeper would be had it been built
// on Fyne instead of fyne.io/systray alone (design.md).
package main

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/exactkeeper/exactkeeper/assets"
)

func main() {
	a := app.NewWithID("nl.exactkeeper.barefyne")
	icon := fyne.NewStaticResource("icon.png", assets.Icon(assets.StateOK, true))
	// Fyne wants a PNG app icon before the tray icon (testing.md).
	a.SetIcon(icon)
	if d, ok := a.(desktop.App); ok {
		d.SetSystemTrayMenu(fyne.NewMenu("bare", fyne.NewMenuItem("Quit", a.Quit)))
		d.SetSystemTrayIcon(icon)
	}
	a.Run()
}
