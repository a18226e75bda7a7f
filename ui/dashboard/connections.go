package dashboard

import (
	"context"
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/present"
)

// connectionsView is the Connections tab.
type connectionsView struct {
	box    *fyne.Container
	add    *widget.Button
	search *widget.Entry // shown from searchFrom connections on (connsearch.go)
	query  string
	scroll *container.Scroll
	hint   *widget.Label // what the cards leave out, if anything
	// cards holds the cards built, by connection ID: those shown, at
	// most maxCards.
	cards map[string]*connCard
}

// connCard shows one connection.
type connCard struct {
	card      *widget.Card
	state     *widget.Label
	lines     []*widget.Label
	lapse     *widget.Label
	problem   *widget.Label
	secret    *widget.Button // enter the client secret again; hidden unless Exact refused it
	reconnect *widget.Button
	refresh   *widget.Button
	remove    *widget.Button
}

// text is everything the card shows, for tests and screen readers.
func (c *connCard) text() string {
	parts := []string{c.card.Title, c.state.Text}
	for _, l := range c.lines {
		parts = append(parts, l.Text)
	}
	parts = append(parts, c.lapse.Text, c.problem.Text)
	return strings.Join(parts, "\n")
}

func (d *Dashboard) buildConnections() fyne.CanvasObject {
	d.conns = connectionsView{box: container.NewVBox(), cards: map[string]*connCard{}, query: d.conns.query}
	d.conns.add = widget.NewButtonWithIcon(i18n.T("dash.conn.add"), theme.ContentAddIcon(), func() {
		d.showOnboarding(true)
	})
	d.conns.search = d.newConnSearch()
	d.conns.scroll = container.NewVScroll(d.conns.box)
	d.renderConnections()
	return container.NewBorder(d.conns.search, container.NewHBox(d.conns.add), nil, nil, d.conns.scroll)
}

func (d *Dashboard) renderConnections() {
	v := &d.conns
	v.box.RemoveAll()
	v.cards = map[string]*connCard{}
	if v.search != nil {
		showIf(v.search, len(d.statuses) > searchFrom)
	}
	if len(d.statuses) == 0 {
		v.box.Add(newWrapLabel(i18n.T("dash.conn.empty")))
	}
	shown, matched := d.visibleConnections()
	if hint := d.connectionsHint(len(shown), matched); hint != "" {
		v.hint = newWrapLabel(hint)
		v.hint.Importance = widget.LowImportance
		v.box.Add(v.hint)
	} else {
		v.hint = nil
	}
	for _, c := range shown {
		cc := d.connectionCard(c)
		v.cards[c.ID] = cc
		v.box.Add(cc.card)
	}
	v.box.Refresh()
}

func (d *Dashboard) connectionCard(c keeper.ConnStatus) *connCard {
	now := d.now()
	who := c.FullName
	if who == "" {
		who = c.UserName
	}
	if who == "" {
		who = i18n.T("dash.conn.unknown-user")
	}
	region := strings.ToUpper(c.Region)
	// One verdict decides the headline, the lapse line and the buttons,
	// as it does the tray's and the command line's (core/present).
	v := present.Connection(c, now)
	if d.keeperDown {
		v = present.Unkept(v)
	}
	cc := &connCard{state: newWrapLabel(v.Headline)}
	cc.state.Importance = levelImportance(v.Level)
	if v.State == present.New {
		cc.state.Importance = widget.MediumImportance // nothing to praise yet
	}
	cc.state.TextStyle.Bold = true
	line := func(key string, args map[string]any) {
		cc.lines = append(cc.lines, widget.NewLabel(i18n.Tf(key, args)))
	}
	line("dash.conn.user", map[string]any{"User": who})
	if c.Division != 0 {
		line("dash.conn.division", map[string]any{"Company": companyOf(c.Company, c.Division)})
	} else {
		line("dash.conn.division-unknown", nil)
	}
	if c.Region != "" {
		line("dash.conn.region", map[string]any{"Region": region})
	} else {
		// A custom base URL (the demo's simulator, a test host) is not a
		// region; say where it is.
		line("dash.conn.host", map[string]any{"URL": c.BaseURL})
	}
	if c.LastRefresh.IsZero() {
		line("dash.conn.last-refresh-never", nil)
	} else {
		line("dash.conn.last-refresh", map[string]any{"When": formatTime(c.LastRefresh)})
	}
	if !c.NextRefresh.IsZero() && v.CanRefresh && c.Status != keeper.StatusNeedsAttention && !d.keeperDown {
		line("dash.conn.next-refresh", map[string]any{"When": formatTime(c.NextRefresh)})
	}
	cc.lapse = widget.NewLabel(v.Lapse)
	cc.lapse.Importance = levelImportance(v.LapseLevel)
	if v.Lapse == "" {
		cc.lapse.Hide()
	}
	cc.problem = newWrapLabel("")
	switch {
	case v.State == present.Lapsed:
		cc.problem.Hide() // the headline says when and why, and what to do
	case c.Status == keeper.StatusNeedsReconnect:
		cc.problem.SetText(i18n.T("dash.conn.needs-reconnect-help"))
	case needsSecret(c):
		cc.problem.SetText(i18n.T("dash.conn.secret-help"))
	case c.Status == keeper.StatusNeedsAttention:
		cc.problem.SetText(i18n.Tf("dash.conn.attention-help", map[string]any{"Error": c.LastError}))
	case c.Status == keeper.StatusPaused:
		// LastError reads "paused until HH:MM to stay within Exact's limits".
		cc.problem.SetText(i18n.Tf("dash.conn.paused-help", map[string]any{"Error": c.LastError}))
	case c.Status == keeper.StatusFailing && c.LastError != "":
		cc.problem.SetText(i18n.Tf("dash.conn.failing-help", map[string]any{"Since": formatTime(c.FailingSince), "Error": c.LastError}))
	default:
		cc.problem.Hide()
	}
	cc.problem.Importance = widget.DangerImportance

	id, name := c.ID, c.Name
	cc.secret = widget.NewButtonWithIcon(i18n.T("dash.conn.secret"), theme.AccountIcon(), func() { d.askSecret(id, name) })
	cc.secret.Importance = widget.HighImportance
	showIf(cc.secret, needsSecret(c))
	cc.reconnect = widget.NewButtonWithIcon(i18n.T("dash.conn.reconnect"), theme.LoginIcon(), func() { d.reconnect(id) })
	if v.NeedsLogin {
		cc.reconnect.Importance = widget.HighImportance
	}
	cc.refresh = widget.NewButtonWithIcon(i18n.T("dash.conn.refresh"), theme.ViewRefreshIcon(), func() { d.refreshNow(id, name) })
	if !v.CanRefresh {
		// Only a browser login or the owner's secret helps; a refresh
		// would only spend Exact's error budget, or be refused unasked.
		cc.refresh.Disable()
	}
	cc.remove = widget.NewButtonWithIcon(i18n.T("dash.conn.remove"), theme.DeleteIcon(), func() { d.confirmRemove(id, name) })

	// Two columns keep several connections on one screen.
	details := container.NewGridWithColumns(2)
	for _, l := range cc.lines {
		details.Add(l)
	}
	body := container.NewVBox(cc.state, details, cc.lapse)
	body.Add(cc.problem)
	body.Add(container.NewHBox(cc.secret, cc.reconnect, cc.refresh, cc.remove))
	cc.card = widget.NewCard(c.Name, "", body)
	return cc
}

// needsSecret tells whether Exact refused the connection's client secret.
// The client secret is the only thing a connection can need attention for
// so far; once keeper.ConnStatus carries the store's Attention, this should
// also check that it is keeper.AttentionSecret.
func needsSecret(c keeper.ConnStatus) bool {
	return c.Status == keeper.StatusNeedsAttention && c.Attention == keeper.AttentionSecret
}

func stateText(status string) string {
	switch status {
	case keeper.StatusOK, keeper.StatusFailing, keeper.StatusNeedsReconnect, keeper.StatusNew, keeper.StatusNeedsAttention, keeper.StatusPaused:
		return i18n.T("dash.state." + status)
	}
	return i18n.T("dash.state.unknown")
}

// levelImportance colours a verdict of core/present.
func levelImportance(l present.Level) widget.Importance {
	switch l {
	case present.Action:
		return widget.DangerImportance
	case present.Attention, present.Notice:
		return widget.WarningImportance
	}
	return widget.SuccessImportance
}

// refreshNow is the card's "Refresh now". It says what happened: a
// refresh that had nothing to do says when Exact will allow one, rather
// than "was refreshed" when Exact was not called.
func (d *Dashboard) refreshNow(id, name string) {
	d.say(i18n.Tf("dash.conn.refreshing", map[string]any{"Name": name}), false)
	before := keeper.ConnStatus{ID: id, Name: name}
	for _, c := range d.statuses {
		if c.ID == id {
			before = c
		}
	}
	var after []keeper.ConnStatus
	d.async(func(ctx context.Context) error {
		if err := d.b.Refresh(ctx, id); err != nil {
			return err
		}
		var err error
		after, err = d.b.Status(ctx)
		return err
	}, func(err error) {
		if err != nil {
			d.say(Explain(err), true)
			return
		}
		d.statuses = after
		now := before
		for _, c := range after {
			if c.ID == id {
				now = c
			}
		}
		d.say(present.Refreshed(before, now, d.now()), false)
		d.refreshViews()
	})
}

// reloadStatuses asks for fresh statuses and redraws.
func (d *Dashboard) reloadStatuses() {
	d.fetchStatuses(func(err error) {
		if err == nil {
			d.refreshViews()
		}
	})
}

// fetchStatuses asks the keeper for fresh statuses off the UI goroutine,
// keeps them, and then calls then on the UI goroutine.
func (d *Dashboard) fetchStatuses(then func(error)) {
	var st []keeper.ConnStatus
	d.async(func(ctx context.Context) error {
		var err error
		st, err = d.b.Status(ctx)
		return err
	}, func(err error) {
		if err == nil {
			d.statuses = st
		}
		then(err)
	})
}

// askSecret asks for a connection's client secret again after Exact
// refused it, and has the keeper try it at once. The login is kept, so no
// browser is involved: the secret is typed here and nowhere else.
func (d *Dashboard) askSecret(id, name string) {
	region := ""
	for _, c := range d.statuses {
		if c.ID == id {
			region = c.Region
		}
	}
	entry := widget.NewPasswordEntry()
	center := exact.AppCenterURL(region)
	link := widget.NewHyperlink(strings.TrimSuffix(strings.TrimPrefix(center, "https://"), "/"), nil)
	_ = link.SetURLFromString(center)
	content := container.NewVBox(
		newWrapLabel(i18n.Tf("dash.secret.text", map[string]any{"Name": name})),
		container.NewHBox(widget.NewLabel(i18n.T("dash.ob.appcenter")), link),
		container.New(layout.NewFormLayout(), widget.NewLabel(i18n.T("dash.ob.client-secret")), entry),
	)
	var od *openDialog
	od = d.showDialog(i18n.T("dash.secret.title"), content, i18n.T("dash.secret.save"), false, func() bool {
		secret := strings.TrimSpace(entry.Text)
		if secret == "" {
			od.problem(i18n.T("dash.form.err.client-secret"))
			return false
		}
		od.errText.Hide()
		od.confirm.Disable()
		d.async(func(ctx context.Context) error { return d.b.SetClientSecret(ctx, id, secret) }, func(err error) {
			od.confirm.Enable()
			args := map[string]any{"Name": name}
			switch {
			case err == nil:
				od.dlg.Hide()
				d.say(i18n.Tf("dash.secret.ok", args), false)
				d.addActivity(d.now(), i18n.Tf("dash.activity.secret", args))
			case IsWrongSecret(err):
				entry.SetText("")
				od.problem(i18n.T("dash.secret.refused-again"))
			case errors.Is(err, ErrSecretNotTried):
				od.dlg.Hide()
				d.say(i18n.Tf("dash.secret.saved-no-keeper", args), false)
			case errors.Is(err, keeper.ErrNeedsReconnect):
				// The secret was right, but the login behind it had lapsed.
				od.dlg.Hide()
				d.say(i18n.Tf("dash.secret.saved-reconnect", args), true)
			default:
				// Saving or trying failed for another reason: entering the
				// secret again is safe, so the dialog stays.
				od.problem(Explain(err))
			}
			d.reloadStatuses()
		})
		return false
	})
	od.entry = entry
	d.win.Canvas().Focus(entry)
}

// nameOf is a connection's name, or its ID while it is unknown.
func (d *Dashboard) nameOf(id string) string {
	for _, c := range d.statuses {
		if c.ID == id {
			return c.Name
		}
	}
	return id
}

func (d *Dashboard) confirmRemove(id, name string) {
	msg := newWrapLabel(i18n.Tf("dash.conn.remove-confirm", map[string]any{"Name": name}))
	d.showDialog(i18n.T("dash.conn.remove-title"), msg, i18n.T("dash.conn.remove"), true, func() bool {
		d.async(func(ctx context.Context) error { return d.b.Remove(ctx, id) }, func(err error) {
			if err != nil {
				d.say(Explain(err), true)
				return
			}
			d.say(i18n.Tf("dash.conn.removed", map[string]any{"Name": name}), false)
			d.addActivity(d.now(), i18n.Tf("dash.activity.removed", map[string]any{"Name": name}))
			d.reloadStatuses()
		})
		return true
	})
}

// showDialog shows a dialog with Cancel and a confirm button. onConfirm
// returns false to keep the dialog open (to show a problem in it).
func (d *Dashboard) showDialog(title string, content fyne.CanvasObject, confirm string, danger bool, onConfirm func() bool) *openDialog {
	od := &openDialog{errText: newWrapLabel("")}
	od.errText.Importance = widget.DangerImportance
	od.errText.Hide()
	od.dlg = dialog.NewCustomWithoutButtons(title, container.NewVBox(content, od.errText), d.win)
	od.dismiss = widget.NewButtonWithIcon(i18n.T("dash.cancel"), theme.CancelIcon(), func() {
		od.dlg.Hide()
	})
	od.confirm = widget.NewButtonWithIcon(confirm, theme.ConfirmIcon(), func() {
		if onConfirm() {
			od.dlg.Hide()
		}
	})
	od.confirm.Importance = widget.HighImportance
	if danger {
		od.confirm.Importance = widget.DangerImportance
	}
	od.dlg.SetButtons([]fyne.CanvasObject{od.dismiss, od.confirm})
	od.dlg.SetOnClosed(func() {
		if d.dlg == od {
			d.dlg = nil
		}
	})
	d.dlg = od
	od.dlg.Resize(fyne.NewSize(520, od.dlg.MinSize().Height))
	od.dlg.Show()
	return od
}

// problem shows a problem inside the dialog and keeps it open.
func (od *openDialog) problem(text string) {
	od.errText.SetText(text)
	od.errText.Show()
}

// companyOf names a division for people: its company name with the number,
// or the number alone while the name is unknown.
func companyOf(name string, division int) string {
	if name == "" {
		return i18n.Tf("dash.company.number", map[string]any{"Division": division})
	}
	return i18n.Tf("dash.company.named", map[string]any{"Company": name, "Division": division})
}
