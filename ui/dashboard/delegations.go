package dashboard

import (
	"context"
	"errors"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/platform"
	"github.com/exactkeeper/exactkeeper/core/remind"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// delegationsView is the Delegations tab.
type delegationsView struct {
	box    *fyne.Container
	empty  *widget.Label
	add    *widget.Button
	export *widget.Button
	rows   map[string]*delRow
	order  []string // IDs as shown, soonest end first
	focus  string   // a delegation a notification asked to show
}

// delRow shows one delegation.
type delRow struct {
	card   *widget.Card
	days   *widget.Label
	hint   *widget.Label
	edit   *widget.Button
	renew  *widget.Button
	remove *widget.Button
}

// delegationDialog is the add/edit dialog.
type delegationDialog struct {
	*openDialog
	platform, grantee, environment, note *widget.Entry
	starts, ends                         *dateField
	conn                                 *widget.Select
	connIDs                              []string
	hint                                 *widget.Label
}

func (d *Dashboard) buildDelegations() fyne.CanvasObject {
	v := &d.delView
	v.box = container.NewVBox()
	v.empty = newWrapLabel(i18n.T("dash.del.empty"))
	v.add = widget.NewButtonWithIcon(i18n.T("dash.del.add"), theme.ContentAddIcon(), func() { d.editDelegation(store.Delegation{}) })
	v.export = widget.NewButtonWithIcon(i18n.T("dash.del.export"), theme.DocumentSaveIcon(), func() { d.exportDialog() })
	d.renderDelegations()
	return container.NewBorder(nil, container.NewHBox(v.add, layout.NewSpacer(), v.export), nil, nil, container.NewVScroll(v.box))
}

func (v *delegationsView) highlight(id string) { v.focus = id; v.refreshFocus() }

func (v *delegationsView) refreshFocus() {
	for id, r := range v.rows {
		if id == v.focus {
			r.card.SetSubTitle(i18n.T("dash.del.focused"))
		}
	}
}

func (d *Dashboard) renderDelegations() {
	v := &d.delView
	v.box.RemoveAll()
	v.rows = map[string]*delRow{}
	v.order = nil
	dels := slices.Clone(d.dels)
	remind.SortByEnd(dels)
	if len(dels) == 0 {
		v.box.Add(v.empty)
		v.export.Disable()
	} else {
		v.export.Enable()
	}
	today := store.DateOf(d.now())
	for _, del := range dels {
		r := d.delegationRow(del, today)
		v.rows[del.ID] = r
		v.order = append(v.order, del.ID)
		v.box.Add(r.card)
	}
	v.refreshFocus()
	v.box.Refresh()
}

func (d *Dashboard) delegationRow(del store.Delegation, today store.Date) *delRow {
	r := &delRow{}
	var lines []fyne.CanvasObject
	if del.Environment != "" {
		lines = append(lines, widget.NewLabel(i18n.Tf("dash.del.environment", map[string]any{"Environment": del.Environment})))
	}
	lines = append(lines, widget.NewLabel(i18n.Tf("dash.del.period", map[string]any{"Starts": formatDate(del.Starts), "Ends": formatDate(del.Ends)})))
	days := today.DaysUntil(del.Ends)
	r.days = widget.NewLabel(daysText(days))
	r.days.TextStyle.Bold = true
	r.days.Importance = importanceOf(Urgency(days, 14))
	lines = append(lines, r.days)
	if name := d.connectionName(del.ConnectionID); name != "" {
		lines = append(lines, widget.NewLabel(i18n.Tf("dash.del.connection", map[string]any{"Name": name})))
	}
	if del.Note != "" {
		lines = append(lines, newWrapLabel(del.Note))
	}
	r.hint = newWrapLabel(i18n.T("dash.del.hint-90"))
	r.hint.Importance = widget.WarningImportance
	if !remind.LongerThanUsualAt(del, today) {
		r.hint.Hide()
	}
	lines = append(lines, r.hint)
	r.edit = widget.NewButtonWithIcon(i18n.T("dash.del.edit"), theme.DocumentCreateIcon(), func() { d.editDelegation(del) })
	r.renew = widget.NewButtonWithIcon(i18n.T("dash.del.renew"), theme.HistoryIcon(), func() { d.renewDelegation(del) })
	r.remove = widget.NewButtonWithIcon(i18n.T("dash.del.remove"), theme.DeleteIcon(), func() { d.removeDelegation(del) })
	lines = append(lines, container.NewHBox(r.edit, r.renew, r.remove))
	r.card = widget.NewCard(remind.DelegationName(del), "", container.NewVBox(lines...))
	return r
}

func (d *Dashboard) connectionName(id string) string {
	for _, c := range d.statuses {
		if c.ID == id && id != "" {
			return c.Name
		}
	}
	return ""
}

// newDateEntry is a date field showing d (none when zero).
func newDateEntry(d store.Date) *dateField {
	e := newDateField()
	if !d.IsZero() {
		t := d.In(time.UTC)
		e.SetDate(&t)
	}
	return e
}

// readDate returns the date in e, or invalid when its text is not a date.
func readDate(e *dateField) (date store.Date, invalid bool) {
	switch {
	case strings.TrimSpace(e.Text) == "":
		return store.Date{}, false
	case e.Date == nil:
		return store.Date{}, true
	}
	return store.DateOf(*e.Date), false
}

func (d *Dashboard) editDelegation(del store.Delegation) {
	dd := &delegationDialog{}
	dd.platform = widget.NewEntry()
	dd.platform.SetPlaceHolder("Invantive Cloud")
	dd.platform.SetText(del.Platform)
	dd.grantee = widget.NewEntry()
	dd.grantee.SetPlaceHolder(i18n.T("dash.del.grantee-placeholder"))
	dd.grantee.SetText(del.Grantee)
	dd.environment = widget.NewEntry()
	dd.environment.SetText(del.Environment)
	starts := del.Starts
	if del.ID == "" {
		starts = store.DateOf(d.now())
	}
	dd.starts = newDateEntry(starts)
	dd.ends = newDateEntry(del.Ends)
	dd.note = widget.NewMultiLineEntry()
	dd.note.SetText(del.Note)
	dd.note.SetMinRowsVisible(2)
	names := []string{i18n.T("dash.del.no-connection")}
	dd.connIDs = []string{""}
	for _, c := range d.statuses {
		names = append(names, c.Name)
		dd.connIDs = append(dd.connIDs, c.ID)
	}
	dd.conn = widget.NewSelect(names, nil)
	dd.conn.SetSelectedIndex(max(0, slices.Index(dd.connIDs, del.ConnectionID)))
	dd.hint = newWrapLabel(i18n.T("dash.del.hint-90"))
	dd.hint.Importance = widget.WarningImportance
	dd.hint.Hide()
	dd.starts.OnChanged = func(*time.Time) { dd.updateHint(d.now()) }
	dd.ends.OnChanged = func(*time.Time) { dd.updateHint(d.now()) }
	dd.updateHint(d.now())

	form := container.New(layout.NewFormLayout(),
		widget.NewLabel(i18n.T("dash.del.platform")), dd.platform,
		widget.NewLabel(i18n.T("dash.del.grantee")), dd.grantee,
		widget.NewLabel(i18n.T("dash.del.environment-label")), dd.environment,
		widget.NewLabel(i18n.T("dash.del.starts")), dd.starts,
		widget.NewLabel(i18n.T("dash.del.ends")), dd.ends,
		widget.NewLabel(i18n.T("dash.del.connection-label")), dd.conn,
		widget.NewLabel(i18n.T("dash.del.note")), dd.note,
	)
	title := i18n.T("dash.del.add-title")
	if del.ID != "" {
		title = i18n.T("dash.del.edit-title")
	}
	content := container.NewVBox(newWrapLabel(i18n.T("dash.del.explain")), form, dd.hint)
	dd.openDialog = d.showDialog(title, content, i18n.T("dash.save"), false, func() bool {
		rec, err := dd.read(del.ID).Delegation()
		if err != nil {
			dd.problem(Explain(err))
			return false
		}
		dd.updateHint(d.now())
		d.saveDelegation(dd, rec)
		return false // closed once saved, so a failure can be shown in it
	})
}

// read collects the dialog's fields.
func (dd *delegationDialog) read(id string) DelegationForm {
	f := DelegationForm{ID: id, Platform: dd.platform.Text, Grantee: dd.grantee.Text,
		Environment: dd.environment.Text, Note: dd.note.Text}
	f.Starts, f.StartsInvalid = readDate(dd.starts)
	f.Ends, f.EndsInvalid = readDate(dd.ends)
	if i := dd.conn.SelectedIndex(); i > 0 {
		f.ConnectionID = dd.connIDs[i]
	}
	return f
}

// updateHint shows the 90-day hint while the dates span more than the
// usual maximum; it is advice, not an error.
func (dd *delegationDialog) updateHint(now time.Time) {
	f := dd.read("")
	if !f.Ends.IsZero() && remind.LongerThanUsualAt(store.Delegation{Starts: f.Starts, Ends: f.Ends}, store.DateOf(now)) {
		dd.hint.Show()
	} else {
		dd.hint.Hide()
	}
}

func (d *Dashboard) saveDelegation(dd *delegationDialog, rec store.Delegation) {
	dd.confirm.Disable()
	var saved store.Delegation
	d.async(func(ctx context.Context) error {
		var err error
		saved, err = d.b.SaveDelegation(ctx, rec)
		return err
	}, func(err error) {
		dd.confirm.Enable()
		if err != nil {
			dd.problem(Explain(err))
			return
		}
		dd.dlg.Hide()
		d.upsertDelegation(saved)
		d.addActivity(d.now(), i18n.Tf("dash.activity.del-saved", map[string]any{"Name": remind.DelegationName(saved)}))
	})
}

func (d *Dashboard) upsertDelegation(del store.Delegation) {
	if i := slices.IndexFunc(d.dels, func(x store.Delegation) bool { return x.ID == del.ID }); i >= 0 {
		d.dels[i] = del
	} else {
		d.dels = append(d.dels, del)
	}
	d.renderDelegations()
}

// renewDelegation records a renewal on the platform. A renewal is a new
// grant: a new period from today (or the day the owner picks) that by
// default ends the usual 90 days later, so its own default never trips the
// "longer than usual" hint.
func (d *Dashboard) renewDelegation(del store.Delegation) {
	today := store.DateOf(d.now())
	starts := newDateEntry(today)
	ends := newDateEntry(today.AddDays(remind.UsualMaxDays))
	// The end follows the start until the owner picks an end of their own.
	endTouched, following := false, false
	starts.OnChanged = func(t *time.Time) {
		if t == nil || endTouched {
			return
		}
		following = true
		end := store.DateOf(*t).AddDays(remind.UsualMaxDays).In(time.UTC)
		ends.SetDate(&end)
		following = false
	}
	ends.OnChanged = func(*time.Time) {
		if !following {
			endTouched = true
		}
	}
	key := "ux.renew.text-ends"
	if today.DaysUntil(del.Ends) < 0 {
		key = "ux.renew.text-ended"
	}
	content := container.NewVBox(
		newWrapLabel(i18n.Tf(key, map[string]any{"Name": remind.DelegationName(del), "Ends": formatDate(del.Ends), "Days": remind.UsualMaxDays})),
		container.New(layout.NewFormLayout(),
			widget.NewLabel(i18n.T("ux.renew.starts")), starts,
			widget.NewLabel(i18n.T("dash.del.new-ends")), ends),
	)
	var od *openDialog
	od = d.showDialog(i18n.T("dash.del.renew-title"), content, i18n.T("dash.del.renew"), false, func() bool {
		start, startBad := readDate(starts)
		date, invalid := readDate(ends)
		switch {
		case startBad || start.IsZero():
			od.problem(i18n.T("dash.del.err.starts"))
			return false
		case invalid:
			od.problem(i18n.T("dash.del.err.ends-invalid"))
			return false
		case date.IsZero():
			od.problem(i18n.T("dash.del.err.ends-missing"))
			return false
		case start.DaysUntil(date) < 0:
			od.problem(i18n.T("dash.del.err.ends-before"))
			return false
		}
		od.confirm.Disable()
		d.async(func(ctx context.Context) error { return d.b.RenewDelegation(ctx, del.ID, start, date) }, func(err error) {
			od.confirm.Enable()
			if err != nil {
				od.problem(Explain(err))
				return
			}
			od.dlg.Hide()
			del.Starts, del.Ends = start, date
			d.upsertDelegation(del)
			d.addActivity(d.now(), i18n.Tf("dash.activity.del-renewed", map[string]any{"Name": remind.DelegationName(del), "Ends": formatDate(date)}))
		})
		return false
	})
}

func (d *Dashboard) removeDelegation(del store.Delegation) {
	msg := newWrapLabel(i18n.Tf("dash.del.remove-confirm", map[string]any{"Name": remind.DelegationName(del)}))
	d.showDialog(i18n.T("dash.del.remove-title"), msg, i18n.T("dash.del.remove"), true, func() bool {
		d.async(func(ctx context.Context) error { return d.b.RemoveDelegation(ctx, del.ID) }, func(err error) {
			if err != nil {
				d.say(Explain(err), true)
				return
			}
			d.dels = slices.DeleteFunc(d.dels, func(x store.Delegation) bool { return x.ID == del.ID })
			d.renderDelegations()
			d.addActivity(d.now(), i18n.Tf("dash.activity.del-removed", map[string]any{"Name": remind.DelegationName(del)}))
		})
		return true
	})
}

// exportDialog saves the calendar file in the Downloads folder and offers
// to open it in the calendar app. It asks no "where": Fyne's file dialog
// shows folder names it does not translate ("Home"), and an owner wants the
// dates in the calendar, not a file in a chosen place.
func (d *Dashboard) exportDialog() {
	dir := d.opts.exportDir
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = platform.DownloadsDir(home, os.Getenv)
	}
	path := filepath.Join(dir, i18n.T("files.calendar-name"))
	f, err := os.Create(path)
	if err != nil {
		d.say(i18n.Tf("files.export-failed", map[string]any{"Path": path}), true)
		return
	}
	d.exportTo(f, path)
}

// exportedDialog says where the calendar file is and opens it on request.
func (d *Dashboard) exportedDialog(path string) {
	msg := newWrapLabel(i18n.Tf("files.exported", map[string]any{"Path": path}))
	od := d.showDialog(i18n.T("files.exported-title"), msg, i18n.T("files.open-calendar"), false, func() bool {
		open := d.app.OpenURL
		if d.opts.openURL != nil {
			open = d.opts.openURL
		}
		u, err := url.Parse(storage.NewFileURI(path).String())
		if err == nil {
			err = open(u)
		}
		if err != nil {
			d.say(i18n.Tf("files.open-failed", map[string]any{"Path": path}), true)
		}
		return true
	})
	od.dismiss.SetText(i18n.T("files.close"))
}

// exportTo writes the calendar file to w (saved as path) and closes it.
func (d *Dashboard) exportTo(w io.WriteCloser, path string) {
	d.async(func(ctx context.Context) error {
		err := d.b.ExportICS(ctx, w)
		return errors.Join(err, w.Close())
	}, func(err error) {
		if err != nil {
			d.say(Explain(err), true)
			return
		}
		d.say(i18n.T("dash.del.exported"), false)
		d.exportedDialog(path)
	})
}
