package dashboard

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/exactkeeper/exactkeeper/core/remind"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/ui/i18n"
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
	starts, ends                         *widget.DateEntry
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

// newDateEntry is a date picker showing d (none when zero).
func newDateEntry(d store.Date) *widget.DateEntry {
	e := widget.NewDateEntry()
	if !d.IsZero() {
		t := d.In(time.UTC)
		e.SetDate(&t)
	}
	return e
}

// readDate returns the date in e, or invalid when its text is not a date.
func readDate(e *widget.DateEntry) (date store.Date, invalid bool) {
	// MinSize makes sure the renderer exists: the DateEntry installs its
	// validator (the locale's format) only then.
	e.MinSize()
	text := strings.TrimSpace(e.Text)
	switch {
	case text == "":
		return store.Date{}, false
	case e.Validator != nil && e.Validator(text) != nil, e.Date == nil:
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

func (d *Dashboard) renewDelegation(del store.Delegation) {
	ends := newDateEntry(store.DateOf(d.now()).AddDays(remind.UsualMaxDays))
	content := container.NewVBox(
		newWrapLabel(i18n.Tf("dash.del.renew-text", map[string]any{"Name": remind.DelegationName(del), "Ends": formatDate(del.Ends)})),
		container.New(layout.NewFormLayout(), widget.NewLabel(i18n.T("dash.del.new-ends")), ends),
	)
	var od *openDialog
	od = d.showDialog(i18n.T("dash.del.renew-title"), content, i18n.T("dash.del.renew"), false, func() bool {
		date, invalid := readDate(ends)
		switch {
		case invalid:
			od.problem(i18n.T("dash.del.err.ends-invalid"))
			return false
		case date.IsZero():
			od.problem(i18n.T("dash.del.err.ends-missing"))
			return false
		case !del.Starts.IsZero() && del.Starts.DaysUntil(date) < 0:
			od.problem(i18n.T("dash.del.err.ends-before"))
			return false
		}
		od.confirm.Disable()
		d.async(func(ctx context.Context) error { return d.b.RenewDelegation(ctx, del.ID, date) }, func(err error) {
			od.confirm.Enable()
			if err != nil {
				od.problem(Explain(err))
				return
			}
			od.dlg.Hide()
			del.Ends = date
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

// exportDialog asks where to save the calendar file.
func (d *Dashboard) exportDialog() {
	fd := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			d.say(Explain(err), true)
			return
		}
		if w == nil {
			return // the owner cancelled
		}
		d.exportTo(w)
	}, d.win)
	fd.SetFileName("exactkeeper-delegations.ics")
	fd.SetFilter(storage.NewExtensionFileFilter([]string{".ics"}))
	fd.Show()
}

// exportTo writes the calendar file to w and closes it.
func (d *Dashboard) exportTo(w io.WriteCloser) {
	d.async(func(ctx context.Context) error {
		err := d.b.ExportICS(ctx, w)
		return errors.Join(err, w.Close())
	}, func(err error) {
		if err != nil {
			d.say(Explain(err), true)
			return
		}
		d.say(i18n.T("dash.del.exported"), false)
	})
}
