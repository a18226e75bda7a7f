//go:build !windows && !darwin

package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	_ "image/png" // the icon is a PNG
	"sync"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/exactkeeper/exactkeeper/core/i18n"
)

// callTimeout bounds a Notify call, so a hung notification daemon cannot
// stall the keeper.
const callTimeout = 10 * time.Second

// iconSize is the largest icon sent; daemons show 32–64 px and the bytes
// travel raw over the bus.
const iconSize = 64

func newPlatform(appName string, icon []byte) Notifier {
	return &dbusNotifier{appName: appName, icon: icon}
}

// dbusNotifier calls org.freedesktop.Notifications.Notify on a private
// session-bus connection (the shared one belongs to systray, which closes
// it when the tray quits). A notification with a subject carries the
// "default" action; the daemon answers a click with the ActionInvoked
// signal, sent to the connection that showed it, so that connection also
// listens.
type dbusNotifier struct {
	appName string
	icon    []byte

	mu   sync.Mutex
	conn *dbus.Conn
	img  *imageData // decoded icon; nil when there is none
	once sync.Once

	amu      sync.Mutex
	subjects map[uint32]string // notification ID → subject, until closed
	order    []uint32          // IDs oldest first, to bound subjects
	onClick  func(subject string)
}

// maxSubjects bounds the notifications remembered for their click: a
// daemon that never reports them closed must not grow the map forever.
const maxSubjects = 64

// Signals of the notification service.
const (
	notifyIface   = "org.freedesktop.Notifications"
	notifyPath    = "/org/freedesktop/Notifications"
	actionInvoked = notifyIface + ".ActionInvoked"
	notifyClosed  = notifyIface + ".NotificationClosed"
	defaultAction = "default"
)

// imageData is the "image-data" hint, D-Bus signature (iiibiiay).
type imageData struct {
	Width, Height, RowStride int32
	HasAlpha                 bool
	BitsPerSample, Channels  int32
	Data                     []byte
}

func (n *dbusNotifier) Notify(title, body string) error { return n.NotifyAbout("", title, body) }

// OnActivate sets what a click on a notification with a subject does.
func (n *dbusNotifier) OnActivate(f func(subject string)) {
	n.amu.Lock()
	n.onClick = f
	n.amu.Unlock()
}

// NotifyAbout shows a notification; with a subject, clicking it (the
// "default" action) calls the OnActivate handler with that subject.
func (n *dbusNotifier) NotifyAbout(subject, title, body string) error {
	n.once.Do(func() { n.img = decodeIcon(n.icon) })
	hints := map[string]dbus.Variant{"urgency": dbus.MakeVariant(byte(1))}
	if n.img != nil {
		hints["image-data"] = dbus.MakeVariant(*n.img)
	}
	actions := []string{}
	if subject != "" {
		// The label shows where a daemon draws actions as buttons; most
		// run the default action on a click on the notification itself.
		actions = []string{defaultAction, i18n.T("present.notify.open")}
	}

	n.mu.Lock()
	defer n.mu.Unlock()
	var err error
	var id uint32
	// A connection lost since the last call (the bus restarted) is
	// re-opened once.
	for attempt := 0; attempt < 2; attempt++ {
		if n.conn == nil || !n.conn.Connected() {
			if n.conn, err = n.connect(); err != nil {
				n.conn = nil
				return fmt.Errorf("could not show a notification because there is no desktop session bus (%v)", err)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		err = n.conn.Object(notifyIface, notifyPath).
			CallWithContext(ctx, notifyIface+".Notify", 0,
				n.appName, uint32(0), "", title, body, actions, hints, int32(-1)).Store(&id)
		cancel()
		if err == nil || !errors.Is(err, dbus.ErrClosed) {
			break
		}
		n.conn = nil
	}
	if err != nil {
		return fmt.Errorf("could not show a notification because the desktop's notification service did not answer (%v)", err)
	}
	if subject != "" {
		n.remember(id, subject)
	}
	return nil
}

// connect opens the private connection and listens on it for clicks and
// closes.
func (n *dbusNotifier) connect() (*dbus.Conn, error) {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return nil, err
	}
	// Daemons send the signals to us alone (dunst, GNOME) or to all; the
	// match rule covers the latter.
	_ = conn.AddMatchSignal(dbus.WithMatchObjectPath(notifyPath), dbus.WithMatchInterface(notifyIface))
	ch := make(chan *dbus.Signal, 16)
	conn.Signal(ch)
	go n.listen(ch) // ends when the connection closes, which closes ch
	return conn, nil
}

func (n *dbusNotifier) listen(ch <-chan *dbus.Signal) {
	for sig := range ch {
		var id uint32
		if len(sig.Body) < 2 || dbus.Store(sig.Body[:1], &id) != nil {
			continue
		}
		switch sig.Name {
		case actionInvoked:
			// Anyone on the session bus could send this; the worst it can
			// do is open our own window at one of our own subjects.
			key, _ := sig.Body[1].(string)
			n.amu.Lock()
			subject, f := n.subjects[id], n.onClick
			n.amu.Unlock()
			if key == defaultAction && subject != "" && f != nil {
				f(subject)
			}
		case notifyClosed:
			n.amu.Lock()
			delete(n.subjects, id)
			n.amu.Unlock()
		}
	}
}

func (n *dbusNotifier) remember(id uint32, subject string) {
	n.amu.Lock()
	defer n.amu.Unlock()
	if n.subjects == nil {
		n.subjects = map[uint32]string{}
	}
	n.subjects[id] = subject
	n.order = append(n.order, id)
	for len(n.order) > maxSubjects {
		delete(n.subjects, n.order[0])
		n.order = n.order[1:]
	}
}

// decodeIcon turns the PNG into the raw RGBA the hint wants, shrunk by
// whole factors to at most iconSize. A broken icon only costs the picture.
func decodeIcon(png []byte) *imageData {
	if len(png) == 0 {
		return nil
	}
	src, _, err := image.Decode(bytes.NewReader(png))
	if err != nil {
		return nil
	}
	rgba := image.NewNRGBA(src.Bounds())
	draw.Draw(rgba, rgba.Bounds(), src, src.Bounds().Min, draw.Src)
	for rgba.Bounds().Dx() > iconSize && rgba.Bounds().Dx()%2 == 0 && rgba.Bounds().Dy()%2 == 0 {
		rgba = halve(rgba)
	}
	b := rgba.Bounds()
	return &imageData{Width: int32(b.Dx()), Height: int32(b.Dy()), RowStride: int32(rgba.Stride),
		HasAlpha: true, BitsPerSample: 8, Channels: 4, Data: rgba.Pix}
}

// halve averages 2×2 blocks, weighting colour by alpha so that edges stay
// clean.
func halve(src *image.NRGBA) *image.NRGBA {
	w, h := src.Bounds().Dx()/2, src.Bounds().Dy()/2
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var r, g, b, a int
			for _, p := range [4][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				c := src.NRGBAAt(2*x+p[0], 2*y+p[1])
				r += int(c.R) * int(c.A)
				g += int(c.G) * int(c.A)
				b += int(c.B) * int(c.A)
				a += int(c.A)
			}
			if a > 0 {
				dst.Pix[dst.PixOffset(x, y)+0] = uint8(r / a)
				dst.Pix[dst.PixOffset(x, y)+1] = uint8(g / a)
				dst.Pix[dst.PixOffset(x, y)+2] = uint8(b / a)
				dst.Pix[dst.PixOffset(x, y)+3] = uint8(a / 4)
			}
		}
	}
	return dst
}
