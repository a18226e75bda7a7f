// Package notify shows desktop notifications from the keeper process, which
// runs no Fyne window loop: over D-Bus (org.freedesktop.Notifications) on
// Linux and the BSDs, as a toast on Windows, through osascript on macOS. It
// also builds the notification texts from the i18n catalogue; each says what
// happened and what to do next.
package notify

import (
	"time"

	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/present"
	"github.com/exactkeeper/exactkeeper/core/remind"
)

// Notifier shows one notification.
type Notifier interface {
	Notify(title, body string) error
}

// Clickable is a Notifier whose notifications open what they are about:
// clicking one (its default action) calls the OnActivate handler with the
// subject given to NotifyAbout, in the form the dashboard's --focus takes
// ("connection:<id>", "reconnect:<id>", "delegation:<id>",
// "reminder:<key>"). The handler runs on a goroutine of the notifier.
//
// Every notifier of this package is Clickable; where the OS gives no way
// back (macOS's osascript, Windows toasts until the installer registers the
// app, see windows.go) a click just shows nothing more.
type Clickable interface {
	Notifier
	NotifyAbout(subject, title, body string) error
	OnActivate(func(subject string))
}

// Subjects, as the dashboard's --focus takes them.
func ConnectionSubject(id string) string { return "connection:" + id }

// ReconnectSubject opens the dashboard's new login for a connection.
func ReconnectSubject(id string) string { return "reconnect:" + id }

// ReminderSubject opens the dashboard at a reminder's subject.
func ReminderSubject(r remind.Reminder) string { return "reminder:" + r.Key }

// New returns the notifier of this OS. appName names the sender where the
// OS shows one; icon (PNG, may be nil) is shown where the OS allows.
// Nothing is contacted until the first Notify, so New never fails.
func New(appName string, icon []byte) Notifier { return newPlatform(appName, icon) }

// AppUserModelID is the ID under which Windows shows toasts. Windows drops
// toasts of an ID that no Start-menu shortcut registers; until the installer
// (a later issue) registers one, leave it empty to borrow Windows
// PowerShell's registered ID, so toasts show, attributed to PowerShell.
// Set it before New.
var AppUserModelID = ""

// FailingNotifyAfter is how long refreshes must fail before ForFailing
// speaks up: shorter outages heal themselves and are only shown in the tray.
const FailingNotifyAfter = 24 * time.Hour

// ForReminder builds the notification for a due reminder.
func ForReminder(r remind.Reminder) (title, body string) {
	args := map[string]any{
		"Name": r.SubjectName,
		"When": i18n.InDays(r.DaysLeft),
		"Date": i18n.Date(r.Deadline),
	}
	var key string
	switch {
	case r.Kind == remind.KindReconnect:
		key = "notify.reconnect"
	case r.Kind == remind.KindRefreshToken && r.Threshold == remind.ThresholdLapsed:
		key = "notify.lapsed"
	case r.Kind == remind.KindRefreshToken:
		key = "notify.lapses"
	case r.Kind == remind.KindDelegation && r.Threshold == remind.ThresholdEnded:
		key = "notify.delegation-ended"
	case r.Kind == remind.KindDelegation:
		key = "notify.delegation"
	default:
		return r.SubjectName, i18n.T("notify.other.body")
	}
	return i18n.Tf(key+".title", args), i18n.Tf(key+".body", args)
}

// ForEvent builds the notification for a keeper event that deserves one: a
// connection that needs a new login. ok is false for every other event.
// core/remind raises a reconnect reminder for the same moment; notify one of
// the two, not both.
func ForEvent(e keeper.Event) (title, body string, ok bool) {
	if e.Status != keeper.StatusNeedsReconnect ||
		(e.Kind != keeper.EventStateChanged && e.Kind != keeper.EventFailed) {
		return "", "", false
	}
	name := e.Connection
	if name == "" {
		name = e.ConnectionID
	}
	args := map[string]any{"Name": name}
	return i18n.Tf("notify.reconnect.title", args), i18n.Tf("notify.reconnect.body", args), true
}

// ForFailing builds the notification for a connection whose refreshes have
// failed for FailingNotifyAfter or longer; ok is false otherwise. An Event
// does not say since when a connection fails, so this reads the status.
func ForFailing(c keeper.ConnStatus, now time.Time) (title, body string, ok bool) {
	// core/present's verdict, not the recorded status: a connection that
	// lapsed meanwhile gets the lapse reminder instead.
	if present.Connection(c, now).State != present.Failing || c.FailingSince.IsZero() || now.Sub(c.FailingSince) < FailingNotifyAfter {
		return "", "", false
	}
	name := c.Name
	if name == "" {
		name = c.ID
	}
	args := map[string]any{"Name": name, "Duration": i18n.Duration(now.Sub(c.FailingSince))}
	return i18n.Tf("notify.failing.title", args), i18n.Tf("notify.failing.body", args), true
}
