package keeperapp

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/help"
	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/ipc"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
	"github.com/exactkeeper/exactkeeper/ui/tray"
)

// clock is a fake keeper.Clock whose tickers only tick when told: the
// ticker of the tray's period (trayTick) ticks on ticks, others never.
type clock struct {
	mu    sync.Mutex
	now   time.Time
	ticks chan time.Time
}

// trayTick is the tray's period in these tests, unlike the keeper's.
const trayTick = 30 * time.Second

func (c *clock) Now() time.Time    { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) set(now time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = now }
func (c *clock) NewTicker(d time.Duration) (<-chan time.Time, func()) {
	if d == trayTick && c.ticks != nil {
		return c.ticks, func() {}
	}
	return make(chan time.Time), func() {}
}

// host records what the app shows in the tray.
type host struct {
	items  chan []tray.Item
	clicks chan string
}

func newHost() *host {
	return &host{items: make(chan []tray.Item, 16), clicks: make(chan string)}
}
func (h *host) SetIcon([]byte)          {}
func (h *host) SetTooltip(string)       {}
func (h *host) SetItems(it []tray.Item) { h.items <- it }
func (h *host) Clicked() <-chan string  { return h.clicks }
func (h *host) next(t *testing.T) []tray.Item {
	t.Helper()
	select {
	case it := <-h.items:
		return it
	case <-time.After(30 * time.Second):
		t.Fatal("the tray menu was not drawn")
		return nil
	}
}

type note struct{ title, body string }

// notifier records notifications.
type notifier chan note

func (n notifier) Notify(title, body string) error { n <- note{title, body}; return nil }

type harness struct {
	t       *testing.T
	dir     string
	host    *host
	notes   notifier
	opened  chan []string
	browsed chan string // addresses the Help item opened
	quit    chan struct{}
	clock   *clock
	evals   chan time.Time // the moments of the tray view's evaluations
	cancel  context.CancelFunc
	stopped chan error
}

// start runs the keeper process on dir with fakes for everything the
// desktop provides, at now.
func start(t *testing.T, dir string, now time.Time) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, dir: dir, host: newHost(), notes: make(notifier, 16), opened: make(chan []string, 16),
		browsed: make(chan string, 4), quit: make(chan struct{}), cancel: cancel, stopped: make(chan error, 1),
		clock: &clock{now: now, ticks: make(chan time.Time)}, evals: make(chan time.Time, 64)}
	o := Options{
		Dir: dir, Vault: vault.NewMemory(), Clock: h.clock, Host: h.host, Notifier: h.notes, Tick: trayTick,
		Dashboard: func(args ...string) error { h.opened <- args; return nil },
		Quit:      func() { close(h.quit) },
		Browser:   browser(h.browsed),
		evaluated: h.evals,
	}
	go func() { h.stopped <- Run(ctx, o) }()
	t.Cleanup(func() { h.stop() })
	return h
}

func (h *harness) stop() {
	h.cancel()
	select {
	case err := <-h.stopped:
		if err != nil {
			h.t.Errorf("Run: %v", err)
		}
		h.stopped <- nil
	case <-time.After(30 * time.Second):
		h.t.Error("Run did not return after cancel")
	}
}

// click sends a menu click and waits until the loop took it.
func (h *harness) click(id string) {
	h.t.Helper()
	select {
	case h.host.clicks <- id:
	case <-time.After(30 * time.Second):
		h.t.Fatalf("click %q not taken", id)
	}
}

func (h *harness) dashboard() []string {
	h.t.Helper()
	select {
	case a := <-h.opened:
		return a
	case <-time.After(30 * time.Second):
		h.t.Fatal("the dashboard was not opened")
		return nil
	}
}

func newHome(t *testing.T, now time.Time) string {
	t.Helper()
	// A short path keeps the keeper's socket under the sun_path limit.
	dir, err := os.MkdirTemp("", "ekapp")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	today := store.DateOf(now.In(time.Local))
	if err := st.UpdateConfig(func(c *store.Config) error {
		c.Delegations = []store.Delegation{{ID: "d1", Platform: "Invantive Cloud", Grantee: "Kantoor Smit",
			Starts: today.AddDays(-85), Ends: today.AddDays(5)}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestFirstRunAndReminderOnce: without connections the window opens for
// onboarding; a delegation ending in 5 days is shown in the menu and notified
// once, and not again after a restart.
func TestFirstRunAndReminderOnce(t *testing.T) {
	i18n.SetLanguage("en")
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.Local)
	dir := newHome(t, now)

	h := start(t, dir, now)
	items := h.host.next(t)
	if !hasLabel(items, "Kantoor Smit") {
		t.Errorf("menu %v does not show the delegation reminder", labels(items))
	}
	select {
	case n := <-h.notes:
		if !strings.Contains(n.title, "Kantoor Smit") || !strings.Contains(n.body, "renew") {
			t.Errorf("notification = %+v", n)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no notification for the delegation")
	}
	if args := h.dashboard(); len(args) != 0 {
		t.Errorf("first run opened the dashboard with %v, want no focus", args)
	}
	h.stop()

	h2 := start(t, dir, now.Add(time.Hour))
	h2.host.next(t)
	// The loop handles the click after its first redraw and reminder check,
	// so by the time the dashboard opens, any notification was sent.
	h2.click(tray.IDOpen)
	h2.dashboard()
	h2.dashboard() // the first-run open, then the click's
	select {
	case n := <-h2.notes:
		t.Errorf("notified again after a restart: %+v", n)
	default:
	}
}

// TestMenuClicks: Open, More and Reconnect open the window on the right subject,
// Quit ends the process.
func TestMenuClicks(t *testing.T) {
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.Local)
	h := start(t, newHome(t, now), now)
	h.host.next(t)
	h.dashboard() // first run: onboarding
	h.click(tray.PrefixReconnect + "c1")
	if got := strings.Join(h.dashboard(), " "); got != "--focus reconnect:c1" {
		t.Errorf("reconnect opened %q", got)
	}
	h.click(tray.PrefixReminder + "delegation:d1:7d")
	if got := strings.Join(h.dashboard(), " "); got != "--focus reminder:delegation:d1:7d" {
		t.Errorf("reminder opened %q", got)
	}
	// "… and N more" of a long menu opens the window on its list.
	h.click(tray.IDMore)
	if got := h.dashboard(); len(got) != 0 {
		t.Errorf("more opened %q, want the window without focus", got)
	}
	h.click(tray.IDQuit)
	select {
	case <-h.quit:
	case <-time.After(30 * time.Second):
		t.Fatal("Quit did not quit")
	}
}

// TestSecondStartActivates: a second keeper on the same home does not start;
// the first one is asked to show its window.
func TestSecondStartActivates(t *testing.T) {
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.Local)
	dir := newHome(t, now)
	h := start(t, dir, now)
	h.host.next(t)
	h.dashboard()
	second := Options{Dir: dir, Vault: vault.NewMemory(), Clock: &clock{now: now}, Host: newHost(), Notifier: make(notifier, 1)}
	if err := Run(context.Background(), second); err != nil {
		t.Fatalf("second start: %v", err)
	}
	h.dashboard()
	if c, err := ipc.Dial(dir); err != nil {
		t.Errorf("the first keeper stopped answering: %v", err)
	} else {
		c.Close()
	}
}

func hasLabel(items []tray.Item, sub string) bool {
	for _, it := range items {
		if strings.Contains(it.Label, sub) {
			return true
		}
	}
	return false
}

func labels(items []tray.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Label)
	}
	return out
}

// browser records the addresses it is asked to open.
type browser chan string

func (b browser) Open(url string) error { b <- url; return nil }

// TestHelpOpensTheFAQ: the tray's Help item opens the README's FAQ.
func TestHelpOpensTheFAQ(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	h := start(t, newHome(t, now), now)
	h.host.next(t)
	h.click(tray.IDHelp)
	select {
	case url := <-h.browsed:
		if url != help.URL() || !strings.HasSuffix(url, "#faq") {
			t.Fatalf("Help opened %q, want the FAQ %q", url, help.URL())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Help opened nothing")
	}
}
