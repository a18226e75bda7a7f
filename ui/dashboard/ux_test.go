package dashboard

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/exactkeeper/exactkeeper/core/eventlog"
	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// dialogText is every label of the dialog on top of w.
func dialogText(w fyne.Window) string {
	var parts []string
	for _, o := range test.LaidOutObjects(w.Canvas().Overlays().Top()) {
		if l, ok := o.(*widget.Label); ok {
			parts = append(parts, l.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// "Mark as renewed" starts a new period today, 90 days long, so its own
// default never trips the 90-day hint; the dialog says "ends on" for a
// future end and "ended on" only for a past one.
func TestRenewStartsANewNinetyDayPeriod(t *testing.T) {
	for _, lang := range []string{"en", "nl"} {
		t.Run(lang, func(t *testing.T) {
			f := newFake()
			f.settings.Language = lang
			f.statuses = connFixture()
			today := store.DateOf(fixedNow)
			f.dels = []store.Delegation{
				{ID: "soon", Platform: "Invantive Cloud", Grantee: "Jansen", Starts: today.AddDays(-80), Ends: today.AddDays(5)},
				{ID: "over", Platform: "Invantive Cloud", Grantee: "Smit", Starts: today.AddDays(-100), Ends: today.AddDays(-10)},
			}
			h := start(t, f, Options{})
			v := &h.d.delView
			test.Tap(v.rows["soon"].renew)
			text := dialogText(h.d.win)
			wantFuture := map[string]string{"en": "The current period ends on", "nl": "De huidige periode loopt af op"}[lang]
			if !strings.Contains(text, wantFuture) || strings.Contains(text, map[string]string{"en": "ended", "nl": "afgelopen"}[lang]) {
				t.Errorf("dialog for a future end says:\n%s", text)
			}
			test.Tap(h.d.dlg.confirm)
			h.settle()
			if f.renewedFrom["soon"] != today || f.renewed["soon"] != today.AddDays(90) {
				t.Fatalf("renewed as %v – %v, want %v – %v", f.renewedFrom["soon"], f.renewed["soon"], today, today.AddDays(90))
			}
			if r := v.rows["soon"]; r.hint.Visible() {
				t.Error("the default renewal shows the longer-than-90-days hint")
			}

			test.Tap(v.rows["over"].renew)
			if text := dialogText(h.d.win); !strings.Contains(text, map[string]string{"en": "The previous period ended on", "nl": "De vorige periode is afgelopen op"}[lang]) {
				t.Errorf("dialog for a past end says:\n%s", text)
			}
			h.d.dlg.dlg.Hide()
		})
	}
}

// A new start moves the default end with it.
func TestRenewEndFollowsTheStart(t *testing.T) {
	f := newFake()
	f.statuses = connFixture()
	today := store.DateOf(fixedNow)
	f.dels = []store.Delegation{{ID: "d", Platform: "P", Grantee: "G", Ends: today.AddDays(3)}}
	h := start(t, f, Options{})
	test.Tap(h.d.delView.rows["d"].renew)
	var entries []*dateField
	for _, o := range test.LaidOutObjects(h.d.win.Canvas().Overlays().Top()) {
		if e, ok := o.(*dateField); ok {
			entries = append(entries, e)
		}
	}
	if len(entries) != 2 {
		t.Fatalf("%d date entries, want start and end", len(entries))
	}
	later := today.AddDays(7).In(time.UTC)
	entries[0].SetDate(&later)
	test.Tap(h.d.dlg.confirm)
	h.settle()
	if f.renewedFrom["d"] != today.AddDays(7) || f.renewed["d"] != today.AddDays(97) {
		t.Fatalf("renewed as %v – %v", f.renewedFrom["d"], f.renewed["d"])
	}
}

// "Add connection" under a name in use asks; it never replaces silently.
func TestAddConnectionUnderAnExistingNameAsks(t *testing.T) {
	for _, lang := range []string{"en", "nl"} {
		t.Run(lang, func(t *testing.T) {
			f := newFake()
			f.settings.Language = lang
			f.statuses = connFixture()
			h := start(t, f, Options{})
			test.Tap(h.d.conns.add)
			form := validForm()
			form.Name = " bakkerij "
			fill(h.d.ob, form)
			test.Tap(h.d.ob.connect)
			h.settle()
			if len(f.reqs) != 0 || h.d.dlg == nil {
				t.Fatalf("no question before connecting under an existing name (requests %+v)", f.reqs)
			}
			text := dialogText(h.d.win)
			if !strings.Contains(text, "Bakkerij") || !strings.Contains(text, map[string]string{"en": "another name", "nl": "andere naam"}[lang]) {
				t.Errorf("question:\n%s", text)
			}
			if want := i18n.T("ux.name.other"); h.d.dlg.dismiss.Text != want {
				t.Errorf("way back %q, want %q", h.d.dlg.dismiss.Text, want)
			}
			// Another name: back to the form, nothing started.
			test.Tap(h.d.dlg.dismiss)
			if len(f.reqs) != 0 || h.d.ob == nil || !strings.Contains(h.d.ob.problem.Text, "Bakkerij") {
				t.Fatalf("choosing another name: requests %+v, form problem %q", f.reqs, h.d.ob.problem.Text)
			}
			// Reconnect: the existing connection, with what the form says.
			test.Tap(h.d.ob.connect)
			test.Tap(h.d.dlg.confirm)
			h.settle()
			if len(f.reqs) != 1 || f.reqs[0].ExistingID != "ok" || f.reqs[0].ClientID != form.ClientID || f.reqs[0].Name != "Bakkerij" {
				t.Fatalf("reconnect asked %+v", f.reqs)
			}
			test.Tap(h.d.waiting.cancel)
			h.loginEnded(t)
		})
	}
}

// logBackend is a fake with a lasting event log.
type logBackend struct {
	*fakeBackend
	entries []eventlog.Entry
}

func (l *logBackend) Activity(context.Context) ([]eventlog.Entry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]eventlog.Entry(nil), l.entries...), nil
}

// The Activity tab shows what the keeper did while the window was closed,
// in the reader's language, newest first, without doubling live events.
func TestActivityShowsTheLastingLog(t *testing.T) {
	for _, lang := range []string{"en", "nl"} {
		t.Run(lang, func(t *testing.T) {
			f := newFake()
			f.settings.Language = lang
			f.statuses = connFixture()
			lb := &logBackend{fakeBackend: f, entries: []eventlog.Entry{
				{Time: fixedNow.Add(-48 * time.Hour), Kind: eventlog.Refreshed, Connection: "Bakkerij"},
				{Time: fixedNow.Add(-24 * time.Hour), Kind: eventlog.Failed, Connection: "Slagerij", Outcome: "rate-limited", HTTPStatus: 429, RetryAfterSeconds: 3600},
			}}
			hh := startWith(t, lb, f, Options{})
			lines := hh.d.actView.shown
			if len(lines) != 2 {
				t.Fatalf("activity %q, want the two logged entries", lines)
			}
			want := map[string][2]string{"en": {"Slagerij: the refresh failed: Exact Online's rate limit was reached, wait 1 hour", "Bakkerij was refreshed"},
				"nl": {"Slagerij: vernieuwen is mislukt: de limiet van Exact Online is bereikt, wacht 1 uur", "Bakkerij is vernieuwd"}}[lang]
			if !strings.Contains(lines[0], want[0]) || !strings.Contains(lines[1], want[1]) {
				t.Errorf("activity:\n%s", strings.Join(lines, "\n"))
			}
			// A live event: the log is read again, and the event is not shown twice.
			lb.mu.Lock()
			lb.entries = append(lb.entries, eventlog.Entry{Time: fixedNow, Kind: eventlog.Refreshed, Connection: "Kapsalon"})
			lb.mu.Unlock()
			hh.send(t, keeper.Event{Time: fixedNow, Kind: keeper.EventRefreshed, Connection: "Kapsalon", Message: "Kapsalon was refreshed"})
			hh.settle()
			if lines := hh.d.actView.shown; len(lines) != 3 || !strings.Contains(lines[0], "Kapsalon") {
				t.Errorf("after a live event:\n%s", strings.Join(lines, "\n"))
			}
		})
	}
}

// startWith is start with another Backend around the fake.
func startWith(t *testing.T, b Backend, f *fakeBackend, opts Options) *harness {
	t.Helper()
	i18n.SetLanguage("en")
	t.Cleanup(func() { setLanguage("") })
	a := test.NewTempApp(t)
	h := &harness{f: f, events: make(chan keeper.Event, 8), logins: make(chan struct{}, 8)}
	opts.Now = func() time.Time { return fixedNow }
	opts.afterEvent = func(ev keeper.Event) { h.events <- ev }
	opts.afterLogin = func() { h.logins <- struct{}{} }
	if f.settings.Language == "" {
		f.settings.Language = "en"
	}
	h.d = New(a, b, opts)
	h.d.tasks.Wait()
	h.d.win.Resize(fyne.NewSize(900, 760))
	t.Cleanup(func() {
		h.d.cancel()
		h.d.tasks.Wait()
		h.d.logins.Wait()
	})
	return h
}

// Help opens the FAQ in the browser; when that fails the address is shown.
func TestHelpOpensTheFAQ(t *testing.T) {
	for _, lang := range []string{"en", "nl"} {
		t.Run(lang, func(t *testing.T) {
			f := newFake()
			f.settings.Language = lang
			f.statuses = connFixture()
			var opened []string
			fail := false
			h := start(t, f, Options{openURL: func(u *url.URL) error {
				opened = append(opened, u.String())
				if fail {
					return errors.New("no browser")
				}
				return nil
			}})
			if h.d.help.Text != map[string]string{"en": "Help", "nl": "Hulp"}[lang] {
				t.Errorf("Help button says %q", h.d.help.Text)
			}
			test.Tap(h.d.help)
			if len(opened) != 1 || opened[0] != "https://github.com/exactkeeper/exactkeeper#faq" || h.d.notice.Visible() {
				t.Fatalf("opened %v, notice %q", opened, h.d.notice.Text)
			}
			fail = true
			test.Tap(h.d.help)
			if !h.d.notice.Visible() || !strings.Contains(h.d.notice.Text, "https://github.com/exactkeeper/exactkeeper#faq") {
				t.Errorf("a failed open says %q", h.d.notice.Text)
			}
		})
	}
}

// The same delegation twice is refused by the real backend, and said so in
// the owner's language; "Renewed" there starts a new period.
func TestRealBackendDelegationDuplicateAndRenew(t *testing.T) {
	defer i18n.SetLanguage("")
	b, err := NewBackend(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	d := store.Delegation{Platform: "Invantive Cloud", Grantee: "Smit", Starts: store.DateOf(fixedNow), Ends: store.DateOf(fixedNow).AddDays(30)}
	first, err := b.SaveDelegation(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.SaveDelegation(ctx, d)
	for lang, want := range map[string]string{"en": "already in the list", "nl": "staat al in de lijst"} {
		i18n.SetLanguage(lang)
		if got := Explain(err); !strings.Contains(got, want) || !strings.Contains(got, "Invantive Cloud → Smit") {
			t.Errorf("%s: duplicate explained as %q", lang, got)
		}
	}
	start := store.DateOf(fixedNow).AddDays(10)
	if err := b.RenewDelegation(ctx, first.ID, start, start.AddDays(90)); err != nil {
		t.Fatal(err)
	}
	dels, _ := b.Delegations(ctx)
	if len(dels) != 1 || dels[0].Starts != start || dels[0].Ends != start.AddDays(90) {
		t.Fatalf("after renewing: %+v", dels)
	}
}
