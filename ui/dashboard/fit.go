package dashboard

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
)

// SmallestScreen is the usable part of the smallest screen the window must
// fit: 1280×720 with a 48 px taskbar and a 32 px title bar, and 1366×768 at
// Windows' usual 125 % scaling (1093×614 in Fyne's units, less a taskbar of
// 38 and a title bar of 31). Content scrolls inside it; the action buttons
// and the version line stay in view.
var SmallestScreen = fyne.NewSize(1093, 545)

// DefaultWindowSize is the window's first size: within SmallestScreen, so
// its bottom edge (Add connection, Export, the version) is never off screen.
var DefaultWindowSize = fyne.NewSize(820, 540)

// scrollWithActions is a view whose body scrolls while what it says about
// the last action and its buttons stay in view below it.
func scrollWithActions(body fyne.CanvasObject, bottom ...fyne.CanvasObject) fyne.CanvasObject {
	return container.NewBorder(nil, container.NewPadded(container.NewVBox(bottom...)), nil, nil,
		container.NewVScroll(container.NewPadded(body)))
}
