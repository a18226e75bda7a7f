// Command baretray is the yardstick for the keeper's idle cost: a bare
// fyne.io/systray program with one icon and one menu item, nothing else.
package main

import (
	"fyne.io/systray"

	"github.com/exactkeeper/exactkeeper/assets"
)

func main() {
	systray.Run(func() {
		systray.SetIcon(assets.Icon(assets.StateOK, true))
		systray.SetTooltip("bare")
		systray.AddMenuItem("Quit", "")
	}, nil)
}
