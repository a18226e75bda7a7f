package dashboard

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/login"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

// fill types a valid form into the onboarding view.
func fill(ob *onboarding, f OnboardingForm) {
	chooseMode(ob, f.Mode)
	ob.relayURI.SetText("")
	test.Type(ob.relayURI, f.RelayURI)
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

// chooseMode clicks mode as the owner would: the loopback modes are under
// Advanced.
func chooseMode(ob *onboarding, mode string) {
	switch mode {
	case RedirectHTTP, RedirectHTTPS:
		ob.mode.SetSelected(ob.mode.Options[slices.Index(ob.modes, modeAdvanced)])
		ob.loopback.SetSelected(ob.loopback.Options[slices.Index(ob.loopbacks, mode)])
	default:
		if i := slices.Index(ob.modes, mode); i >= 0 {
			ob.mode.SetSelected(ob.mode.Options[i])
		}
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

// inLanguage sets the language the dashboard starts in.
func inLanguage(f *fakeBackend, lang string) *fakeBackend {
	f.settings.Language = lang
	return f
}

func TestOnboardingGuideAndRedirectChoices(t *testing.T) {
	// Literal words, not only catalogue keys: a text that lost its point
	// in one language must fail here.
	guide := map[string][]string{
		"en": {"\"Register and manage API keys\"", "not as an App Store partner", "403 Application Scope Violated",
			"3 minutes", "never asks for the client secret in a browser", "Name for this connection"},
		"nl": {"\"Register and manage API keys\"", "niet als App Store-partner", "403 Application Scope Violated",
			"3 minuten", "nooit in een browser om de client-secret", "Naam voor deze koppeling", " u "},
	}
	for _, lang := range []string{"en", "nl"} {
		t.Run(lang, func(t *testing.T) {
			h := start(t, inLanguage(newFake(), lang), Options{})
			ob := h.d.ob
			if ob == nil {
				t.Fatal("without connections the dashboard does not start with onboarding")
			}
			if ob.redirect.Text != login.DefaultRedirectURI || ob.loopback.Visible() || ob.relayURI.Visible() {
				t.Fatalf("the default is not the relay page: shows %q, advanced visible %v", ob.redirect.Text, ob.loopback.Visible())
			}
			all := texts(h.d.win)
			for _, w := range guide[lang] {
				if !strings.Contains(all, w) {
					t.Errorf("onboarding lacks %q", w)
				}
			}
			if !ob.redirect.Selectable || !ob.redirect.TextStyle.Monospace {
				t.Error("the redirect URI is not monospace and selectable")
			}
			if got := ob.appCenter.URL.String(); got != "https://apps.exactonline.com/nl/" {
				t.Errorf("App Center link for the Netherlands = %s", got)
			}
			ob.region.SetSelectedIndex(slices.Index(ob.regions, "uk"))
			if got := ob.appCenter.URL.String(); got != exact.AppCenterURL("uk") || !strings.Contains(ob.appCenter.Text, "/gb") {
				t.Errorf("App Center link for the UK = %s (%q)", got, ob.appCenter.Text)
			}

			tests := []struct {
				mode      string
				wantURI   string
				wantHelp  string
				ownURI    bool
				advanced  bool
				helpWords string
			}{
				{RedirectRelay, login.DefaultRedirectURI, "dash.ob.mode-help.relay", false, false, "Exact Keeper"},
				{RedirectOwnRelay, "https://bakkerij.nl/exact-login.html", "dash.ob.mode-help.own-relay", true, false, "exactkeeperctl relay-page"},
				{RedirectHTTP, "http://127.0.0.1:8765/callback", "dash.ob.mode-help.http", false, true, "cannot use localhost"},
				{RedirectHTTPS, "https://localhost:8765/callback", "dash.ob.mode-help.https", false, true, "localhost"},
			}
			for _, tt := range tests {
				fill(ob, OnboardingForm{Mode: tt.mode, RelayURI: "https://bakkerij.nl/exact-login.html"})
				if ob.redirect.Text != tt.wantURI || ob.modeHelp.Text != i18n.T(tt.wantHelp) {
					t.Errorf("%s: shows %q, help %q", tt.mode, ob.redirect.Text, ob.modeHelp.Text)
				}
				if ob.relayURI.Visible() != tt.ownURI || ob.loopback.Visible() != tt.advanced {
					t.Errorf("%s: own page field visible %v, loopback choices visible %v", tt.mode, ob.relayURI.Visible(), ob.loopback.Visible())
				}
				if !strings.Contains(ob.modeHelp.Text, tt.helpWords) {
					t.Errorf("%s: help %q does not mention %q", tt.mode, ob.modeHelp.Text, tt.helpWords)
				}
				test.Tap(ob.copy)
				if got := h.d.app.Clipboard().Content(); got != tt.wantURI {
					t.Errorf("%s: copied %q, want %q", tt.mode, got, tt.wantURI)
				}
				if ob.copy.Text != i18n.T("dash.ob.copied") {
					t.Errorf("%s: Copy does not say it copied", tt.mode)
				}
			}
			if !ob.secret.Password {
				t.Error("the client secret is not masked")
			}
		})
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
		{"own page missing", func(f *OnboardingForm) { f.Mode, f.RelayURI = RedirectOwnRelay, "" }, "dash.form.err.relay-uri-missing"},
		{"own page not https", func(f *OnboardingForm) { f.Mode, f.RelayURI = RedirectOwnRelay, "http://bakkerij.nl/x" }, "dash.form.err.relay-uri-https"},
		{"own page on this PC", func(f *OnboardingForm) { f.Mode, f.RelayURI = RedirectOwnRelay, "https://localhost:8800/callback" }, "dash.form.err.relay-uri-https"},
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

// TestOnboardingConnectsThroughRelay: the default login offers pasting at
// once, beside the relay page's own way back.
func TestOnboardingConnectsThroughRelay(t *testing.T) {
	waiting := map[string]string{
		"en": "normally comes back to Exact Keeper by itself",
		"nl": "Normaal komt de browser daarna vanzelf terug",
	}
	for _, lang := range []string{"en", "nl"} {
		t.Run(lang, func(t *testing.T) {
			f := inLanguage(newFake(), lang)
			h := start(t, f, Options{})
			fill(h.d.ob, validForm())
			test.Tap(h.d.ob.connect)
			h.settle()

			if len(f.reqs) != 1 || f.reqs[0].ClientSecret != "s3cr3t" || f.reqs[0].RedirectURI != login.DefaultRedirectURI || f.reqs[0].Region != "nl" {
				t.Fatalf("connect requests = %+v", f.reqs)
			}
			w := h.d.waiting
			if w == nil {
				t.Fatal("no waiting view after Connect")
			}
			if !w.pasteBox.Visible() || w.pasteShow.Visible() || w.url.Text != f.login.URL() {
				t.Fatal("through the relay the paste field is not shown at once")
			}
			if !strings.Contains(w.status.Text, waiting[lang]) {
				t.Errorf("waiting says %q", w.status.Text)
			}
			if w.otherUser.Visible() {
				t.Error("a new connection talks about logging in as a different user")
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
		})
	}
}

// TestOnboardingLoopbackOffersPasteInstead: an advanced loopback login
// keeps pasting one click away.
func TestOnboardingLoopbackOffersPasteInstead(t *testing.T) {
	f := newFake()
	f.login = newFakeLogin(true)
	h := start(t, f, Options{})
	form := validForm()
	form.Mode = RedirectHTTP
	fill(h.d.ob, form)
	test.Tap(h.d.ob.connect)
	h.settle()
	if len(f.reqs) != 1 || f.reqs[0].RedirectURI != "http://127.0.0.1:8765/callback" {
		t.Fatalf("connect requests = %+v", f.reqs)
	}
	w := h.d.waiting
	if w.pasteBox.Visible() || !w.pasteShow.Visible() || w.status.Text != i18n.T("dash.wait.loopback") {
		t.Fatal("the loopback waiting view does not offer 'Paste the address instead'")
	}
	test.Tap(w.pasteShow)
	if !w.pasteBox.Visible() {
		t.Fatal("'Paste the address instead' does not show the paste field")
	}
	w.paste.SetText(f.login.goodURL)
	test.Tap(w.pasteUse)
	h.loginEnded(t)
	if h.d.done == nil {
		t.Fatal("no summary after pasting")
	}
}

func TestOnboardingFailuresAreExplained(t *testing.T) {
	tests := []struct {
		name        string
		connectErr  error
		waitErr     error
		openErr     error
		want        string
		wantFlagged bool // the client secret is marked as refused
	}{
		{"busy port", fmt.Errorf("x: %w", login.ErrPortInUse), nil, nil, "dash.err.port-in-use", false},
		{"wrong state", nil, fmt.Errorf("x: %w", login.ErrStateMismatch), nil, "dash.err.state", false},
		{"denied", nil, fmt.Errorf("x: %w", login.ErrDenied), nil, "dash.err.denied", false},
		{"client ID refused", nil, fmt.Errorf("x: %w", &exact.Error{Status: 401, Code: "invalid_client"}), nil, "dash.err.client", false},
		{"secret refused by the exchange", nil, fmt.Errorf("the login could not be finished: %w", &exact.Error{Outcome: exact.WrongSecret, Status: 401, Code: "invalid_client"}), nil, "dash.err.wrong-secret", true},
		{"secret refused, keeper sentinel", nil, fmt.Errorf("Bakkerij: %w", keeper.ErrWrongSecret), nil, "dash.err.wrong-secret", true},
		{"timeout", nil, fmt.Errorf("x: %w", login.ErrTimeout), nil, "dash.err.timeout", false},
		{"no keychain", nil, fmt.Errorf("x: %w", vault.ErrUnavailable), nil, "dash.err.keychain", false},
		{"no browser, then timeout", nil, fmt.Errorf("x: %w", login.ErrTimeout), login.ErrOpenBrowser, "dash.err.timeout", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			f.connectErr = tt.connectErr
			f.login = newRelayLogin()
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
			if ob.clientID.Text != "c1d2" || ob.name.Text != "Bakkerij" || ob.read().Mode != RedirectRelay {
				t.Error("the form lost what was typed")
			}
			flagged := ob.secret.Validate() != nil
			if flagged != tt.wantFlagged {
				t.Fatalf("client secret flagged = %v", flagged)
			}
			if !tt.wantFlagged {
				if ob.secret.Text != "s3cr3t" {
					t.Error("the client secret was lost though Exact did not refuse it")
				}
				return
			}
			if ob.secret.Text != "" || h.d.win.Canvas().Focused() != ob.secret {
				t.Error("the refused secret is not emptied and focused for pasting it again")
			}
			test.Type(ob.secret, "n3w")
			if ob.secret.Validate() != nil {
				t.Error("typing a new secret does not clear the mark")
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

// TestDemoPrefill: the simulator may be registered with the relay page (the
// default) or a loopback address; either way the form shows and sends
// exactly what it registered.
func TestDemoPrefill(t *testing.T) {
	for _, uri := range []string{login.DefaultRedirectURI, "http://127.0.0.1:40123/callback"} {
		t.Run(uri, func(t *testing.T) {
			h := start(t, newFake(), Options{Prefill: &OnboardingPrefill{BaseURL: "http://127.0.0.1:4000", ClientID: "demo-id",
				ClientSecret: "demo-secret", RedirectURI: uri, Name: "Demo", UserName: "demo", Password: "pw"}})
			ob := h.d.ob
			if ob.clientID.Text != "demo-id" || ob.redirect.Text != uri || !ob.region.Disabled() {
				t.Fatalf("pre-fill not shown: id %q, redirect %q", ob.clientID.Text, ob.redirect.Text)
			}
			test.Tap(ob.connect)
			h.settle()
			if len(h.f.reqs) != 1 || h.f.reqs[0].BaseURL != "http://127.0.0.1:4000" || h.f.reqs[0].ClientSecret != "demo-secret" || h.f.reqs[0].RedirectURI != uri {
				t.Fatalf("requests = %+v", h.f.reqs)
			}
			if !strings.Contains(texts(h.d.win), i18n.Tf("dash.ob.demo", map[string]any{"User": "demo", "Password": "pw"})) {
				t.Error("the demo login is not shown while waiting")
			}
		})
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
		{ID: "api", Name: "Drukkerij", Region: "nl", Status: keeper.StatusNeedsAttention, Attention: keeper.AttentionAPI, FullName: "Piet", Division: 7,
			LastRefresh: at(-time.Hour), LapsesAt: at(29 * 24 * time.Hour), NextRefresh: at(23 * time.Hour),
			LastError: "Exact Online refused to tell who is logged in (HTTP 403) (Exact Online says \"Forbidden - Application Scope Violated\")"},
		{ID: "secret", Name: "Bloemist", Region: "be", Status: keeper.StatusNeedsAttention, Attention: keeper.AttentionSecret, FullName: "An Claes", Division: 9,
			LastRefresh: at(-2 * 24 * time.Hour), LapsesAt: at(28 * 24 * time.Hour), NextRefresh: at(time.Hour),
			LastError: "Bloemist: Exact Online refused the app's client secret"},
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
		{"ok", "present.ok", widget.SuccessImportance, []string{"Jan Jansen", "123", "NL", "in 30 days"}, false},
		{"failing", "present.failing", widget.WarningImportance, []string{"Els Peeters", "BE", "Exact Online did not answer.", "in 27 days"}, false},
		{"dead", "present.needs-reconnect", widget.DangerImportance, []string{"kapper", i18n.T("dash.conn.needs-reconnect-help")}, true},
		{"new", "present.new", widget.MediumImportance, []string{i18n.T("dash.conn.last-refresh-never"), "https://start.exactonline.nl"}, false},
		{"secret", "present.secret", widget.WarningImportance, []string{"An Claes", "refused this app's client secret", "The login itself is kept", "in 28 days"}, true},
		// Exact refuses API calls: the chain is kept alive and refreshing
		// stays possible; Exact's own words are shown.
		{"api", "present.attention", widget.WarningImportance, []string{"Piet", "Application Scope Violated"}, false},
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
		if c.secret.Visible() != (tt.id == "secret") {
			t.Errorf("%s: Enter the client secret again shown = %v", tt.id, c.secret.Visible())
		}
	}
	if strings.Contains(h.d.conns.cards["secret"].text(), i18n.Tf("dash.conn.next-refresh", map[string]any{"When": formatTime(fixedNow.Add(time.Hour))})) {
		t.Error("a connection waiting for its secret promises a next refresh")
	}
	if h.d.conns.cards["dead"].reconnect.Importance != widget.HighImportance {
		t.Error("Reconnect is not the obvious button of a connection that needs it")
	}
	// Exact already refused the login: when it would have lapsed no longer
	// matters (core/present).
	if h.d.conns.cards["dead"].lapse.Visible() || h.d.conns.cards["ok"].lapse.Importance != widget.SuccessImportance {
		t.Error("the lapse line is shown where it no longer matters, or not green where all is well")
	}
}

func TestRefreshAndRemoveWithConfirmation(t *testing.T) {
	f := newFake()
	f.statuses = connFixture()
	h := start(t, f, Options{})
	test.Tap(h.d.conns.cards["ok"].refresh)
	h.settle()
	if len(f.refreshed) != 1 || f.refreshed[0] != "ok" || h.d.notice.Text != "Bakkerij was refreshed; the login now lasts until 2026-03-31." {
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
	if _, still := h.d.conns.cards["ok"]; still || len(h.d.conns.cards) != len(connFixture())-1 {
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
	if len(f.reqs) != 1 || f.reqs[0] != (keeper.ConnectRequest{ExistingID: "dead", ForceLogin: true}) {
		t.Fatalf("reconnect asked %+v, want only the existing ID and Exact's login page (the backend keeps its settings)", f.reqs)
	}
	if h.d.waiting == nil {
		t.Fatal("no waiting view while reconnecting")
	}
	if !h.d.waiting.otherUser.Visible() || !strings.Contains(h.d.waiting.otherUser.Text, "as a different Exact user") {
		t.Error("a reconnect does not say another Exact user may log in")
	}
	test.Tap(h.d.waiting.cancel)
	h.loginEnded(t)
	if h.d.tabs == nil || h.d.notice.Visible() {
		t.Fatal("cancelling a reconnect does not return quietly to the tabs")
	}
	if c := h.d.conns.cards["dead"]; c == nil || c.state.Text != i18n.T("present.needs-reconnect") || len(f.removed) != 0 {
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
		if e, ok := o.(*dateField); ok {
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
}

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
	want := []string{"Koppelingen", "Machtigingen", "Instellingen", "Activiteit"}
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

// TestEnterClientSecretAgain: a connection whose client secret Exact
// refused gets it again through a dialog, without a browser login.
func TestEnterClientSecretAgain(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantOpen   bool   // the dialog stays for another try
		wantNotice string // a catalogue key, when the dialog closed
		wantBad    bool
		wantDialog string // a catalogue key, when it stays
	}{
		{"works", nil, false, "dash.secret.ok", false, ""},
		{"refused again", fmt.Errorf("Bloemist: %w", keeper.ErrWrongSecret), true, "", false, "dash.secret.refused-again"},
		{"no keeper", ErrSecretNotTried, false, "dash.secret.saved-no-keeper", false, ""},
		{"login lapsed meanwhile", fmt.Errorf("Bloemist: %w", keeper.ErrNeedsReconnect), false, "dash.secret.saved-reconnect", true, ""},
		{"keychain locked", fmt.Errorf("x: %w", vault.ErrUnavailable), true, "", false, "dash.err.keychain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			f.statuses = connFixture()
			f.secretErr = tt.err
			h := start(t, f, Options{})
			test.Tap(h.d.conns.cards["secret"].secret)
			od := h.d.dlg
			if od == nil || od.entry == nil || !od.entry.Password {
				t.Fatal("Enter the client secret again opens no dialog with a masked entry")
			}
			if h.d.win.Canvas().Focused() != od.entry {
				t.Error("the secret entry is not focused")
			}
			test.Tap(od.confirm)
			h.settle()
			if len(f.secrets) != 0 || !od.errText.Visible() || od.errText.Text != i18n.T("dash.form.err.client-secret") {
				t.Fatalf("an empty secret was not refused in the dialog: %v, %q", f.secrets, od.errText.Text)
			}
			test.Type(od.entry, "  n3w-s3cr3t ")
			test.Tap(od.confirm)
			h.settle()
			if len(f.secrets) != 1 || f.secrets[0] != [2]string{"secret", "n3w-s3cr3t"} {
				t.Fatalf("SetClientSecret got %v", f.secrets)
			}
			if open := h.d.dlg == od; open != tt.wantOpen {
				t.Fatalf("dialog still open = %v", open)
			}
			if tt.wantOpen {
				if !od.errText.Visible() || od.errText.Text != i18n.T(tt.wantDialog) || od.confirm.Disabled() {
					t.Errorf("the dialog says %q (confirm disabled %v)", od.errText.Text, od.confirm.Disabled())
				}
				if IsWrongSecret(tt.err) && od.entry.Text != "" {
					t.Error("the refused secret stays in the entry")
				}
				return
			}
			want := i18n.Tf(tt.wantNotice, map[string]any{"Name": "Bloemist"})
			if h.d.notice.Text != want || (h.d.notice.Importance == widget.DangerImportance) != tt.wantBad {
				t.Errorf("notice = %q (%v), want %q", h.d.notice.Text, h.d.notice.Importance, want)
			}
			if strings.Contains(texts(h.d.win), "n3w-s3cr3t") {
				t.Error("the secret is shown after saving")
			}
		})
	}
}

// TestNeedsSecretInBothLanguages: the card and its dialog say what Exact
// refused in plain words, in Dutch as well.
func TestNeedsSecretInBothLanguages(t *testing.T) {
	words := map[string][3]string{ // card, button, dialog
		"en": {"Exact Online refused this app's client secret", "Enter the client secret again", "you do not have to log in again"},
		"nl": {"Exact Online weigerde de client-secret van deze app", "Client-secret opnieuw invoeren", "u hoeft niet opnieuw in te loggen"},
	}
	for lang, w := range words {
		t.Run(lang, func(t *testing.T) {
			f := inLanguage(newFake(), lang)
			f.statuses = connFixture()
			h := start(t, f, Options{})
			c := h.d.conns.cards["secret"]
			if !strings.Contains(c.problem.Text, w[0]) || c.secret.Text != w[1] {
				t.Fatalf("card says %q, button %q", c.problem.Text, c.secret.Text)
			}
			test.Tap(c.secret)
			if all := texts(h.d.win); !strings.Contains(all, w[2]) || !strings.Contains(all, "Bloemist") {
				t.Errorf("the dialog lacks %q:\n%s", w[2], all)
			}
		})
	}
}

// TestReconnectWithRefusedSecretAsksForIt: a reconnect whose stored secret
// Exact refuses asks for the secret at once.
func TestReconnectWithRefusedSecretAsksForIt(t *testing.T) {
	f := newFake()
	f.statuses = connFixture()
	h := start(t, f, Options{})
	test.Tap(h.d.conns.cards["dead"].reconnect)
	h.settle()
	f.login.finish(fmt.Errorf("Kapsalon: %w", &exact.Error{Outcome: exact.WrongSecret, Status: 400, Code: "invalid_client"}))
	h.loginEnded(t)
	if h.d.tabs == nil || h.d.notice.Text != i18n.T("dash.err.wrong-secret") {
		t.Fatalf("notice = %q", h.d.notice.Text)
	}
	if h.d.dlg == nil || h.d.dlg.entry == nil {
		t.Fatal("no dialog asking for the client secret")
	}
	test.Type(h.d.dlg.entry, "n3w")
	test.Tap(h.d.dlg.confirm)
	h.settle()
	if len(f.secrets) != 1 || f.secrets[0] != [2]string{"dead", "n3w"} {
		t.Errorf("SetClientSecret got %v", f.secrets)
	}
}

// TestReconnectOffersAnotherUserInDutch: the different-user sentence in
// Dutch.
func TestReconnectOffersAnotherUserInDutch(t *testing.T) {
	f := inLanguage(newFake(), "nl")
	f.statuses = connFixture()
	h := start(t, f, Options{Focus: "reconnect:dead"})
	if h.d.waiting == nil || !h.d.waiting.otherUser.Visible() || !strings.Contains(h.d.waiting.otherUser.Text, "als een andere Exact-gebruiker") {
		t.Fatal("the Dutch reconnect does not offer another Exact user")
	}
}
