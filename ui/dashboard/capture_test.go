package dashboard

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// TestScreenshots writes the onboarding and the connections view in both
// languages to $EXACTKEEPER_SCREENSHOTS, for review by people.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("EXACTKEEPER_SCREENSHOTS")
	if dir == "" {
		t.Skip("set EXACTKEEPER_SCREENSHOTS to a folder to write screenshots")
	}
	for _, l := range []string{"en", "nl"} {
		f := newFake()
		f.settings.Language = l
		h := start(t, f, Options{})
		shoot(t, h.d.win, filepath.Join(dir, "onboarding-"+l+".png"))
		// The whole form at once, for reading it through.
		h.d.win.Resize(fyne.NewSize(900, fullHeight(h.d.win.Content())+40))
		if err := Capture(h.d.win, filepath.Join(dir, "onboarding-full-"+l+".png")); err != nil {
			t.Fatal(err)
		}
		fill(h.d.ob, validForm())
		test.Tap(h.d.ob.connect)
		h.settle()
		shoot(t, h.d.win, filepath.Join(dir, "waiting-relay-"+l+".png"))

		f = newFake()
		f.settings.Language = l
		f.statuses = connFixture()
		h = start(t, f, Options{})
		shoot(t, h.d.win, filepath.Join(dir, "connections-"+l+".png"))
		test.Tap(h.d.conns.cards["secret"].secret)
		shoot(t, h.d.win, filepath.Join(dir, "secret-dialog-"+l+".png"))

		// The card of a connection whose client secret Exact refused.
		f = newFake()
		f.settings.Language = l
		f.statuses = connFixture()[len(connFixture())-1:]
		h = start(t, f, Options{})
		shoot(t, h.d.win, filepath.Join(dir, "connection-secret-"+l+".png"))
	}
}

func shoot(t *testing.T, w fyne.Window, path string) {
	t.Helper()
	w.Resize(fyne.NewSize(900, 760))
	if err := Capture(w, path); err != nil {
		t.Fatal(err)
	}
}

func TestCaptureWritesAPNG(t *testing.T) {
	h := start(t, newFake(), Options{})
	path := filepath.Join(t.TempDir(), "sub", "onboarding.png")
	h.d.win.Resize(fyne.NewSize(400, 300))
	if err := Capture(h.d.win, path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 300 || b.Dy() < 200 {
		t.Errorf("captured %v, want the window's size", b)
	}
}
