// Package keeperapp is the always-on process of the desktop app: the keeper
// engine, its local endpoint, the tray icon and menu, reminders and
// notifications. It runs no Fyne window loop (design.md: 7 MB against
// 128 MB); windows live in the exactkeeper-dashboard process it starts on
// demand. It links no Fyne at all: a Fyne binary keeps some 14 MB more of
// itself resident even when its window loop never runs. One goroutine (loop) owns what the tray shows.
package keeperapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/exactkeeper/exactkeeper/assets"
	"github.com/exactkeeper/exactkeeper/core/gateway"
	"github.com/exactkeeper/exactkeeper/core/help"
	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/ipc"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/platform"
	"github.com/exactkeeper/exactkeeper/core/present"
	"github.com/exactkeeper/exactkeeper/core/remind"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
	"github.com/exactkeeper/exactkeeper/ui/notify"
	"github.com/exactkeeper/exactkeeper/ui/tray"
)

// Options wire the process; zero values mean the real thing.
type Options struct {
	Dir      string
	Vault    vault.Vault
	Clock    keeper.Clock
	Host     tray.Host
	Notifier notify.Notifier
	Logger   *slog.Logger
	Version  string
	// Tick is how often reminders and the tray's relative times are
	// re-evaluated; default 30 s.
	Tick time.Duration
	// KeeperTick is the keeper's deadline check period (default 15 s).
	KeeperTick time.Duration
	// Dashboard starts the window process with extra arguments; nil runs
	// DashboardExecutable.
	Dashboard func(args ...string) error
	// Env is added to the dashboard's environment (demo pre-fill).
	Env []string
	// Quit is called when the user chooses Quit (systray.Quit in main).
	Quit func()
	// OpenOnStart opens the dashboard at once, as does a first run without
	// connections (onboarding).
	OpenOnStart bool
	// OpenFocus is where OpenOnStart opens the dashboard (its --focus),
	// from an exactkeeper: link the keeper was started with.
	OpenFocus string
	// Browser opens the Help item's FAQ; nil is the system browser.
	Browser help.Opener
	// Autostart, when set, is switched on by default once the first
	// connection exists (platform.EnsureDefault); nil in demo mode.
	Autostart platform.Autostart

	// evaluated, set only by tests, hears the moment of each complete
	// evaluation of the tray's view.
	evaluated chan<- time.Time
}

// Run runs the keeper process until ctx ends or the user quits. When another
// keeper already runs for Dir it asks that one to show its dashboard and
// returns nil: a second start must never become a second refresher.
func Run(ctx context.Context, o Options) error {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = keeper.SystemClock{}
	}
	if o.Tick == 0 {
		o.Tick = 30 * time.Second
	}
	st, err := store.Open(o.Dir)
	if err != nil {
		return err
	}
	cfg, err := st.LoadConfig()
	if err != nil {
		return err
	}
	i18n.SetLanguage(cfg.Settings.Language)

	l, err := ipc.Listen(st.Dir)
	if errors.Is(err, ipc.ErrAlreadyRunning) {
		c, derr := ipc.Dial(st.Dir)
		if derr != nil {
			return derr
		}
		o.Logger.Info("Exact Keeper already runs; asking it to show its window")
		return c.Open(ctx, o.OpenFocus)
	}
	if err != nil {
		return err
	}
	if o.Vault == nil {
		o.Vault = vault.NewKeyring("exactkeeper", 10*time.Second)
	}
	if o.Host == nil {
		o.Host = tray.NewSystray()
	}
	if o.Notifier == nil {
		o.Notifier = notify.New(platform.AppName, assets.AppIcon())
	}
	k, err := keeper.New(keeper.Options{Store: st, Vault: o.Vault, Clock: o.Clock, Tick: o.KeeperTick, Logger: o.Logger})
	if err != nil {
		l.Close()
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a := &app{o: o, st: st, k: k, tray: tray.New(o.Host, tray.DefaultOptions()), activate: make(chan string, 4), cancel: cancel,
		failingNotified: map[string]bool{}, files: newFiles(st)}
	// The API gateway (core/gateway) runs when config.json switches it on.
	gw := gateway.ForKeeper(st, k, o.Logger)
	if gs := gw.Apply(ctx); gs.Error != "" {
		o.Logger.Warn("API gateway not started", "error", gs.Error)
	}
	defer gw.Close()
	srv := &ipc.Server{Backend: k, Version: o.Version, OnActivate: func() { a.requestDashboard("") }, OnOpen: a.requestDashboard, Gateway: gw}
	if c, ok := o.Notifier.(notify.Clickable); ok {
		// A click on a notification opens the window at what it is about.
		c.OnActivate(a.requestDashboard)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ctx, l); err != nil && ctx.Err() == nil {
			o.Logger.Error("local endpoint stopped", "err", err)
		}
	}()
	errc := make(chan error, 1)
	go func() {
		defer wg.Done()
		errc <- k.Run(ctx)
	}()
	a.loop(ctx)
	cancel()
	// The window goes with the keeper: left behind, it would show the
	// last "All well" of a keeper that no longer keeps anything.
	a.stopDashboard()
	wg.Wait()
	if err := <-errc; err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

type app struct {
	o        Options
	st       *store.Store
	k        *keeper.Keeper
	tray     *tray.Tray
	activate chan string
	cancel   context.CancelFunc
	// failingNotified remembers which runs of failures were notified; the
	// loop goroutine alone touches it.
	failingNotified map[string]bool
	// files is the last read of config.json and state.json (loop only).
	files *files
	// view is what the tray's last evaluation was made of (loop only).
	view view

	mu        sync.Mutex
	dashboard *exec.Cmd     // the running window process, if any
	dashDone  chan struct{} // closed when it exited
}

// loop owns the tray: it redraws on keeper events, on the ticker (relative
// times, reminders) and handles menu clicks.
func (a *app) loop(ctx context.Context) {
	events, unsub := a.k.Subscribe(64)
	defer unsub()
	tick, stop := a.o.Clock.NewTicker(a.o.Tick)
	defer stop()
	a.ensureAutostart()
	a.refreshView(ctx, true)
	if cfg, err := a.st.LoadConfig(); a.o.OpenOnStart || (err == nil && len(cfg.Connections) == 0) {
		a.openDashboard(a.o.OpenFocus)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			a.onEvent(ev)
			a.refreshView(ctx, true)
		case <-tick:
			a.refreshView(ctx, false)
		case id := <-a.tray.Clicked():
			a.onClick(ctx, id)
		case focus := <-a.activate:
			a.openDashboard(focus)
		}
	}
}

// refreshView redraws the tray and raises the reminders that became due.
// A tick (force false) whose inputs are those of the last evaluation, before
// the moment passing time could change its outcome, does nothing more.
func (a *app) refreshView(ctx context.Context, force bool) {
	now := a.o.Clock.Now()
	conns, err := a.k.Status(ctx)
	if err != nil {
		a.o.Logger.Warn("status", "err", err)
		return
	}
	cfg, state, err := a.files.read(now)
	if err != nil {
		a.o.Logger.Warn("config or state", "err", err)
		return
	}
	lang := i18n.Language()
	if !force && a.view.current(conns, a.files.gen, lang, now) {
		return
	}
	a.view.ok = false // until this evaluation is complete
	rules := remind.RulesFrom(cfg.Settings, time.Local)
	rconns := remind.ConnsFrom(cfg, state)
	due := remind.Due(now, rconns, cfg.Delegations, rules)
	a.tray.Update(conns, due, now)
	// remind.Check re-reads both files and takes state.json's lock: only
	// worth it when a reminder is to fire, or when the config changed (it
	// then forgets reminders of removed connections).
	if len(remind.Pending(due, state.Reminders)) > 0 || a.files.cfgChange {
		pending, err := remind.Check(a.st, now, time.Local)
		if err != nil {
			a.o.Logger.Warn("reminders", "err", err)
			return
		}
		a.files.cfgChange = false
		for _, r := range pending {
			title, body := notify.ForReminder(r)
			a.send(notify.ReminderSubject(r), title, body)
		}
	}
	a.notifyFailing(conns, now)
	var upcoming []remind.Reminder
	if len(conns) > tray.MaxStatusLines {
		upcoming = remind.Upcoming(now, rconns, cfg.Delegations, rules)
	}
	a.view = view{ok: true, conns: conns, gen: a.files.gen, lang: lang, at: now, until: horizon(conns, upcoming, now)}
	if a.o.evaluated != nil {
		select {
		case a.o.evaluated <- now:
		default:
		}
	}
}

// notifyFailing says "failing for more than a day" once per run of
// failures; the reminders already cover needs-reconnect and lapses.
func (a *app) notifyFailing(conns []keeper.ConnStatus, now time.Time) {
	for _, c := range conns {
		// ForFailing's own first condition, checked before it words a
		// verdict: most connections are not failing.
		if c.FailingSince.IsZero() || now.Sub(c.FailingSince) < notify.FailingNotifyAfter {
			continue
		}
		if title, body, ok := notify.ForFailing(c, now); ok {
			key := c.ID + "@" + c.FailingSince.String()
			if !a.failingNotified[key] {
				a.failingNotified[key] = true
				a.send(notify.ConnectionSubject(c.ID), title, body)
			}
		}
	}
}

func (a *app) onEvent(ev keeper.Event) {
	a.o.Logger.Info("keeper event", "kind", ev.Kind, "connection", ev.Connection, "status", ev.Status)
	if ev.Kind == keeper.EventConfigChanged {
		a.ensureAutostart()
	}
}

// ensureAutostart turns start-at-login on after the first connection, unless
// the user turned it off: a keeper that does not start with the PC keeps
// nothing after a reboot.
func (a *app) ensureAutostart() {
	if a.o.Autostart == nil {
		return
	}
	if _, err := platform.EnsureDefault(a.st, a.o.Autostart); err != nil {
		a.o.Logger.Warn("start at login", "err", err)
	}
}

// send shows a notification about subject (the dashboard's --focus form),
// clickable where the notifier allows.
func (a *app) send(subject, title, body string) {
	var err error
	if c, ok := a.o.Notifier.(notify.Clickable); ok {
		err = c.NotifyAbout(subject, title, body)
	} else {
		err = a.o.Notifier.Notify(title, body)
	}
	if err != nil {
		a.o.Logger.Warn("notification not shown", "err", err)
	}
}

func (a *app) onClick(ctx context.Context, id string) {
	a.o.Logger.Info("menu clicked", "item", id)
	action, arg := tray.SplitID(id)
	switch id {
	case tray.IDQuit:
		a.cancel()
		if a.o.Quit != nil {
			a.o.Quit()
		}
		return
	case tray.IDOpen, tray.IDMore:
		a.openDashboard("")
		return
	case tray.IDRefresh:
		go a.refreshAll(ctx)
		return
	case tray.IDHelp:
		if err := help.Open(a.o.Browser); err != nil {
			a.o.Logger.Warn("could not open the help page", "address", help.URL(), "error", err)
		}
		return
	}
	switch action + ":" {
	case tray.PrefixReconnect:
		a.openDashboard("reconnect:" + arg)
	case tray.PrefixReminder:
		a.openDashboard("reminder:" + arg)
	}
}

func (a *app) refreshAll(ctx context.Context) {
	conns, err := a.k.Status(ctx)
	if err != nil {
		return
	}
	now := a.o.Clock.Now()
	for _, c := range conns {
		if !present.Connection(c, now).CanRefresh {
			continue // only a new login or the client secret helps; the menu says so
		}
		if err := a.k.Refresh(ctx, c.ID); err != nil {
			a.o.Logger.Info("refresh now", "connection", c.Name, "err", err)
		}
	}
}

// requestDashboard may be called from any goroutine (the IPC server).
func (a *app) requestDashboard(focus string) {
	select {
	case a.activate <- focus:
	default:
	}
}

// openDashboard starts the window process unless it already runs.
func (a *app) openDashboard(focus string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.dashboardAlive() {
		if focus == "" {
			// The window may be closing at this very moment (a click can
			// beat the reaping of its process): look again once it ended.
			go func(done <-chan struct{}) {
				select {
				case <-done:
					a.requestDashboard("")
				case <-time.After(time.Second):
				}
			}(a.dashDone)
			return
		}
		// A subject was asked for: the simplest way to show it is a fresh
		// window on it.
		_ = a.dashboard.Process.Kill()
		<-a.dashDone
	}
	a.o.Logger.Info("opening the dashboard", "focus", focus)
	var args []string
	if focus != "" {
		args = append(args, "--focus", focus)
	}
	if a.o.Dashboard != nil {
		if err := a.o.Dashboard(args...); err != nil {
			a.o.Logger.Warn("dashboard", "err", err)
		}
		return
	}
	exe, err := DashboardExecutable()
	if err != nil {
		a.o.Logger.Warn("dashboard", "err", err)
		return
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "EXACTKEEPER_HOME="+a.st.Dir)
	cmd.Env = append(cmd.Env, a.o.Env...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		a.o.Logger.Warn("dashboard did not start", "err", err)
		return
	}
	done := make(chan struct{})
	a.dashboard, a.dashDone = cmd, done
	go func() {
		err := cmd.Wait()
		close(done)
		a.o.Logger.Info("dashboard closed", "err", fmt.Sprint(err))
	}()
}

// dashboardStopWait is how long the window gets to close itself in order
// before it is killed.
const dashboardStopWait = 5 * time.Second

// stopDashboard ends the window process this keeper started, if it runs.
func (a *app) stopDashboard() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.dashboardAlive() {
		return
	}
	if err := askToClose(a.dashboard.Process); err == nil {
		select {
		case <-a.dashDone:
			return
		case <-time.After(dashboardStopWait):
		}
	}
	_ = a.dashboard.Process.Kill()
	<-a.dashDone
}

func (a *app) dashboardAlive() bool {
	if a.dashDone == nil {
		return false
	}
	select {
	case <-a.dashDone:
		return false
	default:
		return true
	}
}
