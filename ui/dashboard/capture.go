package dashboard

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"
)

// Capture writes what w shows as a PNG file at path, creating its folder.
// With Fyne's test driver the window is drawn by the software painter, so
// this works without a display.
func Capture(w fyne.Window, path string) error {
	img := w.Canvas().Capture()
	if img == nil {
		return fmt.Errorf("the window %q could not be captured; show it first", w.Title())
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("could not write the screenshot %s: %w", path, err)
	}
	return f.Close()
}
