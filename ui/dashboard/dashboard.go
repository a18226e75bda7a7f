// Package dashboard is the window process of Exact Keeper (`exactkeeper
// dashboard`): onboarding, connections, delegations, settings and activity,
// drawn with Fyne. It talks to the running keeper only through a Backend, so
// it can crash or be closed without touching a refresh chain, and it decides
// nothing about keeping: it shows what core/ decides.
package dashboard

import (
	"context"
	"io/fs"
	"net/url"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/exactkeeper/exactkeeper/assets"
	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// Options configure a Dashboard.
type Options struct {
	// Prefill fills the onboarding form (demo mode).
	Prefill *OnboardingPrefill
	// Focus opens the dashboard on a subject: "connection:<id>",
	// "reconnect:<id>", "delegation:<id>" or a tray "reminder:<key>".
	Focus string
	// Now is the clock; nil is time.Now.
	Now func() time.Time

	// afterEvent is called on the UI goroutine once a keeper event has been
	// shown; tests use it to wait for the event stream without sleeping.
	afterEvent func(keeper.Event)
	// afterKeeper is called on the UI goroutine once the window shows that
	// the keeper went away (false: is back), statuses reloaded (tests).
	afterKeeper func(up bool)
	// afterLogin is called on the UI goroutine once a browser login ended
	// and its outcome is shown (tests).
	afterLogin func()
	// eventRetry is the wait before listening to the keeper again after
	// the stream ended; zero is 5 s.
	eventRetry time.Duration
	// openURL opens an address in the browser; nil is the app's OpenURL
	// (tests record it).
	openURL func(*url.URL) error
	// exportDir is where the calendar export goes; "" is the Downloads
	// folder (tests use a temporary one).
	exportDir string
}

// Tabs of the main window, in order.
const (
	tabConnections = iota
	tabDelegations
	tabSettings
	tabActivity
)

// maxActivity bounds the Activity tab; older lines are dropped.
const maxActivity = 200

// Dashboard is the main window and everything shown in it. Its fields are
// touched on the UI goroutine only; background work hands results back
// through fyne.Do.
type Dashboard struct {
	uiMu   sync.Mutex // see onUI
	app    fyne.App
	win    fyne.Window
	b      Backend
	opts   Options
	now    func() time.Time
	ctx    context.Context
	cancel context.CancelFunc

	// tasks counts background calls whose results are still to be shown;
	// logins counts browser logins still waiting.
	tasks, logins sync.WaitGroup

	statuses   []keeper.ConnStatus
	dels       []store.Delegation
	settings   store.Settings
	activity   []activityLine
	keeperDown bool
	loaded     bool

	tabs   *container.AppTabs
	banner *widget.Label // the keeper is not running
	// startKeeper is the banner's "Start Exact Keeper", shown while the
	// keeper is down and the backend can start one (KeeperStarter).
	startKeeper *widget.Button
	// wake makes followEvents listen again at once (after starting the
	// keeper) instead of after eventRetry.
	wake   chan struct{}
	notice *widget.Label // the outcome of the last action

	conns    connectionsView
	delView  delegationsView
	setView  settingsView
	gwView   gatewayView // gateway.go
	actView  activityView
	ob       *onboarding
	waiting  *waitingView
	done     *doneView
	dlg      *openDialog // the dialog on screen, if any
	help     *widget.Button
	focusSet bool
}

type activityLine struct {
	at     time.Time
	text   string
	keeper bool // a keeper event, which the lasting log also has
}

var (
	registerFyneLang sync.Once
	// systemLocale is asked once: Fyne logs every time it cannot parse
	// the OS locale (LANG=C).
	systemLocale = sync.OnceValue(lang.SystemLocale)
)

// New builds the dashboard window on a and starts loading from b. Show it
// with Window().ShowAndRun(); closing it ends the app.
func New(a fyne.App, b Backend, opts Options) *Dashboard {
	registerFyneLang.Do(func() {
		// Fyne's own strings (OK, Cancel, the entry menu, the file dialog)
		// come from the same files as ours.
		_ = lang.AddTranslationsFS(assets.FS, "translations/dashboard")
	})
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.eventRetry <= 0 {
		opts.eventRetry = 5 * time.Second
	}
	d := &Dashboard{app: a, b: b, opts: opts, now: opts.Now}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	setLanguage("")
	d.win = a.NewWindow(i18n.T("dash.title"))
	d.win.Resize(DefaultWindowSize)
	d.win.SetMaster()
	d.win.SetOnClosed(d.cancel)
	d.banner = newWrapLabel("")
	d.banner.Importance = widget.DangerImportance
	d.banner.Hide()
	d.wake = make(chan struct{}, 1)
	d.startKeeper = widget.NewButtonWithIcon(i18n.T("present.start-keeper"), theme.MediaPlayIcon(), d.onStartKeeper)
	d.startKeeper.Importance = widget.HighImportance
	d.startKeeper.Hide()
	d.notice = newWrapLabel("")
	d.notice.Hide()
	d.win.SetContent(widget.NewLabel(i18n.T("dash.loading")))
	d.load()
	return d
}

// Window is the dashboard's window.
func (d *Dashboard) Window() fyne.Window { return d.win }

// setLanguage switches our catalogue and Fyne's to tag ("" follows the OS).
// Fyne picks its language from the OS only, so the chosen catalogue is also
// registered under the OS locale, which then wins Fyne's match.
func setLanguage(tag string) {
	i18n.SetLanguage(tag)
	data, err := fs.ReadFile(assets.FS, "translations/dashboard/"+i18n.Language()+".json")
	if err == nil {
		_ = lang.AddTranslationsForLocale(data, systemLocale())
	}
}

// async runs work off the UI goroutine and then shows its result with then
// on the UI goroutine.
func (d *Dashboard) async(work func(ctx context.Context) error, then func(err error)) {
	d.tasks.Add(1)
	go func() {
		defer d.tasks.Done()
		err := work(d.ctx)
		if d.ctx.Err() != nil {
			return // the window is closed: nothing to show
		}
		d.onUI(func() { then(err) })
	}()
}

// onUI runs f on the UI goroutine and waits for it. The lock matters only
// under Fyne's test driver, which runs f on the calling goroutine: there it
// keeps the views changed by one goroutine at a time, as the real driver's
// main goroutine does (two at once crashed in Fyne's text cache).
func (d *Dashboard) onUI(f func()) {
	fyne.DoAndWait(func() {
		d.uiMu.Lock()
		defer d.uiMu.Unlock()
		f()
	})
}

// background is async for work that waits on the owner (a browser login):
// it is not counted in tasks, so a test can wait for the short calls while
// a login is still open.
func (d *Dashboard) background(work func(ctx context.Context) error, then func(err error)) {
	d.logins.Add(1)
	go func() {
		defer d.logins.Done()
		err := work(d.ctx)
		if d.ctx.Err() != nil {
			return
		}
		d.onUI(func() { then(err) })
	}()
}

// load reads everything the window shows, then builds it.
func (d *Dashboard) load() {
	var (
		st   []keeper.ConnStatus
		dels []store.Delegation
		set  store.Settings
	)
	var setErr, delErr error
	d.async(func(ctx context.Context) error {
		set, setErr = d.b.Settings(ctx)
		dels, delErr = d.b.Delegations(ctx)
		var err error
		st, err = d.b.Status(ctx)
		return err
	}, func(err error) {
		d.settings = set
		setLanguage(set.Language)
		d.win.SetTitle(i18n.T("dash.title"))
		d.statuses, d.dels, d.loaded = st, dels, true
		// A file that cannot be read must not look like an empty one: say
		// so rather than offering onboarding over existing connections.
		for _, e := range []error{err, setErr, delErr} {
			if e != nil {
				d.win.SetContent(container.NewPadded(newWrapLabel(i18n.Tf("dash.load-failed", map[string]any{"Reason": Explain(e)}))))
				return
			}
		}
		if len(st) == 0 {
			d.showOnboarding(false)
		} else {
			d.showMain()
		}
		go d.followEvents()
	})
}

// followEvents keeps the views in step with the keeper until the window
// closes, listening again whenever the keeper restarts.
func (d *Dashboard) followEvents() {
	down := false // as the window starts; only changes are drawn
	setDown := func(v bool) {
		if v != down {
			down = v
			d.onUI(func() {
				d.setKeeperDown(v)
				// What a keeper that went away last said is stale; show
				// what the files say now (and, once back, the keeper's).
				d.fetchStatuses(func(err error) {
					if err == nil {
						d.refreshViews()
					}
					if d.opts.afterKeeper != nil {
						d.opts.afterKeeper(!v)
					}
				})
			})
		}
	}
	for d.ctx.Err() == nil {
		ch, err := d.b.Events(d.ctx)
		if err == nil {
			setDown(false)
			for ev := range ch {
				st, serr := d.b.Status(d.ctx)
				var dels []store.Delegation
				var derr error
				if ev.Kind == keeper.EventConfigChanged {
					dels, derr = d.b.Delegations(d.ctx)
				}
				d.onUI(func() {
					d.addKeeperActivity(ev)
					if serr == nil {
						d.statuses = st
					}
					if ev.Kind == keeper.EventConfigChanged && derr == nil {
						d.dels = dels
					}
					d.refreshViews()
					if d.opts.afterEvent != nil {
						d.opts.afterEvent(ev)
					}
				})
			}
		}
		if d.ctx.Err() != nil {
			return
		}
		setDown(true)
		t := time.NewTimer(d.opts.eventRetry)
		select {
		case <-d.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-d.wake:
			t.Stop()
		}
	}
}

func (d *Dashboard) setKeeperDown(down bool) {
	d.keeperDown = down
	_, startable := d.b.(KeeperStarter)
	if startable {
		d.banner.SetText(i18n.T("present.keeper-gone"))
		d.startKeeper.SetText(i18n.T("present.start-keeper"))
	} else {
		d.banner.SetText(i18n.T("dash.banner.no-keeper"))
	}
	if down {
		d.banner.Show()
		showIf(d.startKeeper, startable)
		d.startKeeper.Enable()
	} else {
		d.banner.Hide()
		d.startKeeper.Hide()
	}
}

// KeeperStarter is a Backend that can start the keeper process (the real
// one runs exactkeeper); the banner then offers "Start Exact Keeper".
type KeeperStarter interface {
	StartKeeper(ctx context.Context) error
}

// onStartKeeper is the banner's "Start Exact Keeper": it starts the
// keeper and has the event stream dial it at once; the banner goes when
// the keeper answers.
func (d *Dashboard) onStartKeeper() {
	ks, ok := d.b.(KeeperStarter)
	if !ok {
		return
	}
	d.startKeeper.Disable()
	d.say(i18n.T("present.starting-keeper"), false)
	d.async(ks.StartKeeper, func(err error) {
		if err != nil {
			d.startKeeper.Enable()
			d.say(i18n.Tf("present.start-failed", map[string]any{"Reason": Explain(err)}), true)
			return
		}
		d.say("", false)
		select {
		case d.wake <- struct{}{}:
		default:
		}
	})
}

// refreshViews redraws the views that show loaded data, if they exist.
func (d *Dashboard) refreshViews() {
	if d.tabs == nil {
		return
	}
	d.renderConnections()
	d.renderDelegations()
	d.renderActivity()
}

// showMain shows the tabs, rebuilt in the current language.
func (d *Dashboard) showMain() {
	selected := tabConnections
	if d.tabs != nil {
		selected = d.tabs.SelectedIndex()
	}
	d.ob, d.waiting, d.done = nil, nil, nil
	d.tabs = container.NewAppTabs(
		container.NewTabItem(i18n.T("dash.tab.connections"), d.buildConnections()),
		container.NewTabItem(i18n.T("dash.tab.delegations"), d.buildDelegations()),
		container.NewTabItem(i18n.T("dash.tab.settings"), d.buildSettings()),
		container.NewTabItem(i18n.T("dash.tab.activity"), d.buildActivity()),
	)
	d.setKeeperDown(d.keeperDown)
	about := widget.NewLabel(i18n.Tf("dash.about", map[string]any{"Version": d.b.Version()}))
	about.Importance = widget.LowImportance
	top := container.NewVBox(d.banner, container.NewHBox(d.startKeeper), d.notice)
	d.help = d.newHelpButton()
	bottom := container.NewBorder(nil, nil, nil, d.help, about)
	d.win.SetContent(container.NewBorder(top, bottom, nil, nil, d.tabs))
	d.tabs.SelectIndex(selected)
	if !d.focusSet {
		d.focusSet = true
		d.applyFocus(ParseFocus(d.opts.Focus))
	}
}

func (d *Dashboard) applyFocus(f Focus) {
	switch f.Tab {
	case "delegations":
		d.tabs.SelectIndex(tabDelegations)
		d.delView.highlight(f.SubjectID)
	case "connections":
		d.tabs.SelectIndex(tabConnections)
		if f.Reconnect && d.hasConnection(f.SubjectID) {
			d.reconnect(f.SubjectID)
		}
	}
}

func (d *Dashboard) hasConnection(id string) bool {
	for _, c := range d.statuses {
		if c.ID == id {
			return true
		}
	}
	return false
}

// say shows the outcome of an action above the tabs; an empty text hides it.
func (d *Dashboard) say(text string, bad bool) {
	d.notice.SetText(text)
	d.notice.Importance = widget.SuccessImportance
	if bad {
		d.notice.Importance = widget.DangerImportance
	}
	if text == "" {
		d.notice.Hide()
	} else {
		d.notice.Show()
	}
	d.notice.Refresh()
}

func (d *Dashboard) addActivity(at time.Time, text string) {
	if at.IsZero() {
		at = d.now()
	}
	d.activity = append([]activityLine{{at: at, text: text}}, d.activity...)
	if len(d.activity) > maxActivity {
		d.activity = d.activity[:maxActivity]
	}
	if d.tabs != nil {
		d.renderActivity()
	}
}

// addKeeperActivity shows a keeper event: from the lasting log when the
// backend has one (read again now), else as the event's own line.
func (d *Dashboard) addKeeperActivity(ev keeper.Event) {
	at := ev.Time
	if at.IsZero() {
		at = d.now()
	}
	d.activity = append([]activityLine{{at: at, text: eventText(ev), keeper: true}}, d.activity...)
	if len(d.activity) > maxActivity {
		d.activity = d.activity[:maxActivity]
	}
	if d.tabs != nil {
		d.loadActivity()
		d.renderActivity()
	}
}

// eventText is one activity line for a keeper event. The keeper's messages
// are plain sentences without secrets; only failures need theirs.
func eventText(ev keeper.Event) string {
	args := map[string]any{"Name": ev.Connection, "State": stateText(ev.Status), "Message": ev.Message}
	switch ev.Kind {
	case keeper.EventRefreshed:
		return i18n.Tf("dash.activity.refreshed", args)
	case keeper.EventFailed:
		return i18n.Tf("dash.activity.failed", args)
	case keeper.EventStateChanged:
		return i18n.Tf("dash.activity.state", args)
	case keeper.EventConfigChanged:
		return i18n.T("dash.activity.config")
	}
	return i18n.Tf("dash.activity.other", args)
}

// newWrapLabel is a label that wraps, for sentences.
func newWrapLabel(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

func heading(text string) *widget.Label {
	return widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// formatTime shows a moment in the user's zone and language.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return i18n.T("dash.never")
	}
	return t.Local().Format(i18n.T("dash.format.datetime"))
}

func formatDate(d store.Date) string {
	if d.IsZero() {
		return "—"
	}
	return i18n.FormatDate(d.In(time.Local))
}

// daysText is "3 days left", "today" or "2 days ago".
func daysText(n int) string {
	switch {
	case n < 0:
		return i18n.Plural("dash.days-ago", -n, nil)
	case n == 0:
		return i18n.T("dash.days.today")
	}
	return i18n.Plural("dash.days-left", n, nil)
}

func importanceOf(urgency int) widget.Importance {
	switch urgency {
	case 2:
		return widget.DangerImportance
	case 1:
		return widget.WarningImportance
	}
	return widget.SuccessImportance
}

// openDialog is the dialog on screen with its buttons, so a test can press
// them the way a user would.
type openDialog struct {
	dlg     *dialog.CustomDialog
	confirm *widget.Button
	dismiss *widget.Button
	errText *widget.Label
	entry   *widget.Entry // the entry a test types into, in dialogs that have one
}
