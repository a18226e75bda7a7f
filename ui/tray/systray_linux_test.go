package tray

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"fyne.io/systray"
	"github.com/godbus/dbus/v5"

	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/internal/testenv"
)

// demoEnv makes the test binary run a tray instead of the tests; the
// systray test starts it as a child process, because systray is one per
// process and lives until the process ends.
const demoEnv = "EXACTKEEPER_TRAYDEMO_LANG"

func TestMain(m *testing.M) {
	if lang := os.Getenv(demoEnv); lang != "" {
		runDemo(lang)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// demoConns is what the demo tray shows, relative to its own clock.
func demoConns(now time.Time) []keeper.ConnStatus {
	return []keeper.ConnStatus{
		{ID: "c1", Name: "Bakkerij De Jong", Status: keeper.StatusOK,
			LastRefresh: now.Add(-2 * time.Hour), LapsesAt: now.Add(28 * 24 * time.Hour)},
		{ID: "c2", Name: "Fietsen Jansen", Status: keeper.StatusNeedsReconnect},
	}
}

// runDemo publishes the tray, prints "clicked <id>" for every click on
// stdout, and quits when stdin closes.
func runDemo(lang string) {
	i18n.SetLanguage(lang)
	h := NewSystray()
	tr := New(h, DefaultOptions())
	go func() {
		for id := range h.Clicked() {
			fmt.Printf("clicked %s\n", id)
		}
	}()
	go func() {
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // returns at EOF
		systray.Quit()
	}()
	systray.Run(func() { tr.Update(demoConns(time.Now()), nil, time.Now()) }, nil)
}

// menuNode is a com.canonical.dbusmenu layout: (ia{sv}av).
type menuNode struct {
	ID       int32
	Props    map[string]dbus.Variant
	Children []dbus.Variant
}

// watcher stands in for the tray host's org.kde.StatusNotifierWatcher:
// systray registers with it once its item and menu are fully exported,
// which tells the test when to look.
type watcher struct {
	conn       *dbus.Conn
	registered chan uint32 // the PIDs of registered items
}

func (w *watcher) RegisterStatusNotifierItem(sender dbus.Sender, _ string) *dbus.Error {
	var pid uint32
	if err := w.conn.BusObject().Call("org.freedesktop.DBus.GetConnectionUnixProcessID", 0, string(sender)).Store(&pid); err == nil {
		w.registered <- pid
	}
	return nil
}

func newWatcher(t *testing.T, conn *dbus.Conn) *watcher {
	t.Helper()
	w := &watcher{conn: conn, registered: make(chan uint32, 16)}
	const name, path = "org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher"
	if err := conn.Export(w, path, name); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("cannot own %s (reply %v, %v): run this test on a private bus (dbus-run-session), not inside a desktop session", name, reply, err)
	}
	return w
}

// startDemo runs the test binary as a tray in lang, waits until the tray
// has registered, and returns its bus name and its stdout lines.
func startDemo(t *testing.T, w *watcher, lang string) (string, <-chan string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), demoEnv+"="+lang)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close() // the demo quits at EOF
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Error("the demo tray did not quit when its stdin closed")
		}
	})
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, stdout)
	}()

	deadline := time.After(30 * time.Second)
	for {
		select {
		case pid := <-w.registered:
			if int(pid) == cmd.Process.Pid {
				return fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", pid), lines
			}
		case <-deadline:
			t.Fatal("the demo tray never registered its item")
		}
	}
}

func TestSystrayOverDBus(t *testing.T) {
	testenv.NeedDisplay(t)
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatalf("session bus: %v", err)
	}
	defer conn.Close()
	w := newWatcher(t, conn)

	for _, lang := range []string{"en", "nl"} {
		t.Run(lang, func(t *testing.T) {
			i18n.SetLanguage(lang) // for the expected texts
			t.Cleanup(func() { i18n.SetLanguage("") })
			name, lines := startDemo(t, w, lang)
			item := conn.Object(name, "/StatusNotifierItem")

			// The menu, read like a tray host reads it. GetLayout answers once
			// the initial menu is built, so the icon and tooltip are set too.
			v, err := item.GetProperty("org.kde.StatusNotifierItem.Menu")
			if err != nil {
				t.Fatalf("Menu: %v", err)
			}
			menu := conn.Object(name, v.Value().(dbus.ObjectPath))
			var rev uint32
			var root menuNode
			if err := menu.Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{}).Store(&rev, &root); err != nil {
				t.Fatalf("GetLayout: %v", err)
			}
			type entry struct {
				label   string
				enabled bool
			}
			var got []entry
			ids := map[string]int32{}
			for _, c := range root.Children {
				var n menuNode
				if err := dbus.Store([]any{c.Value()}, &n); err != nil {
					t.Fatalf("menu child: %v", err)
				}
				if n.Props["type"].Value() == "separator" {
					got = append(got, entry{label: "-"})
					continue
				}
				label, _ := n.Props["label"].Value().(string)
				enabled, _ := n.Props["enabled"].Value().(bool)
				got = append(got, entry{label, enabled})
				ids[label] = n.ID
			}
			now := time.Now()
			var want []entry
			for _, it := range Menu(demoConns(now), nil, now) {
				if it.ID == Separator {
					want = append(want, entry{label: "-"})
					continue
				}
				want = append(want, entry{it.Label, !it.Disabled})
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("menu over D-Bus =\n%v\nwant\n%v", got, want)
			}

			// The icon and tooltip are published.
			v, err = item.GetProperty("org.kde.StatusNotifierItem.IconPixmap")
			if err != nil {
				t.Fatalf("IconPixmap: %v", err)
			}
			var pix []struct {
				W, H int32
				Pix  []byte
			}
			if err := dbus.Store([]any{v.Value()}, &pix); err != nil || len(pix) != 1 || pix[0].W != 64 || len(pix[0].Pix) != 64*64*4 {
				t.Errorf("IconPixmap = %d images (err %v), want one 64×64 image", len(pix), err)
			}
			v, err = item.GetProperty("org.kde.StatusNotifierItem.ToolTip")
			if err != nil {
				t.Fatalf("ToolTip: %v", err)
			}
			if tip := fmt.Sprint(v.Value()); !strings.Contains(tip, i18n.T("tray.tooltip.action")) {
				t.Errorf("ToolTip = %s, want it to contain %q", tip, i18n.T("tray.tooltip.action"))
			}

			// A click through dbusmenu reaches Clicked() with our ID.
			open := i18n.T("tray.open")
			if err := menu.Call("com.canonical.dbusmenu.Event", 0, ids[open], "clicked", dbus.MakeVariant(""), uint32(0)).Err; err != nil {
				t.Fatalf("Event: %v", err)
			}
			select {
			case l := <-lines:
				if l != "clicked "+IDOpen {
					t.Errorf("demo printed %q, want %q", l, "clicked "+IDOpen)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the click never arrived on Clicked()")
			}
		})
	}
}
