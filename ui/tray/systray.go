//go:build !darwin || cgo

package tray

import (
	"runtime"
	"sync"

	"fyne.io/systray"
)

// clickBuffer is how many clicks may wait for the reader; more are dropped,
// as a person cannot click faster than the keeper reads.
const clickBuffer = 16

type systrayHost struct {
	mu       sync.Mutex // serialises menu rebuilds
	clicks   chan string
	template bool
}

// NewSystray returns the Host over fyne.io/systray. The caller owns the
// systray loop (systray.Run or RunWithExternalLoop) and may call the Host
// before the loop has started: systray keeps the icon, tooltip and menu and
// publishes them once it is up. On macOS icons are set as template images,
// so use DefaultOptions there.
func NewSystray() Host {
	return &systrayHost{
		clicks:   make(chan string, clickBuffer),
		template: runtime.GOOS == "darwin",
	}
}

func (h *systrayHost) SetIcon(icon []byte) {
	if h.template {
		systray.SetTemplateIcon(icon, icon)
		return
	}
	systray.SetIcon(icon)
}

func (h *systrayHost) SetTooltip(s string) { systray.SetTooltip(s) }

// SetItems rebuilds the whole menu: systray has no insert, and the menu is
// short. ResetMenu closes the old items' click channels, which ends their
// forwarding goroutines.
func (h *systrayHost) SetItems(items []Item) {
	h.mu.Lock()
	defer h.mu.Unlock()
	systray.ResetMenu()
	for _, it := range items {
		if it.ID == Separator {
			systray.AddSeparator()
			continue
		}
		mi := systray.AddMenuItem(it.Label, "")
		if it.Disabled {
			mi.Disable()
		}
		go h.forward(mi.ClickedCh, it.ID)
	}
}

func (h *systrayHost) forward(ch <-chan struct{}, id string) {
	for range ch {
		select {
		case h.clicks <- id:
		default:
		}
	}
}

func (h *systrayHost) Clicked() <-chan string { return h.clicks }
