package dashboard

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/login"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
	"github.com/exactkeeper/exactkeeper/ui/i18n"
)

// fill types a valid form into the onboarding view.
func fill(ob *onboarding, f OnboardingForm) {
	for i, m := range ob.modes {
		if m == f.Mode {
			ob.mode.SetSelected(ob.mode.Options[i])
		}
	}
	ob.pasteURI.SetText("")
	test.Type(ob.pasteURI, f.PasteURI)
	for i, r := range ob.regions {
		if r == f.Region {
			ob.region.SetSelectedIndex(i)
		}
	}
	for _, e := range []struct {
		entry *widget.Entry
		text  string
	}{{ob.clientID, f.ClientID}, {ob.secret, f.ClientSecret}, {ob.name, f.Name}} {
		e.entry.SetText("")
		test.Type(e.entry, e.text)
	}
}

// texts lists the text of every label in the window, dialogs included.
func texts(w fyne.Window) string {
	var b strings.Builder
	objs := test.LaidOutObjects(w.Content())
	for _, o := range w.Canvas().Overlays().List() {
		objs = append(objs, test.LaidOutObjects(o)...)
	}
	for _, o := range objs {
		switch o := o.(type) {
		case *widget.Label:
			if o.Visible() {
				b.WriteString(o.Text + "\n")
			}
		case *widget.Card:
			b.WriteString(o.Title + "\n")
		case *widget.Button:
			b.WriteString("[" + o.Text + "]\n")
		}
	}
	return b.String()
}

func TestOnboardingGuideAndRedirectChoices(t *testing.T) {
	h := start(t, newFake(), Options{})
	ob := h.d.ob
	if ob == nil {
		t.Fatal("without connections the dashboard does not start with onboarding")
	}
	all := texts(h.d.win)
	for _, key := range []string{"dash.ob.step1-text", "dash.ob.step2", "dash.ob.step3", "dash.ob.register"} {
		if !strings.Contains(all, i18n.T(key)) {
			t.Errorf("onboarding lacks %s", key)
		}
	}
	tests := []struct {
		mode      string
		wantURI   string
		wantHelp  string
		pasteShow bool
	}{
		{RedirectHTTP, "http://127.0.0.1:8765/callback", "dash.ob.mode-help.http", false},
		{RedirectHTTPS, "https://localhost:8765/callback", "dash.ob.mode-help.https", false},
		{RedirectPaste, "https://bakkerij.nl/exact", "dash.ob.mode-help.paste", true},
	}
	for _, tt := range tests {
		fill(ob, OnboardingForm{Mode: tt.mode, PasteURI: "https://bakkerij.nl/exact"})
		if ob.redirect.Text != tt.wantURI || ob.modeHelp.Text != i18n.T(tt.wantHelp) || ob.pasteURI.Visible() != tt.pasteShow {
			t.Errorf("%s: shows %q, help %q, paste field visible %v", tt.mode, ob.redirect.Text, ob.modeHelp.Text, ob.pasteURI.Visible())
		}
		test.Tap(ob.copy)
		if got := h.d.app.Clipboard().Content(); got != tt.wantURI {
			t.Errorf("%s: copied %q, want %q", tt.mode, got, tt.wantURI)
		}
	}
	if !strings.Contains(i18n.T("dash.ob.mode-help.https"), "localhost") {
		t.Error("the https choice does not explain the one-time browser warning")
	}
	if !ob.secret.Password {
		t.Error("the client secret is not masked")
	}
}

func TestOnboardingInvalidInput(t *testing.T) {
	tests := []struct {
		name string
		edit func(*OnboardingForm)
		want string
	}{
		{"no client ID", func(f *OnboardingForm) { f.ClientID = "" }, "dash.form.err.client-id"},
		{"no secret", func(f *OnboardingForm) { f.ClientSecret = "" }, "dash.form.err.client-secret"},
		{"no name", func(f *OnboardingForm) { f.Name = "" }, "dash.form.err.name"},
		{"paste page missing", func(f *OnboardingForm) { f.Mode, f.PasteURI = RedirectPaste, "" }, "dash.form.err.paste-uri-missing"},
		{"paste page not https", func(f *OnboardingForm) { f.Mode, f.PasteURI = RedirectPaste, "http://bakkerij.nl/x" }, "dash.form.err.paste-uri-https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			h := start(t, f, Options{})
			form := validForm()
			tt.edit(&form)
			fill(h.d.ob, form)
			test.Tap(h.d.ob.connect)
			h.settle()
			if h.d.ob == nil || !h.d.ob.problem.Visible() || h.d.ob.problem.Text != i18n.T(tt.want) {
				t.Fatalf("problem shown: %v", h.d.ob)
			}
			if len(f.reqs) != 0 {
				t.Errorf("a login was started with invalid input: %+v", f.reqs)
			}
		})
	}
}

func TestOnboardingConnectsThroughPaste(t *testing.T) {
	f := newFake()
	h := start(t, f, Options{})
	fill(h.d.ob, validForm())
	test.Tap(h.d.ob.connect)
	h.settle()

	if len(f.reqs) != 1 || f.reqs[0].ClientSecret != "s3cr3t" || f.reqs[0].RedirectURI != "http://127.0.0.1:8765/callback" || f.reqs[0].Region != "nl" {
		t.Fatalf("connect requests = %+v", f.reqs)
	}
	w := h.d.waiting
	if w == nil {
		t.Fatal("no waiting view after Connect")
	}
	if w.pasteBox.Visible() || !w.pasteShow.Visible() || w.url.Text != f.login.URL() {
		t.Fatal("the waiting view does not offer 'Paste the address instead' with the login address")
	}
	test.Tap(w.pasteShow)
	if !w.pasteBox.Visible() {
		t.Fatal("'Paste the address instead' does not show the paste field")
	}
	test.Type(w.paste, "https://example.com/?code=x")
	test.Tap(w.pasteUse)
	if !w.problem.Visible() || w.problem.Text != i18n.T("dash.err.not-redirect") {
		t.Fatalf("a wrong address gives %q", w.problem.Text)
	}
	w.paste.SetText(f.login.goodURL)
	test.Tap(w.pasteUse)
	h.loginEnded(t)

	if h.d.done == nil {
		t.Fatal("no summary after a good login")
	}
	if s := h.d.done.summary.Text; !strings.Contains(s, "Jan Jansen") || !strings.Contains(s, "123") || !strings.Contains(s, "Bakkerij De Jong") {
		t.Errorf("summary = %q, want who is connected to which company", s)
	}
	if strings.Contains(texts(h.d.win), "s3cr3t") {
		t.Error("the client secret is visible after connecting")
	}
	test.Tap(h.d.done.next)
	if h.d.tabs == nil || len(h.d.conns.cards) != 1 {
		t.Fatal("Continue does not show the new connection")
	}
	if !strings.Contains(texts(h.d.win), "Jan Jansen") {
		t.Error("the activity or connections do not mention the new login")
	}
}

func TestOnboardingFailuresAreExplained(t *testing.T) {
	tests := []struct {
		name       string
		connectErr error
		waitErr    error
		openErr    error
		want       string
	}{
		{"busy port", fmt.Errorf("x: %w", login.ErrPortInUse), nil, nil, "dash.err.port-in-use"},
		{"wrong state", nil, fmt.Errorf("x: %w", login.ErrStateMismatch), nil, "dash.err.state"},
		{"denied", nil, fmt.Errorf("x: %w", login.ErrDenied), nil, "dash.err.denied"},
		{"client refused", nil, fmt.Errorf("x: %w", &exact.Error{Status: 401, Code: "invalid_client"}), nil, "dash.err.client"},
		{"timeout", nil, fmt.Errorf("x: %w", login.ErrTimeout), nil, "dash.err.timeout"},
		{"no keychain", nil, fmt.Errorf("x: %w", vault.ErrUnavailable), nil, "dash.err.keychain"},
		{"no browser, then timeout", nil, fmt.Errorf("x: %w", login.ErrTimeout), login.ErrOpenBrowser, "dash.err.timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			f.connectErr = tt.connectErr
			f.login = newFakeLogin(true)
			f.login.openErr = tt.openErr
			h := start(t, f, Options{})
			fill(h.d.ob, validForm())
			test.Tap(h.d.ob.connect)
			h.settle()
			if tt.waitErr != nil {
				if h.d.waiting == nil {
					t.Fatal("no waiting view")
				}
				if tt.openErr != nil && !strings.Contains(texts(h.d.win), i18n.T("dash.wait.no-browser")) {
					t.Error("a browser that did not open is not explained")
				}
				f.login.finish(tt.waitErr)
				h.loginEnded(t)
			}
			ob := h.d.ob
			if ob == nil || ob.problem.Text != i18n.T(tt.want) || !ob.problem.Visible() {
				t.Fatalf("want the form back with %s, got %v", tt.want, ob)
			}
			if ob.clientID.Text != "c1d2" || ob.name.Text != "Bakkerij" {
				t.Error("the form lost what was typed")
			}
		})
	}
}

func TestOnboardingCancel(t *testing.T) {
	f := newFake()
	h := start(t, f, Options{})
	fill(h.d.ob, validForm())
	test.Tap(h.d.ob.connect)
	h.settle()
	test.Tap(h.d.waiting.cancel)
	h.loginEnded(t)
	if h.d.ob == nil || h.d.ob.problem.Visible() || h.d.ob.secret.Text != "s3cr3t" {
		t.Fatal("cancelling does not return to the filled form without a problem")
	}
	if len(f.statuses) != 0 {
		t.Error("cancelling added a connection")
	}
}

func TestDemoPrefill(t *testing.T) {
	h := start(t, newFake(), Options{Prefill: &OnboardingPrefill{BaseURL: "http://127.0.0.1:4000", ClientID: "demo-id",
		ClientSecret: "demo-secret", RedirectURI: "http://127.0.0.1:40123/callback", Name: "Demo", UserName: "demo", Password: "pw"}})
	ob := h.d.ob
	if ob.clientID.Text != "demo-id" || ob.redirect.Text != "http://127.0.0.1:40123/callback" || !ob.region.Disabled() {
		t.Fatalf("pre-fill not shown: id %q, redirect %q", ob.clientID.Text, ob.redirect.Text)
	}
	test.Tap(ob.connect)
	h.settle()
	if len(h.f.reqs) != 1 || h.f.reqs[0].BaseURL != "http://127.0.0.1:4000" || h.f.reqs[0].ClientSecret != "demo-secret" {
		t.Fatalf("requests = %+v", h.f.reqs)
	}
	if !strings.Contains(texts(h.d.win), i18n.Tf("dash.ob.demo", map[string]any{"User": "demo", "Password": "pw"})) {
		t.Error("the demo login is not shown while waiting")
	}
}

func connFixture() []keeper.ConnStatus {
	at := func(d time.Duration) time.Time { return fixedNow.Add(d) }
	return []keeper.ConnStatus{
		{ID: "ok", Name: "Bakkerij", Region: "nl", Status: keeper.StatusOK, FullName: "Jan Jansen", Division: 123,
			LastRefresh: at(-2 * time.Hour), LapsesAt: at(30*24*time.Hour - 2*time.Hour), NextRefresh: at(22 * time.Hour)},
		{ID: "failing", Name: "Slagerij", Region: "be", Status: keeper.StatusFailing, FullName: "Els Peeters", Division: 7,
			LastRefresh: at(-3 * 24 * time.Hour), LapsesAt: at(27 * 24 * time.Hour), FailingSince: at(-time.Hour),
			LastError: "Exact Online did not answer.", NextRefresh: at(5 * time.Minute)},
		{ID: "dead", Name: "Kapsalon", Region: "nl", Status: keeper.StatusNeedsReconnect, UserName: "kapper",
			LastRefresh: at(-29 * 24 * time.Hour), LapsesAt: at(24 * time.Hour)},
		{ID: "new", Name: "Nieuw", BaseURL: "https://start.exactonline.nl", Status: keeper.StatusNew},
	}
}

func TestConnectionsInEveryState(t *testing.T) {
	f := newFake()
	f.statuses = connFixture()
	h := start(t, f, Options{})
	if h.d.tabs == nil {
		t.Fatal("with connections the dashboard does not show the tabs")
	}
	tests := []struct {
		id         string
		state      string
		importance widget.Importance
		want       []string
		refreshOff bool
	}{
		{"ok", "dash.state.ok", widget.SuccessImportance, []string{"Jan Jansen", "123", "NL", "30 days left"}, false},
		{"failing", "dash.state.failing", widget.WarningImportance, []string{"Els Peeters", "BE", "Exact Online did not answer.", "27 days left"}, false},
		{"dead", "dash.state.needs-reconnect", widget.DangerImportance, []string{"kapper", i18n.T("dash.conn.needs-reconnect-help"), "1 day left"}, true},
		{"new", "dash.state.new", widget.MediumImportance, []string{i18n.T("dash.conn.last-refresh-never"), "https://start.exactonline.nl"}, false},
	}
	for _, tt := range tests {
		c := h.d.conns.cards[tt.id]
		if c == nil {
			t.Fatalf("no card for %s", tt.id)
		}
		if c.state.Text != i18n.T(tt.state) || c.state.Importance != tt.importance {
			t.Errorf("%s: state %q (%v)", tt.id, c.state.Text, c.state.Importance)
		}
		text := c.text()
		for _, w := range tt.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: card lacks %q:\n%s", tt.id, w, text)
			}
		}
		if c.refresh.Disabled() != tt.refreshOff {
			t.Errorf("%s: Refresh now disabled = %v", tt.id, c.refresh.Disabled())
		}
	}
	if h.d.conns.cards["dead"].reconnect.Importance != widget.HighImportance {
		t.Error("Reconnect is not the obvious button of a connection that needs it")
	}
	if h.d.conns.cards["dead"].lapse.Importance != widget.DangerImportance || h.d.conns.cards["ok"].lapse.Importance != widget.SuccessImportance {
		t.Error("days left are not coloured by urgency")
	}
}

func TestRefreshAndRemoveWithConfirmation(t *testing.T) {
	f := newFake()
	f.statuses = connFixture()
	h := start(t, f, Options{})
	test.Tap(h.d.conns.cards["ok"].refresh)
	h.settle()
	if len(f.refreshed) != 1 || f.refreshed[0] != "ok" || h.d.notice.Text != i18n.Tf("dash.conn.refreshed", map[string]any{"Name": "Bakkerij"}) {
		t.Fatalf("refresh: %v, notice %q", f.refreshed, h.d.notice.Text)
	}

	test.Tap(h.d.conns.cards["ok"].remove)
	if h.d.dlg == nil || len(f.removed) != 0 {
		t.Fatal("Remove does not ask for confirmation first")
	}
	test.Tap(h.d.dlg.dismiss)
	if len(f.removed) != 0 {
		t.Fatal("cancelling the confirmation removed the connection")
	}
	test.Tap(h.d.conns.cards["ok"].remove)
	test.Tap(h.d.dlg.confirm)
	h.settle()
	if len(f.removed) != 1 || f.removed[0] != "ok" {
		t.Fatalf("removed = %v", f.removed)
	}
	if _, still := h.d.conns.cards["ok"]; still || len(h.d.conns.cards) != 3 {
		t.Error("the removed connection is still shown")
	}
}

func TestRefreshFailureIsExplained(t *testing.T) {
	f := newFake()
	f.statuses = connFixture()
	f.refreshErr = fmt.Errorf("x: %w", keeper.ErrNeedsReconnect)
	h := start(t, f, Options{})
	test.Tap(h.d.conns.cards["failing"].refresh)
	h.settle()
	if h.d.notice.Text != i18n.T("dash.err.needs-reconnect") || h.d.notice.Importance != widget.DangerImportance {
		t.Errorf("notice = %q", h.d.notice.Text)
	}
}

func TestReconnectKeepsSettingsAndCancelChangesNothing(t *testing.T) {
	f := newFake()
	f.statuses = connFixture()
	h := start(t, f, Options{})
	test.Tap(h.d.conns.cards["dead"].reconnect)
	h.settle()
	if len(f.reqs) != 1 || f.reqs[0] != (keeper.ConnectRequest{ExistingID: "dead"}) {
		t.Fatalf("reconnect asked %+v, want only the existing ID (the backend keeps its settings)", f.reqs)
	}
	if h.d.waiting == nil {
		t.Fatal("no waiting view while reconnecting")
	}
	test.Tap(h.d.waiting.cancel)
	h.loginEnded(t)
	if h.d.tabs == nil || h.d.notice.Visible() {
		t.Fatal("cancelling a reconnect does not return quietly to the tabs")
	}
	if c := h.d.conns.cards["dead"]; c == nil || c.state.Text != i18n.T("dash.state.needs-reconnect") || len(f.removed) != 0 {
		t.Error("cancelling a reconnect changed the connection")
	}
}

func TestFocusReconnectFromTray(t *testing.T) {
	f := newFake()
	f.statuses = connFixture()
	h := start(t, f, Options{Focus: "reconnect:dead"})
	if len(f.reqs) != 1 || f.reqs[0].ExistingID != "dead" || h.d.waiting == nil {
		t.Fatalf("focus reconnect:dead did not start the reconnect: %+v", f.reqs)
	}
	f.login.finish(nil)
	h.loginEnded(t)
	if h.d.done == nil {
		t.Error("no summary after reconnecting")
	}
}

func TestEventsUpdateTheViewLive(t *testing.T) {
	f := newFake()
	f.statuses = connFixture()
	h := start(t, f, Options{})
	f.mu.Lock()
	f.statuses[0].Status = keeper.StatusFailing
	f.mu.Unlock()
	h.send(t, keeper.Event{Time: fixedNow, Kind: keeper.EventStateChanged, ConnectionID: "ok", Connection: "Bakkerij", Status: keeper.StatusFailing})
	if got := h.d.conns.cards["ok"].state.Text; got != i18n.T("dash.state.failing") {
		t.Errorf("state after the event = %q", got)
	}
	h.send(t, keeper.Event{Time: fixedNow.Add(time.Minute), Kind: keeper.EventRefreshed, ConnectionID: "ok", Connection: "Bakkerij"})
	lines := h.d.actView.box.Objects
	if len(lines) != 2 {
		t.Fatalf("activity has %d lines, want 2", len(lines))
	}
	first, second := lines[0].(*widget.Label).Text, lines[1].(*widget.Label).Text
	if !strings.Contains(first, i18n.Tf("dash.activity.refreshed", map[string]any{"Name": "Bakkerij"})) || !strings.Contains(second, i18n.T("dash.state.failing")) {
		t.Errorf("activity is not newest first: %q, %q", first, second)
	}
}

func TestDelegationsEmptyState(t *testing.T) {
	f := newFake()
	f.statuses = connFixture()
	h := start(t, f, Options{})
	v := h.d.delView
	if len(v.box.Objects) != 1 || v.box.Objects[0] != v.empty || !strings.Contains(v.empty.Text, "90") {
		t.Fatal("no empty state explaining delegations")
	}
	if !v.export.Disabled() {
		t.Error("export is offered with nothing to export")
	}
}

func TestDelegationAddBadDateAndLongHint(t *testing.T) {
	f := newFake()
	f.statuses = connFixture()
	h := start(t, f, Options{})
	test.Tap(h.d.delView.add)
	if h.d.dlg == nil {
		t.Fatal("Add delegation shows no dialog")
	}
	od := h.d.dlg
	dd := findDelegationDialog(t, h)
	test.Type(dd.platform, "Invantive Cloud")
	test.Type(dd.grantee, "Administratiekantoor Smit")
	test.Type(dd.ends, "31/31/2026x")
	test.Tap(od.confirm)
	h.settle()
	if !od.errText.Visible() || od.errText.Text != i18n.T("dash.del.err.ends-invalid") || len(f.saved) != 0 {
		t.Fatalf("a bad date gives %q and saved %v", od.errText.Text, f.saved)
	}

	long := store.DateOf(fixedNow).AddDays(120).In(time.UTC)
	dd.ends.SetDate(&long)
	if !dd.hint.Visible() {
		t.Error("no 90-day hint for a 120-day delegation")
	}
	dd.conn.SetSelectedIndex(1)
	test.Tap(od.confirm)
	h.settle()
	if len(f.saved) != 1 || f.saved[0].Ends != store.DateOf(long) || f.saved[0].Starts != store.DateOf(fixedNow) || f.saved[0].ConnectionID != "ok" {
		t.Fatalf("saved %+v", f.saved)
	}
	if h.d.dlg != nil {
		t.Error("the dialog stays open after saving")
	}
	row := h.d.delView.rows["d1"]
	if row == nil || !row.hint.Visible() || row.days.Text != "120 days left" || row.days.Importance != widget.SuccessImportance {
		t.Fatalf("row after saving: %+v", row)
	}
}

// findDelegationDialog digs the add/edit dialog's fields out of the open
// dialog by rebuilding the expectation: the last editDelegation call.
func findDelegationDialog(t *testing.T, h *harness) *delegationDialog {
	t.Helper()
	var dd *delegationDialog
	for _, o := range test.LaidOutObjects(h.d.win.Canvas().Overlays().Top()) {
		if e, ok := o.(*widget.DateEntry); ok {
			if dd == nil {
				dd = &delegationDialog{starts: e}
			} else {
				dd.ends = e
			}
		}
	}
	if dd == nil || dd.ends == nil {
		t.Fatal("the dialog has no two date pickers")
	}
	var entries []*widget.Entry
	for _, o := range test.LaidOutObjects(h.d.win.Canvas().Overlays().Top()) {
		switch o := o.(type) {
		case *widget.Entry:
			entries = append(entries, o)
		case *widget.Select:
			dd.conn = o
		case *widget.Label:
			if o.Text == i18n.T("dash.del.hint-90") {
				dd.hint = o
			}
		}
	}
	if len(entries) < 2 || dd.conn == nil || dd.hint == nil {
		t.Fatalf("the dialog lacks fields: %d entries", len(entries))
	}
	dd.platform, dd.grantee = entries[0], entries[1]
	return dd
}

func TestDelegationsSortedRenewAndRemove(t *testing.T) {
	f := newFake()
	f.statuses = connFixture()
	today := store.DateOf(fixedNow)
	f.dels = []store.Delegation{
		{ID: "late", Platform: "Invantive Cloud", Grantee: "Smit", Ends: today.AddDays(60)},
		{ID: "soon", Platform: "Invantive Cloud", Grantee: "Jansen", Starts: today.AddDays(-80), Ends: today.AddDays(5)},
	}
	h := start(t, f, Options{Focus: "reminder:delegation:soon:7d"})
	v := &h.d.delView
	if fmt.Sprint(v.order) != "[soon late]" {
		t.Fatalf("order = %v, want soonest end first", v.order)
	}
	if h.d.tabs.SelectedIndex() != tabDelegations || v.rows["soon"].card.Subtitle == "" {
		t.Error("a delegation reminder does not open the Delegations tab on that delegation")
	}
	if r := v.rows["soon"]; r.days.Text != "5 days left" || r.days.Importance != widget.WarningImportance {
		t.Errorf("soon: %q %v", r.days.Text, r.days.Importance)
	}

	test.Tap(v.rows["soon"].renew)
	od := h.d.dlg
	test.Tap(od.confirm)
	h.settle()
	if got := f.renewed["soon"]; got != today.AddDays(90) {
		t.Fatalf("renewed to %v, want today + 90 days", got)
	}
	if r := v.rows["soon"]; r.days.Text != "90 days left" || fmt.Sprint(v.order) != "[late soon]" {
		t.Errorf("after renewing: %q, order %v", r.days.Text, v.order)
	}

	test.Tap(v.rows["late"].remove)
	if len(f.removed) != 0 {
		t.Fatal("removed without confirmation")
	}
	test.Tap(h.d.dlg.confirm)
	h.settle()
	if len(f.removed) != 1 || f.removed[0] != "late" || v.rows["late"] != nil {
		t.Fatalf("removed = %v", f.removed)
	}

	var buf closeBuffer
	h.d.exportTo(&buf)
	h.settle()
	if !buf.closed || !strings.Contains(buf.String(), "BEGIN:VCALENDAR") || h.d.notice.Text != i18n.T("dash.del.exported") {
		t.Errorf("export wrote %q, notice %q", buf.String(), h.d.notice.Text)
	}
}

type closeBuffer struct {
	bytes.Buffer
	closed bool
}

func (b *closeBuffer) Close() error { b.closed = true; return nil }

func TestSettingsSave(t *testing.T) {
	f := newFake()
	f.statuses = connFixture()
	h := start(t, f, Options{})
	v := &h.d.setView
	if v.refreshWarn.Text != "7, 3, 1" || v.keepAlive.Text != "24" {
		t.Fatalf("defaults shown as %q and %q", v.refreshWarn.Text, v.keepAlive.Text)
	}
	v.refreshWarn.SetText("")
	test.Type(v.refreshWarn, "soon")
	test.Tap(v.save)
	h.settle()
	if !v.problem.Visible() || v.problem.Text != i18n.T("dash.settings.err.refresh-warnings") || len(f.savedSet) != 0 {
		t.Fatal("bad warnings were not refused with an explanation")
	}
	v.refreshWarn.SetText("5, 2")
	v.autostart.SetChecked(true)
	test.Tap(v.save)
	h.settle()
	if len(f.savedSet) != 1 {
		t.Fatal("settings not saved")
	}
	s := f.savedSet[0]
	if len(s.RefreshWarnings) != 2 || time.Duration(s.RefreshWarnings[0]) != 5*24*time.Hour || s.Autostart == nil || !*s.Autostart {
		t.Errorf("saved %+v", s)
	}
	if h.d.notice.Text != i18n.T("dash.settings.saved") {
		t.Errorf("notice = %q", h.d.notice.Text)
	}
}

func TestLanguageSwitchShowsDutch(t *testing.T) {
	f := newFake()
	f.statuses = connFixture()
	h := start(t, f, Options{})
	if h.d.tabs.Items[0].Text != "Connections" {
		t.Fatalf("first tab = %q", h.d.tabs.Items[0].Text)
	}
	h.d.tabs.SelectIndex(tabSettings)
	h.d.setView.language.SetSelectedIndex(1) // Nederlands
	test.Tap(h.d.setView.save)
	h.settle()
	want := []string{"Verbindingen", "Machtigingen", "Instellingen", "Activiteit"}
	for i, w := range want {
		if got := h.d.tabs.Items[i].Text; got != w {
			t.Errorf("tab %d = %q, want %q", i, got, w)
		}
	}
	if h.d.tabs.SelectedIndex() != tabSettings {
		t.Error("switching language left the Settings tab")
	}
	if got := h.d.conns.cards["dead"].reconnect.Text; got != "Opnieuw verbinden" {
		t.Errorf("Reconnect button = %q", got)
	}
	if got := lang.L("Cancel"); got != "Annuleren" {
		t.Errorf("Fyne's own Cancel = %q, want Annuleren", got)
	}
	if f.savedSet[0].Language != "nl" {
		t.Errorf("language saved as %q", f.savedSet[0].Language)
	}
	h.d.setView.language.SetSelectedIndex(2) // English
	test.Tap(h.d.setView.save)
	h.settle()
	if h.d.tabs.Items[0].Text != "Connections" || lang.L("Cancel") != "Cancel" {
		t.Errorf("back to English: tab %q, Cancel %q", h.d.tabs.Items[0].Text, lang.L("Cancel"))
	}
}

func TestKeeperDownBanner(t *testing.T) {
	f := newFake()
	f.statuses = connFixture()
	h := start(t, f, Options{})
	if h.d.banner.Visible() {
		t.Error("the banner shows while the keeper runs")
	}
	h.d.setKeeperDown(true)
	if !h.d.banner.Visible() || h.d.banner.Text != i18n.T("dash.banner.no-keeper") {
		t.Error("no banner when the keeper is down")
	}
}
