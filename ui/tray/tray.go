// Package tray draws the keeper's state in the notification area: one icon
// in three states, a tooltip and a menu with a status line per connection.
// The pure functions (StateOf, StatusLine, Menu) decide what to show; Tray
// pushes it to a Host only when it changed; NewSystray is the Host over
// fyne.io/systray, used by the keeper process, which runs no Fyne window
// loop. All text comes from the ui/i18n catalogue.
package tray

import (
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/exactkeeper/exactkeeper/assets"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/remind"
	"github.com/exactkeeper/exactkeeper/ui/i18n"
)

// State is what the tray icon shows.
type State int

// Tray states, from calm to urgent.
const (
	StateOK        State = iota // every connection is fine
	StateAttention              // a reminder is due, a refresh fails, or nothing is set up yet
	StateAction                 // a connection needs a new login or has lapsed
)

// String returns the state's icon name: "ok", "attention" or "action".
func (s State) String() string {
	switch s {
	case StateOK:
		return assets.StateOK
	case StateAttention:
		return assets.StateAttention
	}
	return assets.StateAction
}

// Menu item IDs. Per-subject items are a prefix plus an ID, e.g.
// "reconnect:<connection ID>"; SplitID takes them apart.
const (
	PrefixStatus    = "status:"    // disabled status line of a connection
	PrefixReconnect = "reconnect:" // log in again for a connection
	PrefixReminder  = "reminder:"  // a due reminder, by remind.Reminder.Key
	IDRefresh       = "refresh"
	IDOpen          = "open"
	IDQuit          = "quit"
	// Separator is the ID of a line between groups; it has no label and is
	// never clicked.
	Separator = "-"
)

// SplitID splits a clicked item ID into its action ("reconnect", "refresh",
// …) and argument (a connection ID or reminder key; "" for plain actions).
func SplitID(id string) (action, arg string) {
	action, arg, _ = strings.Cut(id, ":")
	return action, arg
}

// Item is one menu entry.
type Item struct {
	ID       string
	Label    string
	Disabled bool
}

// needsLogin reports whether only a browser login can save a connection:
// the keeper says so, or its refresh token lapsed (the PC was off too long).
func needsLogin(c keeper.ConnStatus, now time.Time) bool {
	return c.Status == keeper.StatusNeedsReconnect || lapsed(c, now)
}

func lapsed(c keeper.ConnStatus, now time.Time) bool {
	return !c.LapsesAt.IsZero() && !now.Before(c.LapsesAt)
}

// urgent reports whether a reminder is about a lost login rather than a
// coming one.
func urgent(r remind.Reminder) bool {
	return r.Kind == remind.KindReconnect ||
		(r.Kind == remind.KindRefreshToken && r.Threshold == remind.ThresholdLapsed)
}

// StateOf decides the icon. Action: a connection needs a new login or has
// lapsed. Attention: nothing is set up yet, a refresh is failing, a status
// is unknown, or a reminder is due. Otherwise OK.
func StateOf(conns []keeper.ConnStatus, due []remind.Reminder, now time.Time) State {
	st := StateOK
	if len(conns) == 0 || len(due) > 0 {
		st = StateAttention
	}
	for _, r := range due {
		if urgent(r) {
			return StateAction
		}
	}
	for _, c := range conns {
		switch {
		case needsLogin(c, now):
			return StateAction
		case c.Status == keeper.StatusOK || c.Status == keeper.StatusNew:
		default: // failing, or a status this version does not know
			st = StateAttention
		}
	}
	return st
}

func nameOf(c keeper.ConnStatus) string {
	if c.Name != "" {
		return c.Name
	}
	return c.ID
}

// StatusLine describes one connection in one line, e.g. "Bakkerij De Jong:
// refreshed 2 hours ago".
func StatusLine(c keeper.ConnStatus, now time.Time) string {
	name := map[string]any{"Name": nameOf(c)}
	switch {
	case c.Status == keeper.StatusNeedsReconnect:
		return i18n.Tf("tray.status.needs-reconnect", name)
	case lapsed(c, now):
		return i18n.Tf("tray.status.lapsed", name)
	case c.Status == keeper.StatusPaused:
		return i18n.Tf("tray.status.paused", name)
	case c.Status == keeper.StatusFailing:
		if c.FailingSince.IsZero() || now.Sub(c.FailingSince) < time.Minute {
			return i18n.Tf("tray.status.failing", name)
		}
		name["Duration"] = i18n.Duration(now.Sub(c.FailingSince))
		return i18n.Tf("tray.status.failing-for", name)
	case c.Status == keeper.StatusNew, c.Status == keeper.StatusOK && c.LastRefresh.IsZero():
		return i18n.Tf("tray.status.new", name)
	case c.Status == keeper.StatusOK:
		name["Ago"] = i18n.Ago(now.Sub(c.LastRefresh))
		return i18n.Tf("tray.status.ok", name)
	}
	return i18n.Tf("tray.status.unknown", name)
}

// ReminderLabel is the menu text of a due reminder.
func ReminderLabel(r remind.Reminder) string {
	args := map[string]any{"Name": r.SubjectName, "When": i18n.InDays(r.DaysLeft)}
	switch {
	case r.Kind == remind.KindReconnect:
		return i18n.Tf("tray.reminder.reconnect", args)
	case r.Kind == remind.KindRefreshToken && r.Threshold == remind.ThresholdLapsed:
		return i18n.Tf("tray.reminder.lapsed", args)
	case r.Kind == remind.KindRefreshToken:
		return i18n.Tf("tray.reminder.lapses", args)
	case r.Kind == remind.KindDelegation && r.Threshold == remind.ThresholdEnded:
		return i18n.Tf("tray.reminder.delegation-ended", args)
	case r.Kind == remind.KindDelegation:
		return i18n.Tf("tray.reminder.delegation", args)
	}
	return r.SubjectName
}

// Menu builds the menu: a disabled status line per connection; then
// "Reconnect <name>…" per connection that needs it and the due reminders
// (a lost-login reminder for a connection that already has a Reconnect item
// is left out); then "Refresh now", "Open Exact Keeper" and "Quit".
func Menu(conns []keeper.ConnStatus, due []remind.Reminder, now time.Time) []Item {
	var items []Item
	if len(conns) == 0 {
		items = append(items, Item{ID: PrefixStatus, Label: i18n.T("tray.no-connections"), Disabled: true})
	}
	for _, c := range conns {
		items = append(items, Item{ID: PrefixStatus + c.ID, Label: StatusLine(c, now), Disabled: true})
	}

	var todo []Item
	reconnecting := map[string]bool{}
	for _, c := range conns {
		if needsLogin(c, now) {
			reconnecting[c.ID] = true
			todo = append(todo, Item{ID: PrefixReconnect + c.ID, Label: i18n.Tf("tray.reconnect", map[string]any{"Name": nameOf(c)})})
		}
	}
	for _, r := range due {
		if urgent(r) && reconnecting[r.SubjectID] {
			continue
		}
		todo = append(todo, Item{ID: PrefixReminder + r.Key, Label: ReminderLabel(r)})
	}
	if len(todo) > 0 {
		items = append(items, Item{ID: Separator})
		items = append(items, todo...)
	}

	return append(items,
		Item{ID: Separator},
		Item{ID: IDRefresh, Label: i18n.T("tray.refresh"), Disabled: len(conns) == 0},
		Item{ID: IDOpen, Label: i18n.T("tray.open")},
		Item{ID: IDQuit, Label: i18n.T("tray.quit")},
	)
}

// Tooltip is the text shown when pointing at the icon.
func Tooltip(conns []keeper.ConnStatus, st State) string {
	if len(conns) == 0 {
		return i18n.T("tray.tooltip.setup")
	}
	return i18n.T("tray.tooltip." + st.String())
}

// Host is the seam over the system tray library, so that Tray can be tested
// without a desktop. Clicked delivers the ID of each clicked Item.
type Host interface {
	SetIcon(icon []byte) // PNG, or ICO with Options.ICO
	SetTooltip(string)
	SetItems([]Item)
	Clicked() <-chan string
}

// Options choose the icon set.
type Options struct {
	// Dark picks icons with a light outline, for a dark task bar.
	Dark bool
	// Template picks the black-with-alpha icons that the macOS menu bar
	// tints itself.
	Template bool
	// ICO hands the host ICO files instead of PNG: fyne.io/systray loads
	// the icon with LoadImage(IMAGE_ICON) on Windows, which shows nothing
	// for PNG bytes.
	ICO bool
}

// DefaultOptions suits the OS: template icons on macOS; elsewhere the
// light-outlined set, since the default task bars of Windows 11, GNOME and
// KDE Plasma are dark (the disc's colour carries the state either way).
func DefaultOptions() Options {
	switch runtime.GOOS {
	case "darwin":
		return Options{Template: true}
	case "windows":
		return Options{Dark: true, ICO: true}
	}
	return Options{Dark: true}
}

// Tray keeps a Host in step with the keeper's state. It is safe for use by
// several goroutines.
type Tray struct {
	h    Host
	opts Options

	mu      sync.Mutex
	shown   bool // false until the first Update reached the host
	state   State
	tooltip string
	items   []Item
}

// New returns a Tray drawing on h. Nothing is shown until the first Update.
func New(h Host, opts Options) *Tray { return &Tray{h: h, opts: opts} }

// Update shows the state of conns and the due reminders at now, touching
// the host only for what changed (a rebuilt menu flickers when open).
func (t *Tray) Update(conns []keeper.ConnStatus, due []remind.Reminder, now time.Time) {
	st := StateOf(conns, due, now)
	tip := Tooltip(conns, st)
	items := Menu(conns, due, now)

	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.shown || st != t.state {
		t.h.SetIcon(t.icon(st))
	}
	if !t.shown || tip != t.tooltip {
		t.h.SetTooltip(tip)
	}
	if !t.shown || !slices.Equal(items, t.items) {
		t.h.SetItems(items)
	}
	t.shown, t.state, t.tooltip, t.items = true, st, tip, items
}

// Clicked delivers the IDs of clicked menu items; see SplitID.
func (t *Tray) Clicked() <-chan string { return t.h.Clicked() }

func (t *Tray) icon(st State) []byte {
	switch {
	case t.opts.Template:
		return assets.TemplateIcon(st.String())
	case t.opts.ICO:
		return assets.IconICO(st.String(), t.opts.Dark)
	}
	return assets.Icon(st.String(), t.opts.Dark)
}
