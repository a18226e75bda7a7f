package dashboard

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/exactkeeper/exactkeeper/core/i18n"
)

// dateField is a date entry in the app's language: dd-mm-jjjj in Dutch,
// ISO in English (core/i18n), typed or picked from a calendar. Fyne's own
// DateEntry follows the system's region instead, so a Dutch owner on an
// English Windows saw 03/01/2026 next to our 01-03-2026.
type dateField struct {
	widget.Entry
	Date      *time.Time            // nil when empty or not a date
	OnChanged func(date *time.Time) // after every change of Date

	popUp *widget.PopUp
}

func newDateField() *dateField {
	f := &dateField{}
	f.ExtendBaseWidget(f)
	f.SetPlaceHolder(i18n.DateHint())
	f.Validator = func(s string) error {
		if strings.TrimSpace(s) == "" {
			return nil
		}
		_, err := i18n.ParseDate(s)
		return err
	}
	f.Entry.OnChanged = func(s string) {
		f.Date = nil
		if t, err := i18n.ParseDate(s); err == nil && strings.TrimSpace(s) != "" {
			f.Date = &t
		}
		if f.OnChanged != nil {
			f.OnChanged(f.Date)
		}
	}
	f.ActionItem = widget.NewButtonWithIcon("", theme.CalendarIcon(), f.showCalendar)
	return f
}

// SetDate shows d, in the app's format; nil empties the field.
func (f *dateField) SetDate(d *time.Time) {
	if d == nil {
		f.SetText("")
		return
	}
	f.SetText(i18n.FormatDate(*d))
}

func (f *dateField) showCalendar() {
	c := fyne.CurrentApp().Driver().CanvasForObject(f)
	if c == nil {
		return
	}
	start := time.Now()
	if f.Date != nil {
		start = *f.Date
	}
	cal := widget.NewCalendar(start, func(t time.Time) {
		f.popUp.Hide()
		f.SetDate(&t)
	})
	f.popUp = widget.NewPopUp(cal, c)
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(f)
	f.popUp.ShowAtPosition(pos.Add(fyne.NewPos(0, f.Size().Height)))
}
