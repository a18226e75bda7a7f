package dashboard

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/store"
)

func fits(s, in fyne.Size) bool { return s.Width <= in.Width && s.Height <= in.Height }

// inView fails unless o lies wholly inside the window: the action buttons
// and the version line must never be scrolled or cut away.
func inView(t *testing.T, w fyne.Window, what string, o fyne.CanvasObject) {
	t.Helper()
	if o == nil || !o.Visible() {
		t.Errorf("%s is not shown", what)
		return
	}
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	size, canvas := o.Size(), w.Canvas().Size()
	if pos.X < 0 || pos.Y < 0 || pos.X+size.Width > canvas.Width+0.5 || pos.Y+size.Height > canvas.Height+0.5 || size.Height == 0 {
		t.Errorf("%s at %v size %v is not inside the %v window", what, pos, size, canvas)
	}
}

func labelWithText(w fyne.Window, text string) fyne.CanvasObject {
	for _, o := range test.LaidOutObjects(w.Content()) {
		if l, ok := o.(*widget.Label); ok && l.Text == text {
			return l
		}
	}
	return nil
}

// The window fits 1280×720 and 1366×768 at 125 % in both languages: its
// default size and every view's minimum, with the action buttons and the
// version in view, and every dialog no taller than the window.
func TestWindowFitsSmallScreens(t *testing.T) {
	if !fits(DefaultWindowSize, SmallestScreen) {
		t.Fatalf("default size %v does not fit %v", DefaultWindowSize, SmallestScreen)
	}
	for _, lang := range []string{"en", "nl"} {
		t.Run(lang, func(t *testing.T) {
			f := newFake()
			f.settings.Language = lang
			f.statuses = connFixture()
			today := store.DateOf(fixedNow)
			for _, id := range []string{"a", "b", "c", "d", "e", "f", "g"} {
				f.dels = append(f.dels, store.Delegation{ID: id, Platform: "Invantive Cloud", Grantee: "Administratiekantoor Smit " + id,
					Environment: "Bakkerij De Jong B.V.", Note: "Verlengen via het portaal van het kantoor", Starts: today.AddDays(-100), Ends: today.AddDays(3)})
			}
			h := start(t, f, Options{})
			w := h.d.win
			w.Resize(DefaultWindowSize)
			if got := w.Canvas().Size(); !fits(got, SmallestScreen) {
				t.Fatalf("window %v does not fit %v", got, SmallestScreen)
			}
			about := labelWithText(w, i18n.Tf("dash.about", map[string]any{"Version": f.Version()}))
			for tab, buttons := range map[int]map[string]fyne.CanvasObject{
				tabConnections: {"Add connection": h.d.conns.add},
				tabDelegations: {"Add delegation": h.d.delView.add, "Export to calendar": h.d.delView.export},
				tabSettings:    {"Save": h.d.setView.save},
				tabActivity:    {"Copy all": h.d.actView.copy},
			} {
				h.d.tabs.SelectIndex(tab)
				if min := w.Content().MinSize(); !fits(min, SmallestScreen) {
					t.Errorf("tab %d: minimum %v does not fit %v", tab, min, SmallestScreen)
				}
				for name, b := range buttons {
					inView(t, w, name, b)
				}
				inView(t, w, "the version", about)
				inView(t, w, "Help", h.d.help)
			}

			h.d.tabs.SelectIndex(tabDelegations)
			for name, open := range map[string]func(){
				"delegation":    func() { test.Tap(h.d.delView.add) },
				"renew":         func() { test.Tap(h.d.delView.rows["a"].renew) },
				"client secret": func() { h.d.tabs.SelectIndex(tabConnections); test.Tap(h.d.conns.cards["secret"].secret) },
			} {
				open()
				if min := w.Canvas().Overlays().Top().MinSize(); !fits(min, DefaultWindowSize) {
					t.Errorf("%s dialog: minimum %v is larger than the window %v", name, min, DefaultWindowSize)
				}
				inView(t, w, name+" dialog's button", h.d.dlg.confirm)
				h.d.dlg.dlg.Hide()
			}

			test.Tap(h.d.conns.add)
			if min := w.Content().MinSize(); !fits(min, SmallestScreen) {
				t.Errorf("onboarding: minimum %v does not fit %v", min, SmallestScreen)
			}
			inView(t, w, "Connect", h.d.ob.connect)
		})
	}
}

// fullHeight is the height a view needs without scrolling.
func fullHeight(o fyne.CanvasObject) float32 {
	var h float32
	for _, c := range test.LaidOutObjects(o) {
		if s, ok := c.(*container.Scroll); ok {
			h += s.Content.MinSize().Height
		}
	}
	return h + o.MinSize().Height
}
