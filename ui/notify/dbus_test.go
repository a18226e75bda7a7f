//go:build !windows && !darwin

package notify

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/exactkeeper/exactkeeper/assets"
	"github.com/exactkeeper/exactkeeper/internal/testenv"
)

func TestDecodeIcon(t *testing.T) {
	img := decodeIcon(assets.AppIcon())
	if img == nil || img.Width != iconSize || img.Height != iconSize || len(img.Data) != iconSize*iconSize*4 {
		t.Fatalf("app icon decoded to %+v, want %d px RGBA", img, iconSize)
	}
	if img.RowStride != 4*iconSize || !img.HasAlpha || img.Channels != 4 || img.BitsPerSample != 8 {
		t.Errorf("image-data header %d/%v/%d/%d is not 8-bit RGBA", img.RowStride, img.HasAlpha, img.Channels, img.BitsPerSample)
	}
	// The corner of the rounded square is transparent, the middle is not.
	if a := img.Data[3]; a != 0 {
		t.Errorf("corner alpha = %d, want 0", a)
	}
	mid := (iconSize/2*iconSize + iconSize/2) * 4
	if a := img.Data[mid+3]; a != 255 {
		t.Errorf("centre alpha = %d, want 255", a)
	}
	for _, bad := range [][]byte{nil, []byte("not a png")} {
		if decodeIcon(bad) != nil {
			t.Errorf("decodeIcon(%q) should give no image", bad)
		}
	}
}

// notifyCall is what a notification server receives.
type notifyCall struct {
	app, summary, body string
	hints              map[string]dbus.Variant
}

// fakeServer owns org.freedesktop.Notifications on the test's bus.
type fakeServer struct{ calls chan notifyCall }

func (s *fakeServer) Notify(app string, _ uint32, _ string, summary, body string, _ []string,
	hints map[string]dbus.Variant, _ int32) (uint32, *dbus.Error) {
	s.calls <- notifyCall{app, summary, body, hints}
	return 7, nil
}

func TestNotifyOverDBus(t *testing.T) {
	testenv.NeedDisplay(t)
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatalf("session bus: %v", err)
	}
	defer conn.Close()
	srv := &fakeServer{calls: make(chan notifyCall, 1)}
	const name = "org.freedesktop.Notifications"
	if err := conn.Export(srv, "/org/freedesktop/Notifications", name); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
	if err != nil {
		t.Fatalf("RequestName: %v", err)
	}
	if reply != dbus.RequestNameReplyPrimaryOwner {
		// A daemon (dunst, started by an earlier run on this bus) has the
		// name; TestNotifyReachesDunst covers that path.
		t.Skipf("a notification daemon already owns %s on this bus", name)
	}
	defer func() { _, _ = conn.ReleaseName(name) }()

	n := New("Exact Keeper", assets.AppIcon())
	const title, body = "Bakkerij De Jong: log opnieuw in bij Exact Online", "Open Exact Keeper en klik op \"Opnieuw verbinden\"."
	if err := n.Notify(title, body); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	// Notify returns after the server replied, so the call is recorded.
	select {
	case c := <-srv.calls:
		if c.app != "Exact Keeper" || c.summary != title || c.body != body {
			t.Errorf("server got %q / %q / %q", c.app, c.summary, c.body)
		}
		var img imageData
		if err := dbus.Store([]any{c.hints["image-data"].Value()}, &img); err != nil || img.Width != iconSize {
			t.Errorf("image-data hint = %v (%v), want a %d px image", c.hints["image-data"], err, iconSize)
		}
	default:
		t.Fatal("Notify returned but the server saw no call")
	}
}

func TestNotifyWithoutServerFailsClearly(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
	err := New("Exact Keeper", nil).Notify("t", "b")
	if err == nil || !strings.HasPrefix(err.Error(), "could not show a notification because") {
		t.Fatalf("Notify without a bus: %v, want a clear error", err)
	}
}

// TestNotifyReachesDunst sends a real notification to dunst, which the bus
// starts on demand, and finds it in dunst's history.
func TestNotifyReachesDunst(t *testing.T) {
	testenv.NeedDisplay(t)
	if _, err := exec.LookPath("dunstctl"); err != nil {
		if testenv.Required() {
			t.Fatal("dunst is required (EXACTKEEPER_TEST_REAL=1) but dunstctl is not installed")
		}
		t.Skip("dunst not installed")
	}
	title := "Exact Keeper test " + time.Now().Format(time.RFC3339Nano)
	const body = "Open Exact Keeper and click Reconnect."
	if err := New("Exact Keeper", assets.AppIcon()).Notify(title, body); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	// Closing moves the notification into the history, where dunstctl
	// shows its summary and body.
	if out, err := exec.Command("dunstctl", "close-all").CombinedOutput(); err != nil {
		t.Fatalf("dunstctl close-all: %v: %s", err, out)
	}
	out, err := exec.Command("dunstctl", "history").Output()
	if err != nil {
		t.Fatalf("dunstctl history: %v", err)
	}
	var hist struct {
		Data [][]struct {
			Summary, Body struct{ Data string }
		}
	}
	if err := json.Unmarshal(out, &hist); err != nil {
		t.Fatalf("dunstctl history is not JSON: %v", err)
	}
	for _, group := range hist.Data {
		for _, h := range group {
			if h.Summary.Data == title {
				if h.Body.Data != body {
					t.Errorf("dunst shows body %q, want %q", h.Body.Data, body)
				}
				return
			}
		}
	}
	t.Errorf("dunst's history has no notification %q:\n%s", title, bytes.TrimSpace(out))
}

// TestClickOpensSubjectThroughDunst: a notification about a subject
// carries the "default" action, and when dunst invokes it (as a click on
// the notification does) our handler gets the subject.
func TestClickOpensSubjectThroughDunst(t *testing.T) {
	testenv.NeedDisplay(t)
	if _, err := exec.LookPath("dunstctl"); err != nil {
		if testenv.Required() {
			t.Fatal("dunst is required (EXACTKEEPER_TEST_REAL=1) but dunstctl is not installed")
		}
		t.Skip("dunst not installed")
	}
	// A monitor sees the Notify call as the daemon gets it.
	mon, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatalf("session bus: %v", err)
	}
	defer mon.Close()
	calls := make(chan *dbus.Message, 8)
	// An eavesdropping connection gets its own replies on calls too: wait
	// for BecomeMonitor's there, so the monitor is up before Notify.
	mon.Eavesdrop(calls)
	mon.BusObject().Go("org.freedesktop.DBus.Monitoring.BecomeMonitor", 0, nil,
		[]string{"type='method_call',interface='org.freedesktop.Notifications',member='Notify'"}, uint32(0))
	for up := false; !up; {
		select {
		case m := <-calls:
			switch m.Type {
			case dbus.TypeMethodReply:
				up = true
			case dbus.TypeError:
				t.Fatalf("BecomeMonitor: %v", m.Body)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("BecomeMonitor got no answer")
		}
	}

	if out, err := exec.Command("dunstctl", "close-all").CombinedOutput(); err != nil {
		t.Fatalf("dunstctl close-all: %v: %s", err, out)
	}
	n, ok := New("Exact Keeper", assets.AppIcon()).(Clickable)
	if !ok {
		t.Fatal("the D-Bus notifier is not Clickable")
	}
	clicked := make(chan string, 1)
	n.OnActivate(func(subject string) { clicked <- subject })
	title := "Exact Keeper click test " + time.Now().Format(time.RFC3339Nano)
	if err := n.NotifyAbout("reconnect:c-42", title, "Log in again."); err != nil {
		t.Fatalf("NotifyAbout: %v", err)
	}

	// The call the daemon got: actions = ["default", label].
	deadline := time.After(30 * time.Second)
	for found := false; !found; {
		select {
		case m := <-calls:
			if len(m.Body) < 6 || m.Body[3] != title {
				continue
			}
			found = true
			actions, _ := m.Body[5].([]string)
			if len(actions) != 2 || actions[0] != "default" || actions[1] == "" {
				t.Errorf("Notify actions = %q, want [default <label>]", actions)
			}
		case <-deadline:
			t.Fatal("the monitor saw no Notify call")
		}
	}

	// dunstctl action 0 runs the default action of the newest notification.
	if out, err := exec.Command("dunstctl", "action", "0").CombinedOutput(); err != nil {
		t.Fatalf("dunstctl action: %v: %s", err, out)
	}
	select {
	case s := <-clicked:
		if s != "reconnect:c-42" {
			t.Errorf("handler got subject %q, want reconnect:c-42", s)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("invoking the default action did not reach the handler")
	}
	_ = exec.Command("dunstctl", "close-all").Run()
}
