package dashboard

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/login"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// onboarding is the connect form: the App Center guide, the redirect URI to
// register, and the app's details.
type onboarding struct {
	form      OnboardingForm // kept when the owner goes back to fix something
	modes     []string       // the choices of mode, modeAdvanced last
	mode      *widget.RadioGroup
	loopbacks []string // the choices under Advanced
	loopback  *widget.RadioGroup
	modeHelp  *widget.Label
	relayURI  *widget.Entry
	redirect  *widget.Label
	copy      *widget.Button
	region    *widget.Select
	regions   []string
	appCenter *widget.Hyperlink
	clientID  *widget.Entry
	secret    *widget.Entry
	name      *widget.Entry
	problem   *widget.Label
	connect   *widget.Button
	back      *widget.Button
}

// modeAdvanced is the choice that shows the loopback modes.
const modeAdvanced = "advanced"

// showOnboarding shows the connect form; canGoBack offers a way back to
// the tabs (when adding a second connection).
func (d *Dashboard) showOnboarding(canGoBack bool) {
	f := OnboardingForm{Mode: RedirectRelay, Region: "nl"}
	if p := d.opts.Prefill; p != nil {
		f = FormFromPrefill(*p)
	}
	d.showForm(f, canGoBack)
}

func (d *Dashboard) showForm(f OnboardingForm, canGoBack bool) {
	ob := &onboarding{form: f, modes: []string{RedirectRelay, RedirectOwnRelay, modeAdvanced},
		loopbacks: []string{RedirectHTTP, RedirectHTTPS}, regions: exact.Regions()}
	d.ob, d.waiting, d.done, d.tabs = ob, nil, nil, nil

	ob.mode = widget.NewRadioGroup(labelsOf("dash.ob.mode.", ob.modes), nil)
	ob.mode.Required = true
	ob.loopback = widget.NewRadioGroup(labelsOf("dash.ob.mode.", ob.loopbacks), nil)
	ob.loopback.Required = true
	ob.loopback.Horizontal = true
	ob.loopback.SetSelected(ob.loopback.Options[0])
	switch {
	case f.Advanced():
		ob.mode.SetSelected(ob.mode.Options[2])
		ob.loopback.SetSelected(ob.loopback.Options[slices.Index(ob.loopbacks, f.Mode)])
	case f.Mode == RedirectOwnRelay:
		ob.mode.SetSelected(ob.mode.Options[1])
	default:
		ob.mode.SetSelected(ob.mode.Options[0])
	}
	ob.modeHelp = newWrapLabel("")
	ob.relayURI = widget.NewEntry()
	ob.relayURI.SetPlaceHolder("https://www.example.com/exact-login.html")
	ob.relayURI.SetText(f.RelayURI)
	ob.redirect = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	ob.redirect.Selectable = true
	ob.redirect.Wrapping = fyne.TextWrapBreak
	ob.copy = widget.NewButtonWithIcon(i18n.T("dash.ob.copy"), theme.ContentCopyIcon(), func() {
		d.app.Clipboard().SetContent(ob.read().RedirectURI())
		ob.copy.SetText(i18n.T("dash.ob.copied"))
	})

	ob.region = widget.NewSelect(labelsOf("dash.region.", ob.regions), nil)
	if i := slices.Index(ob.regions, f.Region); i >= 0 {
		ob.region.SetSelectedIndex(i)
	}
	if f.BaseURL != "" {
		ob.region.Disable()
	}
	ob.appCenter = widget.NewHyperlink("", nil)
	ob.clientID = widget.NewEntry()
	ob.clientID.SetPlaceHolder("00000000-0000-0000-0000-000000000000")
	ob.clientID.SetText(f.ClientID)
	ob.secret = widget.NewPasswordEntry()
	ob.secret.SetText(f.ClientSecret)
	ob.name = widget.NewEntry()
	ob.name.SetPlaceHolder(i18n.T("dash.ob.name-placeholder"))
	ob.name.SetText(f.Name)
	ob.problem = newWrapLabel("")
	ob.problem.Importance = widget.DangerImportance
	ob.problem.Hide()

	ob.connect = widget.NewButtonWithIcon(i18n.T("dash.ob.connect"), theme.LoginIcon(), func() { d.submitForm() })
	ob.connect.Importance = widget.HighImportance
	buttons := container.NewHBox(layout.NewSpacer(), ob.connect)
	if canGoBack {
		ob.back = widget.NewButtonWithIcon(i18n.T("dash.back"), theme.NavigateBackIcon(), func() { d.showMain() })
		buttons = container.NewHBox(ob.back, layout.NewSpacer(), ob.connect)
	}

	// Asides in italics: the low-importance colour is hard to read in
	// the dark theme, and these are worth reading.
	hint := func(key string) *widget.Label {
		l := newWrapLabel(i18n.T(key))
		l.TextStyle.Italic = true
		return l
	}
	// The App Center is per country, so the country comes first: it picks
	// the page the link opens.
	country := container.New(layout.NewFormLayout(), widget.NewLabel(i18n.T("dash.ob.region")), ob.region)
	details := container.New(layout.NewFormLayout(),
		widget.NewLabel(i18n.T("dash.ob.client-id")), ob.clientID,
		widget.NewLabel(i18n.T("dash.ob.client-secret")), ob.secret,
		widget.NewLabel(i18n.T("dash.ob.name")), ob.name,
	)
	body := container.NewVBox(
		heading(i18n.T("dash.ob.title")),
		newWrapLabel(i18n.T("dash.ob.intro")),
		widget.NewSeparator(),
		heading(i18n.T("dash.ob.step1")),
		country,
		container.NewHBox(widget.NewLabel(i18n.T("dash.ob.appcenter")), ob.appCenter),
		newWrapLabel(i18n.T("dash.ob.step1-text")),
		newWrapLabel(i18n.T("dash.ob.scopes")),
		hint("dash.ob.scopes-hedge"),
		widget.NewSeparator(),
		heading(i18n.T("dash.ob.step2")),
		ob.mode,
		ob.loopback,
		ob.relayURI,
		newWrapLabel(i18n.T("dash.ob.register")),
		container.NewBorder(nil, nil, nil, ob.copy, ob.redirect),
		ob.modeHelp,
		widget.NewSeparator(),
		heading(i18n.T("dash.ob.step3")),
		details,
		hint("dash.ob.secret-stays"),
	)
	if p := d.opts.Prefill; p != nil {
		body.Add(demoHint(p))
	}
	// Hooked up last: the handlers read every field.
	ob.mode.OnChanged = func(string) { ob.update() }
	ob.loopback.OnChanged = func(string) { ob.update() }
	ob.relayURI.OnChanged = func(string) { ob.update() }
	ob.region.OnChanged = func(string) { ob.update() }
	ob.update()
	d.win.SetContent(scrollWithActions(body, ob.problem, buttons))
}

// labelsOf translates prefix+key for each key.
func labelsOf(prefix string, keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = i18n.T(prefix + k)
	}
	return out
}

func demoHint(p *OnboardingPrefill) *widget.Label {
	l := newWrapLabel(i18n.Tf("dash.ob.demo", map[string]any{"User": p.UserName, "Password": p.Password}))
	l.Importance = widget.WarningImportance
	return l
}

// read collects the form as typed.
func (ob *onboarding) read() OnboardingForm {
	f := ob.form
	switch i := slices.Index(ob.mode.Options, ob.mode.Selected); {
	case i < 0:
		f.Mode = ""
	case ob.modes[i] == modeAdvanced:
		f.Mode = RedirectHTTP
		if j := slices.Index(ob.loopback.Options, ob.loopback.Selected); j >= 0 {
			f.Mode = ob.loopbacks[j]
		}
	default:
		f.Mode = ob.modes[i]
	}
	f.RelayURI = ob.relayURI.Text
	if i := ob.region.SelectedIndex(); i >= 0 {
		f.Region = ob.regions[i]
	}
	f.ClientID, f.ClientSecret, f.Name = ob.clientID.Text, ob.secret.Text, ob.name.Text
	return f
}

// update shows the help, the App Center and the redirect URI for the
// chosen mode and country.
func (ob *onboarding) update() {
	f := ob.read()
	ob.modeHelp.SetText(i18n.T("dash.ob.mode-help." + f.Mode))
	showIf(ob.relayURI, f.Mode == RedirectOwnRelay)
	showIf(ob.loopback, f.Advanced())
	uri := f.RedirectURI()
	if uri == "" {
		uri = "—"
	}
	ob.redirect.SetText(uri)
	ob.copy.SetText(i18n.T("dash.ob.copy"))
	center := exact.AppCenterURL(f.Region)
	if u, err := url.Parse(center); err == nil {
		ob.appCenter.SetText(strings.TrimSuffix(strings.TrimPrefix(center, "https://"), "/"))
		ob.appCenter.SetURL(u)
	}
}

func showIf(o fyne.CanvasObject, show bool) {
	if show {
		o.Show()
	} else {
		o.Hide()
	}
}

// setProblem shows why the form cannot go on, or hides the message.
func (ob *onboarding) setProblem(text string) {
	ob.problem.SetText(text)
	showIf(ob.problem, text != "")
}

// flagSecret marks the client secret as refused by Exact and empties it,
// so the owner pastes it afresh; typing clears the mark.
func (ob *onboarding) flagSecret(c fyne.Canvas) {
	refused := errors.New(i18n.T("dash.ob.secret-refused"))
	ob.secret.SetText("")
	ob.secret.Validator = func(s string) error {
		if strings.TrimSpace(s) == "" {
			return refused
		}
		return nil
	}
	ob.secret.AlwaysShowValidationError = true
	ob.secret.SetValidationError(refused)
	c.Focus(ob.secret)
}

func (d *Dashboard) submitForm() {
	ob := d.ob
	f := ob.read()
	ob.form = f
	req, err := ValidateOnboarding(f)
	if err != nil {
		ob.setProblem(Explain(err))
		return
	}
	ob.setProblem("")
	if c, ok := NamedLike(d.statuses, req.Name); ok {
		d.askExistingName(c, req, &f)
		return
	}
	d.startLogin(req, &f)
}

// reconnect runs the browser login again for an existing connection,
// keeping its settings; the backend fills them in. Exact shows its login
// page even to a browser still logged in, so the owner may log in as a
// different Exact user (the keeper sets ForceLogin for every reconnect; it
// is asked here too, as it is what the waiting view promises).
func (d *Dashboard) reconnect(id string) {
	d.say("", false)
	d.startLogin(keeper.ConnectRequest{ExistingID: id, ForceLogin: true}, nil)
}

// waitingView is shown while the browser login runs.
type waitingView struct {
	login     Login
	cancelled bool
	status    *widget.Label
	otherUser *widget.Label // a reconnect: another Exact user may log in
	url       *widget.Entry
	pasteShow *widget.Button
	pasteBox  *fyne.Container
	paste     *widget.Entry
	pasteUse  *widget.Button
	problem   *widget.Label
	cancel    *widget.Button
}

// startLogin starts the browser login for req. form is the onboarding form
// to return to on failure; nil for a reconnect, which returns to the tabs.
func (d *Dashboard) startLogin(req keeper.ConnectRequest, form *OnboardingForm) {
	back := func(err error) {
		problem := ""
		if err != nil {
			problem = Explain(err)
		}
		if form != nil {
			d.showForm(*form, len(d.statuses) > 0)
			d.ob.setProblem(problem)
			if IsWrongSecret(err) {
				d.ob.flagSecret(d.win.Canvas())
			}
			return
		}
		d.showMain()
		d.say(problem, problem != "")
		if IsWrongSecret(err) {
			// The stored secret is what Exact refused: ask for it here
			// rather than send the owner looking for a button.
			d.askSecret(req.ExistingID, d.nameOf(req.ExistingID))
		}
	}
	var l Login
	if form != nil {
		d.ob.connect.Disable()
	}
	d.async(func(ctx context.Context) error {
		var err error
		l, err = d.b.Connect(ctx, req)
		return err
	}, func(err error) {
		if err != nil {
			back(err)
			return
		}
		d.showWaiting(l, form)
		var conn store.Connection
		w := d.waiting
		d.background(func(ctx context.Context) error {
			var err error
			conn, err = l.Wait(ctx)
			return err
		}, func(err error) {
			if d.opts.afterLogin != nil {
				defer d.opts.afterLogin()
			}
			switch {
			case err == nil:
				d.addActivity(d.now(), i18n.Tf("dash.activity.connected", map[string]any{"Name": conn.Name, "User": userOf(conn)}))
				d.reloadAfterConnect(conn)
			case w.cancelled || errors.Is(err, login.ErrCancelled):
				// Cancelled on purpose: nothing changed, nothing to explain.
				back(nil)
			default:
				back(err)
			}
		})
	})
}

func (d *Dashboard) showWaiting(l Login, form *OnboardingForm) {
	w := &waitingView{login: l}
	d.waiting, d.ob, d.tabs = w, nil, nil
	help := "dash.wait.paste"
	switch {
	case l.Relay():
		help = "dash.wait.relay"
	case l.Loopback():
		help = "dash.wait.loopback"
	}
	w.status = newWrapLabel(i18n.T(help))
	w.otherUser = newWrapLabel(i18n.T("dash.wait.reconnect-user"))
	showIf(w.otherUser, form == nil)
	w.url = widget.NewEntry()
	w.url.SetText(l.URL())
	openHelp := newWrapLabel(i18n.T("dash.wait.url"))
	if err := l.OpenError(); err != nil {
		openHelp.SetText(i18n.T("dash.wait.no-browser"))
		openHelp.Importance = widget.WarningImportance
	}
	copyURL := widget.NewButtonWithIcon(i18n.T("dash.ob.copy"), theme.ContentCopyIcon(), func() {
		d.app.Clipboard().SetContent(l.URL())
	})
	w.paste = widget.NewEntry()
	w.paste.SetPlaceHolder(i18n.T("dash.wait.paste-placeholder"))
	w.problem = newWrapLabel("")
	w.problem.Importance = widget.DangerImportance
	w.problem.Hide()
	w.pasteUse = widget.NewButton(i18n.T("dash.wait.paste-use"), func() {
		if err := l.Paste(w.paste.Text); err != nil {
			w.problem.SetText(Explain(err))
			w.problem.Show()
			return
		}
		w.problem.Hide()
	})
	pasteHelp := "dash.wait.paste-help"
	if l.Relay() {
		pasteHelp = "dash.wait.relay-paste-help"
	}
	pasteBox := container.NewVBox(newWrapLabel(i18n.T(pasteHelp)), container.NewBorder(nil, nil, nil, w.pasteUse, w.paste))
	w.pasteShow = widget.NewButton(i18n.T("dash.wait.paste-instead"), func() {
		pasteBox.Show()
		w.pasteShow.Hide()
	})
	w.pasteBox = pasteBox
	// Through a relay the pasted address is an equal way back, offered at
	// once; with a loopback listener it is the fallback, one click away.
	if l.Loopback() && !l.Relay() {
		pasteBox.Hide()
	} else {
		w.pasteShow.Hide()
	}
	w.cancel = widget.NewButtonWithIcon(i18n.T("dash.cancel"), theme.CancelIcon(), func() {
		w.cancelled = true
		w.cancel.Disable()
		l.Cancel()
	})
	body := container.NewVBox(
		heading(i18n.T("dash.wait.title")),
		widget.NewProgressBarInfinite(),
		w.status,
		w.otherUser,
		openHelp,
		container.NewBorder(nil, nil, nil, copyURL, w.url),
	)
	if p := d.opts.Prefill; p != nil && form != nil {
		body.Add(demoHint(p))
	}
	body.Add(w.pasteShow)
	body.Add(pasteBox)
	d.win.SetContent(scrollWithActions(body, w.problem, container.NewHBox(w.cancel)))
}

func userOf(c store.Connection) string {
	if c.User.FullName != "" {
		return c.User.FullName
	}
	if c.User.UserName != "" {
		return c.User.UserName
	}
	return i18n.T("dash.conn.unknown-user")
}

// doneView says who is now connected to which company.
type doneView struct {
	summary *widget.Label
	next    *widget.Button
}

func (d *Dashboard) reloadAfterConnect(conn store.Connection) {
	d.fetchStatuses(func(error) { d.showDone(conn) })
}

func (d *Dashboard) showDone(conn store.Connection) {
	v := &doneView{}
	d.done, d.waiting, d.ob, d.tabs = v, nil, nil, nil
	division := i18n.T("dash.done.division-unknown")
	if conn.Division != 0 {
		division = companyOf(conn.DivisionName, conn.Division)
	}
	v.summary = newWrapLabel(i18n.Tf("dash.done.summary", map[string]any{"User": userOf(conn), "Division": division, "Name": conn.Name}))
	v.next = widget.NewButtonWithIcon(i18n.T("dash.done.continue"), theme.NavigateNextIcon(), func() { d.showMain() })
	v.next.Importance = widget.HighImportance
	d.win.SetContent(container.NewPadded(container.NewVBox(
		heading(i18n.T("dash.done.title")),
		v.summary,
		newWrapLabel(i18n.T(doneNextKey(d.opts.Prefill != nil))),
		container.NewHBox(v.next),
	)))
}

// doneNextKey picks the closing sentence: the demo does not start at login.
func doneNextKey(demo bool) string {
	if demo {
		return "ux.demo.next"
	}
	return "dash.done.next"
}
