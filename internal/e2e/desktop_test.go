package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/exactkeeper/exactkeeper/internal/testenv"
)

// The desktop app's two programs are built once, the window with cgo and
// Fyne's real driver.
var (
	appOnce sync.Once
	appBin  string
	dashBin string
	appErr  error
)

func buildApp(t *testing.T) string {
	t.Helper()
	appOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ek-e2e-app")
		if err != nil {
			appErr = err
			return
		}
		appBin = filepath.Join(dir, "exactkeeper")
		dashBin = filepath.Join(dir, "exactkeeper-dashboard")
		for bin, pkg := range map[string]string{appBin: "./cmd/exactkeeper", dashBin: "./cmd/exactkeeper-dashboard"} {
			out, err := exec.Command("go", "build", "-o", bin, "github.com/exactkeeper/exactkeeper/"+pkg[2:]).CombinedOutput()
			if err != nil {
				appErr = fmt.Errorf("building %s: %v\n%s", pkg, err, out)
				return
			}
		}
	})
	if appErr != nil {
		t.Fatal(appErr)
	}
	return appBin
}

// desktop is a running `exactkeeper` under Xvfb with a private session bus.
type desktop struct {
	t      *testing.T
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	done   chan struct{}
	bus    *dbus.Conn
	xdg    string
	opened string // file the fake xdg-open appends URLs to
}

// startDesktop runs the app with the given arguments and locale.
func startDesktop(t *testing.T, lang, home string, args ...string) *desktop {
	t.Helper()
	testenv.NeedDisplay(t)
	testenv.NeedKeyring(t)
	bin := buildApp(t)
	// Not t.TempDir: the dashboard process may still be writing Fyne's
	// preferences there while it is being ended.
	xdg, err := os.MkdirTemp("", "ek-xdg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(xdg) })
	d := &desktop{t: t, stderr: &bytes.Buffer{}, done: make(chan struct{}), xdg: xdg}
	// pkg/browser runs xdg-open; a stand-in records the URL instead.
	fakeBin := t.TempDir()
	d.opened = filepath.Join(t.TempDir(), "opened")
	script := "#!/bin/sh\necho \"$1\" >> " + d.opened + "\n"
	if err := os.WriteFile(filepath.Join(fakeBin, "xdg-open"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	d.cmd = exec.Command(bin, args...)
	d.cmd.Env = append(os.Environ(), "LANG="+lang, "LC_ALL="+lang, "LANGUAGE=", "XDG_CONFIG_HOME="+d.xdg,
		"PATH="+fakeBin+string(os.PathListSeparator)+os.Getenv("PATH"))
	if home != "" {
		d.cmd.Env = append(d.cmd.Env, "EXACTKEEPER_HOME="+home)
	}
	d.cmd.Stderr = d.stderr
	// The dashboard inherits stderr; do not wait on it for Wait to return.
	d.cmd.WaitDelay = 5 * time.Second
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.cmd.Wait(); close(d.done) }()
	t.Cleanup(func() {
		d.stop()
		if t.Failed() {
			t.Logf("exactkeeper's log:\n%s", d.stderr)
		}
	})
	bus, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	d.bus = bus
	t.Cleanup(func() { bus.Close() })
	until(t, 60*time.Second, "the tray item on the session bus", func() bool {
		var has bool
		_ = bus.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, d.itemName()).Store(&has)
		return has || d.exited()
	})
	if d.exited() {
		t.Fatalf("exactkeeper exited early: %s", d.stderr)
	}
	return d
}

func (d *desktop) exited() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

func (d *desktop) itemName() string {
	return fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", d.cmd.Process.Pid)
}

func (d *desktop) stop() {
	if d.exited() {
		return
	}
	_ = d.cmd.Process.Signal(os.Interrupt)
	select {
	case <-d.done:
	case <-time.After(15 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.done
	}
	// The dashboard is a child process of its own; end it too.
	_ = exec.Command("pkill", "-f", dashBin).Run()
}

// menuPath asks the item where its menu is published (fyne.io/systray uses
// /StatusNotifierItem/menu; other libraries /StatusNotifierMenu).
func (d *desktop) menuPath() dbus.ObjectPath {
	d.t.Helper()
	v, err := d.bus.Object(d.itemName(), "/StatusNotifierItem").GetProperty("org.kde.StatusNotifierItem.Menu")
	if err != nil {
		d.t.Fatalf("reading the item's Menu property: %v", err)
	}
	p, ok := v.Value().(dbus.ObjectPath)
	if !ok {
		d.t.Fatalf("Menu property is %T", v.Value())
	}
	return p
}

// menuItem is one entry of the tray menu as dbusmenu publishes it.
type menuItem struct {
	ID      int32
	Label   string
	Enabled bool
}

// menu reads the tray menu over com.canonical.dbusmenu.
func (d *desktop) menu() []menuItem {
	d.t.Helper()
	obj := d.bus.Object(d.itemName(), d.menuPath())
	var rev uint32
	var layout struct {
		ID       int32
		Props    map[string]dbus.Variant
		Children []dbus.Variant
	}
	if err := obj.Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{}).Store(&rev, &layout); err != nil {
		d.t.Fatalf("GetLayout: %v", err)
	}
	var items []menuItem
	for _, c := range layout.Children {
		fields, ok := c.Value().([]interface{})
		if !ok || len(fields) < 2 {
			continue
		}
		id, _ := fields[0].(int32)
		props, _ := fields[1].(map[string]dbus.Variant)
		it := menuItem{ID: id, Enabled: true}
		if v, ok := props["label"]; ok {
			it.Label, _ = v.Value().(string)
		}
		if v, ok := props["enabled"]; ok {
			it.Enabled, _ = v.Value().(bool)
		}
		if v, ok := props["type"]; ok && v.Value() == "separator" {
			continue
		}
		items = append(items, it)
	}
	return items
}

func (d *desktop) click(id int32) {
	d.t.Helper()
	obj := d.bus.Object(d.itemName(), d.menuPath())
	if err := obj.Call("com.canonical.dbusmenu.Event", 0, id, "clicked", dbus.MakeVariant(""), uint32(0)).Err; err != nil {
		d.t.Fatalf("Event clicked: %v", err)
	}
}

func findItem(items []menuItem, label string) (menuItem, bool) {
	for _, it := range items {
		if it.Label == label {
			return it, true
		}
	}
	return menuItem{}, false
}

func labels(items []menuItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Label)
	}
	return out
}

// windowNames lists the names of the X windows.
func windowNames(t *testing.T) string {
	out, err := exec.Command("xwininfo", "-root", "-tree").Output()
	if err != nil {
		t.Fatalf("xwininfo: %v", err)
	}
	return string(out)
}

// screenshot saves the X screen to the review folder.
func screenshot(t *testing.T, name string) {
	dir := os.Getenv("EXACTKEEPER_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(t.TempDir(), "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name+".png")
	// Fyne paints a moment after the window is mapped, and the dashboard
	// shows "Loading…" until the keeper answers. The picture is for people:
	// take it once the screen has stopped changing for a second.
	var last string
	var since time.Time
	until(t, 60*time.Second, "a settled window to photograph", func() bool {
		if out, err := exec.Command("import", "-window", "root", p).CombinedOutput(); err != nil {
			t.Fatalf("screenshot: %v: %s", err, out)
		}
		sig, err := exec.Command("identify", "-format", "%#", p).Output()
		if err != nil {
			return false
		}
		if string(sig) != last {
			last, since = string(sig), time.Now()
			return false
		}
		return time.Since(since) > time.Second
	})
	t.Logf("screenshot: %s", p)
}

// screenshotAt saves the top-left w×h of the screen with the window named
// title resized to fill it, so pictures for the docs have one size whatever
// the window's default. There is no window manager: xdotool asks the X
// server, once the window has settled (Fyne sizes it again when its
// content is first set). Without xdotool the window keeps its size.
func screenshotAt(t *testing.T, name, title string, w, h int) {
	t.Helper()
	screenshot(t, name)
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Logf("xdotool is not installed: the window keeps its own size in %s", name)
	} else {
		out, err := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^"+title+"$").Output()
		ids := strings.Fields(string(out))
		if err != nil || len(ids) == 0 {
			t.Fatalf("no visible window named %q: %v\n%s", title, err, windowNames(t))
		}
		for _, id := range ids {
			for _, args := range [][]string{{"windowmove", "--sync", id, "0", "0"}, {"windowsize", "--sync", id, strconv.Itoa(w), strconv.Itoa(h)}} {
				if out, err := exec.Command("xdotool", args...).CombinedOutput(); err != nil {
					t.Fatalf("xdotool %v: %v: %s", args, err, out)
				}
			}
		}
		screenshot(t, name)
	}
	dir := os.Getenv("EXACTKEEPER_SCREENSHOTS")
	if dir == "" {
		return // screenshot wrote to a temporary folder: nobody looks
	}
	p := filepath.Join(dir, name+".png")
	if out, err := exec.Command("convert", p, "-crop", fmt.Sprintf("%dx%d+0+0", w, h), "+repage", p).CombinedOutput(); err != nil {
		t.Fatalf("cropping %s: %v: %s", p, err, out)
	}
}

// notifications returns the summaries and bodies dunst has shown.
func notifications(t *testing.T) string {
	out, err := exec.Command("dunstctl", "history").Output()
	if err != nil {
		return ""
	}
	var h struct {
		Data [][]map[string]struct {
			Data any `json:"data"`
		} `json:"data"`
	}
	if json.Unmarshal(out, &h) != nil {
		return ""
	}
	var b strings.Builder
	for _, group := range h.Data {
		for _, n := range group {
			fmt.Fprintf(&b, "%v | %v | %v\n", n["appname"].Data, n["summary"].Data, n["body"].Data)
		}
	}
	return b.String()
}

// TestDesktopDemo runs `exactkeeper --demo` in Dutch and in English: the tray
// item and its menu in the locale's language, the onboarding window opening
// at once, "Open Exact Keeper" through dbusmenu, the demo delegation's
// notification reaching dunst, and screenshots for review.
func TestDesktopDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the cgo app")
	}
	cases := []struct {
		lang, open, quit, refresh, delegation string
	}{
		{"nl_NL.UTF-8", "Exact Keeper openen", "Afsluiten", "Nu vernieuwen", "Machtiging"},
		{"en_US.UTF-8", "Open Exact Keeper", "Quit", "Refresh now", "Delegation"},
	}
	for _, tc := range cases {
		t.Run(tc.lang[:2], func(t *testing.T) {
			_ = exec.Command("dunstctl", "history-clear").Run()
			d := startDesktop(t, tc.lang, "", "--demo")
			var items []menuItem
			until(t, 30*time.Second, "the tray menu", func() bool {
				items = d.menu()
				_, ok := findItem(items, tc.open)
				return ok
			})
			for _, want := range []string{tc.open, tc.quit, tc.refresh} {
				if _, ok := findItem(items, want); !ok {
					t.Errorf("menu %q lacks %q", labels(items), want)
				}
			}
			// The demo opens onboarding by itself: the window appears.
			until(t, 60*time.Second, "the dashboard window", func() bool {
				return strings.Contains(windowNames(t), "Exact Keeper")
			})
			screenshot(t, "onboarding-"+tc.lang[:2])
			// The delegation ending in five days is notified at start.
			until(t, 30*time.Second, "the delegation notification in dunst", func() bool {
				_ = exec.Command("dunstctl", "close-all").Run()
				return strings.Contains(notifications(t), tc.delegation)
			})
			// Notifications say who they are: the app's name, not a key.
			if n := notifications(t); !strings.Contains(n, "Exact Keeper | ") || strings.Contains(n, "app.name") {
				t.Errorf("notifications do not name Exact Keeper as their app:\n%s", n)
			}
			// Closing the window and clicking "Open" starts it again.
			_ = exec.Command("pkill", "-f", dashBin).Run()
			until(t, 30*time.Second, "the dashboard process to end", func() bool {
				return exec.Command("pgrep", "-f", dashBin).Run() != nil
			})
			open, _ := findItem(d.menu(), tc.open)
			d.click(open.ID)
			until(t, 60*time.Second, "the dashboard window after clicking Open", func() bool {
				return strings.Contains(windowNames(t), "\"Exact Keeper\"")
			})
			if d.exited() {
				t.Fatalf("exactkeeper exited: %s", d.stderr)
			}
		})
	}
}

// TestDesktopDashboard: with a connection made through the command line, the
// app shows it in the menu and the dashboard, in both languages.
func TestDesktopDashboard(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the cgo app")
	}
	for _, lang := range []string{"nl_NL.UTF-8", "en_US.UTF-8"} {
		t.Run(lang[:2], func(t *testing.T) {
			w := newWorld(t, nil)
			w.connect("Bakkerij De Jong")
			d := startDesktop(t, lang, w.home)
			var status menuItem
			until(t, 30*time.Second, "the connection's status line", func() bool {
				for _, it := range d.menu() {
					if strings.HasPrefix(it.Label, "Bakkerij De Jong:") {
						status = it
						return true
					}
				}
				return false
			})
			if status.Enabled {
				t.Errorf("status line %q is clickable; want a disabled line", status.Label)
			}
			items := d.menu()
			open := items[len(items)-2]
			d.click(open.ID)
			until(t, 60*time.Second, "the dashboard window", func() bool {
				return strings.Contains(windowNames(t), "\"Exact Keeper\"")
			})
			screenshot(t, "dashboard-"+lang[:2])
			// The CLI asks the running app for a token: one refresher.
			if tok := w.token(); !w.me(tok.AccessToken) {
				t.Errorf("token served by the app was refused")
			}
		})
	}
}

// TestDesktopOnboardingRelay: on a first start without connections the
// window opens by itself on the onboarding, whose default way back is the
// relay page; screenshots in Dutch and English for the docs.
func TestDesktopOnboardingRelay(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the cgo app")
	}
	for _, lang := range []string{"nl_NL.UTF-8", "en_US.UTF-8"} {
		t.Run(lang[:2], func(t *testing.T) {
			d := startDesktop(t, lang, t.TempDir())
			until(t, 60*time.Second, "the onboarding window", func() bool {
				return strings.Contains(windowNames(t), "\"Exact Keeper\"")
			})
			screenshotAt(t, "onboarding-relay-"+lang[:2], "Exact Keeper", 1280, 720)
			if d.exited() {
				t.Fatalf("exactkeeper exited: %s", d.stderr)
			}
		})
	}
}

var _ = context.Background
