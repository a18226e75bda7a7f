// Package tray draws the keeper's state in the notification area: one icon
// in three states, a tooltip and a menu with a status line per connection
// (a count per level once there are many).
// The pure functions (StateOf, StatusLine, Menu) decide what to show; Tray
// pushes it to a Host only when it changed; NewSystray is the Host over
// fyne.io/systray, used by the keeper process, which runs no Fyne window
// loop. All text comes from the core/i18n catalogue.
package tray

import (
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/exactkeeper/exactkeeper/assets"
	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/present"
	"github.com/exactkeeper/exactkeeper/core/remind"
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
	PrefixSummary   = "summary:"   // disabled count of connections at one level
	IDMore          = "more"       // "… and N more": opens the dashboard
	IDRefresh       = "refresh"
	IDHelp          = "help" // the FAQ in the browser (core/help)
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

// urgent reports whether a reminder is about a lost login rather than a
// coming one.
func urgent(r remind.Reminder) bool {
	return r.Kind == remind.KindReconnect ||
		(r.Kind == remind.KindRefreshToken && r.Threshold == remind.ThresholdLapsed)
}

// StateOf decides the icon from core/present's verdicts, as every other
// surface does. Action: a connection needs a new login or has lapsed.
// Attention: nothing is set up yet, a connection is failing, paused, needs
// attention, comes near its lapse, or a reminder is due. Otherwise OK.
func StateOf(conns []keeper.ConnStatus, due []remind.Reminder, now time.Time) State {
	return stateOf(conns, due, verdictsOf(conns, now))
}

// verdictsOf is core/present's verdict of each connection. Update asks it
// once for the icon and the menu: each verdict formats several sentences,
// and at 500 connections asking twice was most of an idle keeper's CPU
// (issue 13).
func verdictsOf(conns []keeper.ConnStatus, now time.Time) []present.Verdict {
	vs := make([]present.Verdict, len(conns))
	for i, c := range conns {
		vs[i] = present.Connection(c, now)
	}
	return vs
}

// worst is present.Worst over verdicts already made.
func worst(vs []present.Verdict) present.Level {
	w := present.Fine
	for _, v := range vs {
		w = max(w, v.Level)
	}
	return w
}

func stateOf(conns []keeper.ConnStatus, due []remind.Reminder, verdicts []present.Verdict) State {
	st := StateOK
	if len(conns) == 0 || len(due) > 0 {
		st = StateAttention
	}
	for _, r := range due {
		if urgent(r) {
			return StateAction
		}
	}
	switch worst(verdicts) {
	case present.Action:
		return StateAction
	case present.Attention, present.Notice:
		st = StateAttention
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
// refreshed 2 hours ago": core/present's short line.
func StatusLine(c keeper.ConnStatus, now time.Time) string {
	return statusLine(c, present.Connection(c, now))
}

func statusLine(c keeper.ConnStatus, v present.Verdict) string {
	return i18n.Tf("present.line", map[string]any{"Name": nameOf(c), "Line": v.Line})
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

// The menu stays short at any number of connections (issue 13: 504 items
// at 500 connections): a person reads a menu, not a list to scroll.
const (
	// MaxStatusLines is how many connections get a status line of their
	// own; beyond it the menu counts them per level instead.
	MaxStatusLines = 8
	// MaxTodo is how many Reconnect and reminder items are shown; beyond
	// it the first MaxTodo-1 are followed by IDMore.
	MaxTodo = 8
	// MaxItems bounds len(Menu(…)): status or summary lines, a separator,
	// the to-do items, a separator and the four fixed items.
	MaxItems = MaxStatusLines + 1 + MaxTodo + 1 + 4
)

// Menu builds the menu: a disabled status line per connection (with more
// than MaxStatusLines connections, a count per level of core/present's
// verdicts instead); then "Reconnect <name>…" per connection that needs it
// and the due reminders (a lost-login reminder for a connection that
// already has a Reconnect item is left out), at most MaxTodo of them, the
// rest behind "… and N more: open Exact Keeper"; then "Refresh now"
// (disabled when it could do nothing for any connection: only a new login
// or the client secret helps), "Open Exact Keeper" and "Quit".
func Menu(conns []keeper.ConnStatus, due []remind.Reminder, now time.Time) []Item {
	return menu(conns, due, verdictsOf(conns, now))
}

func menu(conns []keeper.ConnStatus, due []remind.Reminder, verdicts []present.Verdict) []Item {
	var items []Item
	switch {
	case len(conns) == 0:
		items = append(items, Item{ID: PrefixStatus, Label: i18n.T("tray.no-connections"), Disabled: true})
	case len(conns) <= MaxStatusLines:
		for i, c := range conns {
			items = append(items, Item{ID: PrefixStatus + c.ID, Label: statusLine(c, verdicts[i]), Disabled: true})
		}
	default:
		items = append(items, summary(verdicts)...)
	}

	var todo []Item
	reconnecting := map[string]bool{}
	for i, c := range conns {
		if verdicts[i].NeedsLogin {
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
	if len(todo) > MaxTodo {
		// The dashboard lists every connection, those that need the owner
		// first, so nothing left out here is out of reach.
		rest := len(todo) - (MaxTodo - 1)
		todo = append(todo[:MaxTodo-1], Item{ID: IDMore, Label: i18n.Plural("scale.tray.more", rest, nil)})
	}
	if len(todo) > 0 {
		items = append(items, Item{ID: Separator})
		items = append(items, todo...)
	}

	return append(items,
		Item{ID: Separator},
		Item{ID: IDRefresh, Label: i18n.T("tray.refresh"), Disabled: !anyRefreshable(verdicts)},
		Item{ID: IDHelp, Label: i18n.T("ux.help")},
		Item{ID: IDOpen, Label: i18n.T("tray.open")},
		Item{ID: IDQuit, Label: i18n.T("tray.quit")},
	)
}

func anyRefreshable(vs []present.Verdict) bool {
	for _, v := range vs {
		if v.CanRefresh {
			return true
		}
	}
	return false
}

// summaryKeys words a count of connections per level, most urgent first.
var summaryKeys = []struct {
	level present.Level
	name  string // of the item ID and the catalogue key
}{
	{present.Action, "action"},
	{present.Attention, "attention"},
	{present.Notice, "notice"},
	{present.Fine, "fine"},
}

// summary is one disabled line per level that has connections, e.g. "12
// connections need a new login", "480 connections are fine".
func summary(vs []present.Verdict) []Item {
	count := map[present.Level]int{}
	for _, v := range vs {
		count[v.Level]++
	}
	var items []Item
	for _, s := range summaryKeys {
		if n := count[s.level]; n > 0 {
			items = append(items, Item{ID: PrefixSummary + s.name, Label: i18n.Plural("scale.tray.summary."+s.name, n, nil), Disabled: true})
		}
	}
	return items
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
	verdicts := verdictsOf(conns, now)
	st := stateOf(conns, due, verdicts)
	tip := Tooltip(conns, st)
	items := menu(conns, due, verdicts)

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
