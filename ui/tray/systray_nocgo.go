//go:build darwin && !cgo

package tray

// NewSystray returns a Host that shows nothing: fyne.io/systray needs cgo on
// macOS, and a build without it (CI's type check) has no tray to draw on.
func NewSystray() Host { return noHost{clicks: make(chan string)} }

type noHost struct{ clicks chan string }

func (noHost) SetIcon([]byte)           {}
func (noHost) SetTooltip(string)        {}
func (noHost) SetItems([]Item)          {}
func (h noHost) Clicked() <-chan string { return h.clicks }
