package dashboard

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/login"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/ui/i18n"
)

// onboarding is the connect form: the App Center guide, the redirect URI to
// register, and the app's details.
type onboarding struct {
	form     OnboardingForm // kept when the owner goes back to fix something
	modes    []string
	mode     *widget.RadioGroup
	modeHelp *widget.Label
	pasteURI *widget.Entry
	redirect *widget.Label
	copy     *widget.Button
	region   *widget.Select
	regions  []string
	clientID *widget.Entry
	secret   *widget.Entry
	name     *widget.Entry
	problem  *widget.Label
	connect  *widget.Button
	back     *widget.Button
}

// showOnboarding shows the connect form; canGoBack offers a way back to
// the tabs (when adding a second connection).
func (d *Dashboard) showOnboarding(canGoBack bool) {
	f := OnboardingForm{Mode: RedirectHTTP, Region: "nl"}
	if p := d.opts.Prefill; p != nil {
		f = FormFromPrefill(*p)
	}
	d.showForm(f, canGoBack)
}

func (d *Dashboard) showForm(f OnboardingForm, canGoBack bool) {
	ob := &onboarding{form: f, modes: []string{RedirectHTTP, RedirectHTTPS, RedirectPaste}, regions: exact.Regions()}
	d.ob, d.waiting, d.done, d.tabs = ob, nil, nil, nil

	modeLabels := make([]string, len(ob.modes))
	for i, m := range ob.modes {
		modeLabels[i] = i18n.T("dash.ob.mode." + m)
	}
	ob.modeHelp = newWrapLabel("")
	ob.pasteURI = widget.NewEntry()
	ob.pasteURI.SetPlaceHolder("https://www.example.com/exact-login")
	ob.pasteURI.SetText(f.PasteURI)
	ob.redirect = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	ob.redirect.Selectable = true
	ob.copy = widget.NewButtonWithIcon(i18n.T("dash.ob.copy"), theme.ContentCopyIcon(), func() {
		d.app.Clipboard().SetContent(ob.read().RedirectURI())
		ob.copy.SetText(i18n.T("dash.ob.copied"))
	})
	ob.mode = widget.NewRadioGroup(modeLabels, nil)
	ob.mode.Required = true
	for i, m := range ob.modes {
		if m == f.Mode {
			ob.mode.SetSelected(modeLabels[i])
		}
	}

	regionLabels := make([]string, len(ob.regions))
	for i, r := range ob.regions {
		regionLabels[i] = i18n.T("dash.region." + r)
	}
	ob.region = widget.NewSelect(regionLabels, nil)
	for i, r := range ob.regions {
		if r == f.Region {
			ob.region.SetSelectedIndex(i)
		}
	}
	if f.BaseURL != "" {
		ob.region.Disable()
	}
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

	details := container.New(layout.NewFormLayout(),
		widget.NewLabel(i18n.T("dash.ob.region")), ob.region,
		widget.NewLabel(i18n.T("dash.ob.client-id")), ob.clientID,
		widget.NewLabel(i18n.T("dash.ob.client-secret")), ob.secret,
		widget.NewLabel(i18n.T("dash.ob.name")), ob.name,
	)
	body := container.NewVBox(
		heading(i18n.T("dash.ob.title")),
		newWrapLabel(i18n.T("dash.ob.intro")),
		widget.NewSeparator(),
		heading(i18n.T("dash.ob.step1")),
		newWrapLabel(i18n.T("dash.ob.step1-text")),
		widget.NewSeparator(),
		heading(i18n.T("dash.ob.step2")),
		ob.mode,
		ob.modeHelp,
		ob.pasteURI,
		newWrapLabel(i18n.T("dash.ob.register")),
		container.NewBorder(nil, nil, nil, ob.copy, ob.redirect),
		widget.NewSeparator(),
		heading(i18n.T("dash.ob.step3")),
		details,
	)
	if p := d.opts.Prefill; p != nil {
		body.Add(demoHint(p))
	}
	body.Add(ob.problem)
	body.Add(buttons)
	// Hooked up last: the handlers read every field.
	ob.mode.OnChanged = func(string) { ob.update() }
	ob.pasteURI.OnChanged = func(string) { ob.update() }
	ob.update()
	d.win.SetContent(container.NewVScroll(container.NewPadded(body)))
}

func demoHint(p *OnboardingPrefill) *widget.Label {
	l := newWrapLabel(i18n.Tf("dash.ob.demo", map[string]any{"User": p.UserName, "Password": p.Password}))
	l.Importance = widget.WarningImportance
	return l
}

// read collects the form as typed.
func (ob *onboarding) read() OnboardingForm {
	f := ob.form
	for i := range ob.modes {
		if ob.mode.Options[i] == ob.mode.Selected {
			f.Mode = ob.modes[i]
		}
	}
	f.PasteURI = ob.pasteURI.Text
	if i := ob.region.SelectedIndex(); i >= 0 {
		f.Region = ob.regions[i]
	}
	f.ClientID, f.ClientSecret, f.Name = ob.clientID.Text, ob.secret.Text, ob.name.Text
	return f
}

// update shows the help and the redirect URI for the chosen mode.
func (ob *onboarding) update() {
	f := ob.read()
	ob.modeHelp.SetText(i18n.T("dash.ob.mode-help." + f.Mode))
	if f.Mode == RedirectPaste {
		ob.pasteURI.Show()
	} else {
		ob.pasteURI.Hide()
	}
	uri := f.RedirectURI()
	if uri == "" {
		uri = "—"
	}
	ob.redirect.SetText(uri)
	ob.copy.SetText(i18n.T("dash.ob.copy"))
}

// setProblem shows why the form cannot go on, or hides the message.
func (ob *onboarding) setProblem(text string) {
	ob.problem.SetText(text)
	if text == "" {
		ob.problem.Hide()
	} else {
		ob.problem.Show()
	}
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
	d.startLogin(req, &f)
}

// reconnect runs the browser login again for an existing connection,
// keeping its settings; the backend fills them in.
func (d *Dashboard) reconnect(id string) {
	d.say("", false)
	d.startLogin(keeper.ConnectRequest{ExistingID: id}, nil)
}

// waitingView is shown while the browser login runs.
type waitingView struct {
	login     Login
	cancelled bool
	status    *widget.Label
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
	back := func(problem string) {
		if form != nil {
			d.showForm(*form, len(d.statuses) > 0)
			d.ob.setProblem(problem)
			return
		}
		d.showMain()
		d.say(problem, problem != "")
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
			back(Explain(err))
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
				back("")
			default:
				back(Explain(err))
			}
		})
	})
}

func (d *Dashboard) showWaiting(l Login, form *OnboardingForm) {
	w := &waitingView{login: l}
	d.waiting, d.ob, d.tabs = w, nil, nil
	help := "dash.wait.loopback"
	if !l.Loopback() {
		help = "dash.wait.paste"
	}
	w.status = newWrapLabel(i18n.T(help))
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
	pasteBox := container.NewVBox(newWrapLabel(i18n.T("dash.wait.paste-help")), container.NewBorder(nil, nil, nil, w.pasteUse, w.paste))
	w.pasteShow = widget.NewButton(i18n.T("dash.wait.paste-instead"), func() {
		pasteBox.Show()
		w.pasteShow.Hide()
	})
	w.pasteBox = pasteBox
	if l.Loopback() {
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
		openHelp,
		container.NewBorder(nil, nil, nil, copyURL, w.url),
	)
	if p := d.opts.Prefill; p != nil && form != nil {
		body.Add(demoHint(p))
	}
	body.Add(w.pasteShow)
	body.Add(pasteBox)
	body.Add(w.problem)
	body.Add(container.NewHBox(w.cancel))
	d.win.SetContent(container.NewVScroll(container.NewPadded(body)))
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
		return "dash.done.next-demo"
	}
	return "dash.done.next"
}
