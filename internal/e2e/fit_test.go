package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// windowGeometry is the X geometry of the window named title.
func windowGeometry(t *testing.T, title string) (x, y, w, h int) {
	t.Helper()
	out, err := exec.Command("xwininfo", "-name", title).Output()
	if err != nil {
		t.Fatalf("xwininfo -name %q: %v\n%s", title, err, windowNames(t))
	}
	get := func(field string) int {
		m := regexp.MustCompile(field + `:\s+(-?\d+)`).FindStringSubmatch(string(out))
		if m == nil {
			t.Fatalf("xwininfo has no %s:\n%s", field, out)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return get("Absolute upper-left X"), get("Absolute upper-left Y"), get("Width"), get("Height")
}

// TestDesktopWindowFits720: the real dashboard window, in Dutch and in
// English, fits a 1280×720 screen with a taskbar and a title bar (and
// 1366×768 at 125 %), so "Add connection" and the version line are on
// screen; a screenshot cropped to 1280×720 is written for review.
func TestDesktopWindowFits720(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the cgo app")
	}
	// 1366×768 at 125 % less a taskbar and a title bar: 545 of Fyne's units
	// high; 1280×720 less 48 and 32 px: 640.
	const maxW, maxH = 1093, 545
	for _, lang := range []string{"nl_NL.UTF-8", "en_US.UTF-8"} {
		t.Run(lang[:2], func(t *testing.T) {
			w := newWorld(t, nil)
			w.connect("Bakkerij De Jong")
			d := startDesktop(t, lang, w.home)
			var open menuItem
			until(t, 30*time.Second, "the Open item", func() bool {
				items := d.menu()
				if len(items) < 2 {
					return false
				}
				open = items[len(items)-2]
				return true
			})
			d.click(open.ID)
			until(t, 60*time.Second, "the dashboard window", func() bool {
				return strings.Contains(windowNames(t), "\"Exact Keeper\"")
			})
			name := "dashboard-1280x720-" + lang[:2]
			// screenshot waits until the window has stopped changing, so
			// its size is the one Fyne settled on.
			screenshot(t, name)
			x, y, ww, hh := windowGeometry(t, "Exact Keeper")
			if ww > maxW || hh > maxH || x+ww > 1280 || y+hh > 720-48 {
				t.Errorf("the window is %dx%d at %d,%d: larger than %dx%d, or past a 1280x720 screen's taskbar", ww, hh, x, y, maxW, maxH)
			}
			if dir := os.Getenv("EXACTKEEPER_SCREENSHOTS"); dir != "" {
				p := filepath.Join(dir, name+".png")
				if out, err := exec.Command("convert", p, "-crop", fmt.Sprintf("%dx%d+0+0", 1280, 720), "+repage", p).CombinedOutput(); err != nil {
					t.Fatalf("cropping %s: %v: %s", p, err, out)
				}
			}
			if d.exited() {
				t.Fatalf("exactkeeper exited: %s", d.stderr)
			}
		})
	}
}
