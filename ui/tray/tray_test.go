package tray

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/assets"
	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/remind"
)

var now = time.Date(2026, 11, 29, 14, 0, 0, 0, time.UTC)

func inLanguage(t *testing.T, lang string) {
	t.Helper()
	i18n.SetLanguage(lang)
	t.Cleanup(func() { i18n.SetLanguage("") })
}

func conn(id, name, status string, mod func(*keeper.ConnStatus)) keeper.ConnStatus {
	c := keeper.ConnStatus{ID: id, Name: name, Status: status,
		LastRefresh: now.Add(-2 * time.Hour), LapsesAt: now.Add(-2*time.Hour + 720*time.Hour)}
	if mod != nil {
		mod(&c)
	}
	return c
}

func ok(name string) keeper.ConnStatus { return conn("c-"+name, name, keeper.StatusOK, nil) }

func TestStatusLine(t *testing.T) {
	const n = "Bakkerij De Jong"
	tests := []struct {
		name   string
		c      keeper.ConnStatus
		en, nl string
	}{
		{"ok hours", conn("a", n, keeper.StatusOK, nil),
			n + ": refreshed 2 hours ago", n + ": 2 uur geleden vernieuwd"},
		{"ok one hour", conn("a", n, keeper.StatusOK, func(c *keeper.ConnStatus) { c.LastRefresh = now.Add(-61 * time.Minute) }),
			n + ": refreshed 1 hour ago", n + ": 1 uur geleden vernieuwd"},
		{"ok seconds", conn("a", n, keeper.StatusOK, func(c *keeper.ConnStatus) { c.LastRefresh = now.Add(-30 * time.Second) }),
			n + ": refreshed just now", n + ": zojuist vernieuwd"},
		{"ok one minute", conn("a", n, keeper.StatusOK, func(c *keeper.ConnStatus) { c.LastRefresh = now.Add(-time.Minute) }),
			n + ": refreshed 1 minute ago", n + ": 1 minuut geleden vernieuwd"},
		{"ok minutes", conn("a", n, keeper.StatusOK, func(c *keeper.ConnStatus) { c.LastRefresh = now.Add(-59 * time.Minute) }),
			n + ": refreshed 59 minutes ago", n + ": 59 minuten geleden vernieuwd"},
		{"ok one day", conn("a", n, keeper.StatusOK, func(c *keeper.ConnStatus) { c.LastRefresh = now.Add(-25 * time.Hour) }),
			n + ": refreshed 1 day ago", n + ": 1 dag geleden vernieuwd"},
		{"ok days", conn("a", n, keeper.StatusOK, func(c *keeper.ConnStatus) { c.LastRefresh = now.Add(-75 * time.Hour) }),
			n + ": refreshed 3 days ago", n + ": 3 dagen geleden vernieuwd"},
		{"ok clock set back", conn("a", n, keeper.StatusOK, func(c *keeper.ConnStatus) { c.LastRefresh = now.Add(time.Hour) }),
			n + ": refreshed just now", n + ": zojuist vernieuwd"},
		{"ok never refreshed", conn("a", n, keeper.StatusOK, func(c *keeper.ConnStatus) { c.LastRefresh = time.Time{} }),
			n + ": not refreshed yet", n + ": nog niet vernieuwd"},
		{"paused by the error budget", conn("a", n, keeper.StatusPaused, nil),
			n + ": paused to stay within Exact's limits", n + ": gepauzeerd binnen de limieten van Exact"},
		{"new", conn("a", n, keeper.StatusNew, nil),
			n + ": not refreshed yet", n + ": nog niet vernieuwd"},
		{"failing for hours", conn("a", n, keeper.StatusFailing, func(c *keeper.ConnStatus) { c.FailingSince = now.Add(-5*time.Hour - 3*time.Minute) }),
			n + ": refresh failing for 5 hours", n + ": vernieuwen mislukt, al 5 uur"},
		{"failing for days", conn("a", n, keeper.StatusFailing, func(c *keeper.ConnStatus) { c.FailingSince = now.Add(-49 * time.Hour) }),
			n + ": refresh failing for 2 days", n + ": vernieuwen mislukt, al 2 dagen"},
		{"failing just started", conn("a", n, keeper.StatusFailing, func(c *keeper.ConnStatus) { c.FailingSince = now.Add(-10 * time.Second) }),
			n + ": refresh failing", n + ": vernieuwen mislukt"},
		{"failing since unknown", conn("a", n, keeper.StatusFailing, nil),
			n + ": refresh failing", n + ": vernieuwen mislukt"},
		{"needs reconnect", conn("a", n, keeper.StatusNeedsReconnect, nil),
			n + ": needs a new login", n + ": opnieuw inloggen nodig"},
		{"lapsed while ok", conn("a", n, keeper.StatusOK, func(c *keeper.ConnStatus) { c.LapsesAt = now.Add(-time.Minute) }),
			n + ": lapsed on 2026-11-29, log in again", n + ": verlopen op 29-11-2026, log opnieuw in"},
		{"lapsed while failing", conn("a", n, keeper.StatusFailing, func(c *keeper.ConnStatus) { c.LapsesAt = now }),
			n + ": lapsed on 2026-11-29, log in again", n + ": verlopen op 29-11-2026, log opnieuw in"},
		// 40 days after the lapse, the PC was off: say when it lapsed.
		{"lapsed long ago", conn("a", n, keeper.StatusOK, func(c *keeper.ConnStatus) { c.LapsesAt = now.Add(-40 * 24 * time.Hour) }),
			n + ": lapsed on 2026-10-20, log in again", n + ": verlopen op 20-10-2026, log opnieuw in"},
		// Was "status unknown": the states this version knows all have words.
		{"client secret refused", conn("a", n, keeper.StatusNeedsAttention, func(c *keeper.ConnStatus) { c.Attention = keeper.AttentionSecret }),
			n + ": client secret refused", n + ": client secret geweigerd"},
		{"API refused", conn("a", n, keeper.StatusNeedsAttention, func(c *keeper.ConnStatus) { c.Attention = keeper.AttentionAPI }),
			n + ": Exact refuses the API calls", n + ": Exact weigert de API-aanroepen"},
		{"ok, lapse near", conn("a", n, keeper.StatusOK, func(c *keeper.ConnStatus) {
			c.LastRefresh, c.LapsesAt = now.Add(-28*24*time.Hour), now.Add(2*24*time.Hour)
		}), n + ": not refreshed for 28 days, lapses in 2 days", n + ": al 28 dagen niet vernieuwd, verloopt over 2 dagen"},
		{"unknown status", conn("a", n, "from-the-future", nil),
			n + ": status unknown", n + ": status onbekend"},
		{"no name", conn("conn-7", "", keeper.StatusNew, nil),
			"conn-7: not refreshed yet", "conn-7: nog niet vernieuwd"},
	}
	for _, lang := range []string{"en", "nl"} {
		inLanguage(t, lang)
		for _, tt := range tests {
			want := tt.en
			if lang == "nl" {
				want = tt.nl
			}
			if got := StatusLine(tt.c, now); got != want {
				t.Errorf("[%s] %s: got %q, want %q", lang, tt.name, got, want)
			}
		}
	}
}

func reminder(kind, subject, name, threshold string, days int) remind.Reminder {
	return remind.Reminder{Key: kind + ":" + subject + ":" + threshold, Kind: kind, SubjectID: subject,
		SubjectName: name, Threshold: threshold, DaysLeft: days, Severity: remind.Warning}
}

func TestStateOf(t *testing.T) {
	lapse := reminder(remind.KindRefreshToken, "c-A", "A", "3d", 3)
	tests := []struct {
		name  string
		conns []keeper.ConnStatus
		due   []remind.Reminder
		want  State
	}{
		{"nothing set up", nil, nil, StateAttention},
		{"all ok", []keeper.ConnStatus{ok("A"), conn("b", "B", keeper.StatusNew, nil)}, nil, StateOK},
		{"failing", []keeper.ConnStatus{ok("A"), conn("b", "B", keeper.StatusFailing, nil)}, nil, StateAttention},
		{"unknown status", []keeper.ConnStatus{conn("b", "B", "mystery", nil)}, nil, StateAttention},
		{"reminder due", []keeper.ConnStatus{ok("A")}, []remind.Reminder{lapse}, StateAttention},
		{"delegation ended", []keeper.ConnStatus{ok("A")}, []remind.Reminder{reminder(remind.KindDelegation, "d1", "X → Y", remind.ThresholdEnded, -1)}, StateAttention},
		{"needs reconnect", []keeper.ConnStatus{ok("A"), conn("b", "B", keeper.StatusNeedsReconnect, nil)}, nil, StateAction},
		{"needs reconnect beats failing", []keeper.ConnStatus{conn("b", "B", keeper.StatusNeedsReconnect, nil), conn("c", "C", keeper.StatusFailing, nil)}, nil, StateAction},
		{"lapsed", []keeper.ConnStatus{conn("b", "B", keeper.StatusOK, func(c *keeper.ConnStatus) { c.LapsesAt = now.Add(-time.Second) })}, nil, StateAction},
		{"lapsed reminder", []keeper.ConnStatus{ok("A")}, []remind.Reminder{reminder(remind.KindRefreshToken, "c-A", "A", remind.ThresholdLapsed, 0)}, StateAction},
		{"reconnect reminder", []keeper.ConnStatus{ok("A")}, []remind.Reminder{reminder(remind.KindReconnect, "c-A", "A", remind.ThresholdReconnect, 0)}, StateAction},
		{"paused", []keeper.ConnStatus{ok("A"), conn("b", "B", keeper.StatusPaused, nil)}, nil, StateAttention},
		{"secret refused", []keeper.ConnStatus{conn("b", "B", keeper.StatusNeedsAttention, func(c *keeper.ConnStatus) { c.Attention = keeper.AttentionSecret })}, nil, StateAttention},
		// Recorded ok, but not refreshed for 29 days: not "all connections are fine".
		{"ok, lapse today", []keeper.ConnStatus{conn("b", "B", keeper.StatusOK, func(c *keeper.ConnStatus) { c.LapsesAt = now.Add(time.Hour) })}, nil, StateAttention},
		{"reconnect reminder, no connections listed", nil, []remind.Reminder{reminder(remind.KindReconnect, "c-A", "A", remind.ThresholdReconnect, 0)}, StateAction},
	}
	for _, tt := range tests {
		if got := StateOf(tt.conns, tt.due, now); got != tt.want {
			t.Errorf("%s: StateOf = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestMenu(t *testing.T) {
	conns := []keeper.ConnStatus{
		ok("Bakkerij De Jong"),
		conn("c-F", "Fietsen Jansen", keeper.StatusNeedsReconnect, nil),
	}
	due := []remind.Reminder{
		reminder(remind.KindReconnect, "c-F", "Fietsen Jansen", remind.ThresholdReconnect, 0), // covered by Reconnect
		reminder(remind.KindRefreshToken, "c-Bakkerij De Jong", "Bakkerij De Jong", "3d", 3),
		reminder(remind.KindDelegation, "d1", "Yuki → Accountant", "1d", 1),
		reminder(remind.KindDelegation, "d2", "Basecone → Kantoor", remind.ThresholdToday, 0),
		reminder(remind.KindDelegation, "d3", "Twinfield → Kantoor", remind.ThresholdEnded, -2),
	}
	tests := []struct {
		lang string
		want []Item
	}{
		{"en", []Item{
			{"status:c-Bakkerij De Jong", "Bakkerij De Jong: refreshed 2 hours ago", true},
			{"status:c-F", "Fietsen Jansen: needs a new login", true},
			{Separator, "", false},
			{"reconnect:c-F", "Reconnect Fietsen Jansen…", false},
			{"reminder:refresh-token:c-Bakkerij De Jong:3d", "Bakkerij De Jong: login lapses in 3 days", false},
			{"reminder:delegation:d1:1d", "Yuki → Accountant: delegation ends tomorrow", false},
			{"reminder:delegation:d2:today", "Basecone → Kantoor: delegation ends today", false},
			{"reminder:delegation:d3:ended", "Twinfield → Kantoor: delegation ended", false},
			{Separator, "", false},
			{IDRefresh, "Refresh now", false},
			{IDHelp, "Help", false},
			{IDOpen, "Open Exact Keeper", false},
			{IDQuit, "Quit", false},
		}},
		{"nl", []Item{
			{"status:c-Bakkerij De Jong", "Bakkerij De Jong: 2 uur geleden vernieuwd", true},
			{"status:c-F", "Fietsen Jansen: opnieuw inloggen nodig", true},
			{Separator, "", false},
			{"reconnect:c-F", "Opnieuw verbinden met Fietsen Jansen…", false},
			{"reminder:refresh-token:c-Bakkerij De Jong:3d", "Bakkerij De Jong: koppeling verloopt over 3 dagen", false},
			{"reminder:delegation:d1:1d", "Yuki → Accountant: machtiging loopt morgen af", false},
			{"reminder:delegation:d2:today", "Basecone → Kantoor: machtiging loopt vandaag af", false},
			{"reminder:delegation:d3:ended", "Twinfield → Kantoor: machtiging afgelopen", false},
			{Separator, "", false},
			{IDRefresh, "Nu vernieuwen", false},
			{IDHelp, "Hulp", false},
			{IDOpen, "Exact Keeper openen", false},
			{IDQuit, "Afsluiten", false},
		}},
	}
	for _, tt := range tests {
		inLanguage(t, tt.lang)
		if got := Menu(conns, due, now); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("[%s] Menu =\n%v\nwant\n%v", tt.lang, got, tt.want)
		}
	}
}

func TestMenuWithoutConnections(t *testing.T) {
	inLanguage(t, "nl")
	want := []Item{
		{PrefixStatus, "Nog geen koppeling", true},
		{Separator, "", false},
		{IDRefresh, "Nu vernieuwen", true},
		{IDHelp, "Hulp", false},
		{IDOpen, "Exact Keeper openen", false},
		{IDQuit, "Afsluiten", false},
	}
	if got := Menu(nil, nil, now); !reflect.DeepEqual(got, want) {
		t.Errorf("Menu = %v, want %v", got, want)
	}
}

// TestRefreshNowOnlyWhenItCanDoSomething: seen, "Refresh now" enabled
// while every connection needed a new login.
func TestRefreshNowOnlyWhenItCanDoSomething(t *testing.T) {
	inLanguage(t, "en")
	reconnect := conn("c-F", "F", keeper.StatusNeedsReconnect, nil)
	lapsed := conn("c-L", "L", keeper.StatusOK, func(c *keeper.ConnStatus) { c.LapsesAt = now.Add(-time.Hour) })
	secret := conn("c-S", "S", keeper.StatusNeedsAttention, func(c *keeper.ConnStatus) { c.Attention = keeper.AttentionSecret })
	tests := []struct {
		name     string
		conns    []keeper.ConnStatus
		disabled bool
	}{
		{"none", nil, true},
		{"only new logins help", []keeper.ConnStatus{reconnect, lapsed, secret}, true},
		{"one can refresh", []keeper.ConnStatus{reconnect, ok("A")}, false},
		{"paused: the owner may still try", []keeper.ConnStatus{conn("c-P", "P", keeper.StatusPaused, nil)}, false},
	}
	for _, tt := range tests {
		var refresh *Item
		items := Menu(tt.conns, nil, now)
		for i := range items {
			if items[i].ID == IDRefresh {
				refresh = &items[i]
			}
		}
		if refresh == nil || refresh.Disabled != tt.disabled {
			t.Errorf("%s: Refresh now = %+v, want disabled %v", tt.name, refresh, tt.disabled)
		}
	}
	// Every connection that needs a login has its Reconnect item.
	items := Menu([]keeper.ConnStatus{reconnect, lapsed}, nil, now)
	for _, id := range []string{PrefixReconnect + "c-F", PrefixReconnect + "c-L"} {
		if !slices.ContainsFunc(items, func(it Item) bool { return it.ID == id }) {
			t.Errorf("no %s in %v", id, items)
		}
	}
}

func TestReminderLabelOtherKinds(t *testing.T) {
	inLanguage(t, "en")
	tests := []struct {
		r    remind.Reminder
		want string
	}{
		{reminder(remind.KindRefreshToken, "c", "A", remind.ThresholdLapsed, -1), "A: login lapsed"},
		{reminder(remind.KindRefreshToken, "c", "A", "1d", 1), "A: login lapses tomorrow"},
		{reminder(remind.KindReconnect, "c", "A", remind.ThresholdReconnect, 0), "A: log in again"},
		{reminder("something-new", "c", "A", "x", 0), "A"},
	}
	for _, tt := range tests {
		if got := ReminderLabel(tt.r); got != tt.want {
			t.Errorf("ReminderLabel(%s) = %q, want %q", tt.r.Key, got, tt.want)
		}
	}
}

func TestSplitID(t *testing.T) {
	tests := []struct{ id, action, arg string }{
		{"reconnect:c-1", "reconnect", "c-1"},
		{"reminder:delegation:d1:1d", "reminder", "delegation:d1:1d"},
		{"status:", "status", ""},
		{IDQuit, "quit", ""},
	}
	for _, tt := range tests {
		if a, g := SplitID(tt.id); a != tt.action || g != tt.arg {
			t.Errorf("SplitID(%q) = %q, %q; want %q, %q", tt.id, a, g, tt.action, tt.arg)
		}
	}
}

// fakeHost records what the Tray pushes.
type fakeHost struct {
	icons    [][]byte
	tooltips []string
	menus    [][]Item
	clicks   chan string
}

func (f *fakeHost) SetIcon(b []byte)       { f.icons = append(f.icons, b) }
func (f *fakeHost) SetTooltip(s string)    { f.tooltips = append(f.tooltips, s) }
func (f *fakeHost) SetItems(items []Item)  { f.menus = append(f.menus, items) }
func (f *fakeHost) Clicked() <-chan string { return f.clicks }
func (f *fakeHost) calls() (int, int, int) { return len(f.icons), len(f.tooltips), len(f.menus) }
func (f *fakeHost) lastIcon() []byte       { return f.icons[len(f.icons)-1] }
func (f *fakeHost) lastTooltip() string    { return f.tooltips[len(f.tooltips)-1] }
func (f *fakeHost) lastMenu() []Item       { return f.menus[len(f.menus)-1] }
func counts(i, tt, m int) [3]int           { return [3]int{i, tt, m} }
func got(f *fakeHost) [3]int               { i, t, m := f.calls(); return counts(i, t, m) }

func TestTrayUpdatesOnlyWhatChanged(t *testing.T) {
	inLanguage(t, "en")
	f := &fakeHost{clicks: make(chan string)}
	tr := New(f, Options{Dark: true})

	conns := []keeper.ConnStatus{ok("A")}
	tr.Update(conns, nil, now)
	if got(f) != counts(1, 1, 1) {
		t.Fatalf("first update: calls %v, want one of each", got(f))
	}
	if !bytes.Equal(f.lastIcon(), assets.Icon("ok", true)) {
		t.Error("first icon is not the dark-bar ok icon")
	}
	if f.lastTooltip() != "Exact Keeper: all connections are fine" {
		t.Errorf("tooltip = %q", f.lastTooltip())
	}

	tr.Update(conns, nil, now.Add(10*time.Second))
	if got(f) != counts(1, 1, 1) {
		t.Errorf("same state: calls %v, want no new calls", got(f))
	}

	tr.Update(conns, nil, now.Add(time.Hour)) // "2 hours ago" becomes "3 hours ago"
	if got(f) != counts(1, 1, 2) {
		t.Errorf("only the status line changed: calls %v, want a new menu only", got(f))
	}
	if l := f.lastMenu()[0].Label; l != "A: refreshed 3 hours ago" {
		t.Errorf("status line = %q", l)
	}

	conns[0].Status = keeper.StatusNeedsReconnect
	tr.Update(conns, nil, now.Add(time.Hour))
	if got(f) != counts(2, 2, 3) {
		t.Errorf("needs reconnect: calls %v, want icon, tooltip and menu", got(f))
	}
	if !bytes.Equal(f.lastIcon(), assets.Icon("action", true)) {
		t.Error("icon is not the action icon")
	}
	if f.lastTooltip() != "Exact Keeper: action needed" {
		t.Errorf("tooltip = %q", f.lastTooltip())
	}
}

func TestTrayTemplateIconsAndSetupTooltip(t *testing.T) {
	inLanguage(t, "nl")
	f := &fakeHost{}
	New(f, Options{Template: true}).Update(nil, nil, now)
	if !bytes.Equal(f.lastIcon(), assets.TemplateIcon("attention")) {
		t.Error("with Template the icon should be the attention template icon")
	}
	if f.lastTooltip() != "Exact Keeper: nog geen koppeling" {
		t.Errorf("tooltip = %q", f.lastTooltip())
	}
}

// TestTrayICOOnWindows: with ICO (the Windows default) the host gets the
// ICO of the state, never PNG bytes, which Windows' tray cannot show.
func TestTrayICOOnWindows(t *testing.T) {
	f := &fakeHost{}
	tr := New(f, Options{Dark: true, ICO: true})
	tr.Update([]keeper.ConnStatus{ok("A")}, nil, now)
	if !bytes.Equal(f.lastIcon(), assets.IconICO("ok", true)) {
		t.Fatal("with ICO the icon should be the ok ICO file")
	}
	if bytes.HasPrefix(f.lastIcon(), []byte("\x89PNG")) {
		t.Error("PNG bytes handed to the host in ICO mode")
	}
}

func TestTrayFollowsLanguage(t *testing.T) {
	f := &fakeHost{}
	tr := New(f, Options{})
	inLanguage(t, "en")
	tr.Update([]keeper.ConnStatus{ok("A")}, nil, now)
	i18n.SetLanguage("nl")
	tr.Update([]keeper.ConnStatus{ok("A")}, nil, now)
	if got(f) != counts(1, 2, 2) {
		t.Fatalf("language switch: calls %v, want new tooltip and menu", got(f))
	}
	if l := f.lastMenu()[len(f.lastMenu())-1].Label; l != "Afsluiten" {
		t.Errorf("last item = %q, want Afsluiten", l)
	}
}

// TestMenuAtScale: 500 connections, 50 of them needing a new login, give a
// menu of a fixed, short length (issue 13: it had 555 items), counting the
// connections per level, with every lost login reachable through a
// Reconnect item or the "more" line, and Open and Quit still last.
func TestMenuAtScale(t *testing.T) {
	var conns []keeper.ConnStatus
	var due []remind.Reminder
	needLogin := map[string]bool{}
	for i := range 500 {
		id := fmt.Sprintf("c-%03d", i)
		name := fmt.Sprintf("Klant %03d", i)
		switch {
		case i < 50:
			conns = append(conns, conn(id, name, keeper.StatusNeedsReconnect, nil))
			due = append(due, reminder(remind.KindReconnect, id, name, remind.ThresholdReconnect, 0))
			needLogin[id] = true
		case i < 53:
			conns = append(conns, conn(id, name, keeper.StatusFailing, nil))
		case i < 55:
			conns = append(conns, conn(id, name, keeper.StatusOK, func(c *keeper.ConnStatus) { c.LapsesAt = now.Add(72 * time.Hour) }))
			due = append(due, reminder(remind.KindRefreshToken, id, name, "3d", 3))
		default:
			conns = append(conns, conn(id, name, keeper.StatusOK, nil))
		}
	}
	tests := []struct {
		lang    string
		summary []string
		more    string
	}{
		{"en", []string{"50 connections need a new login", "3 connections need your attention", "2 connections lapse soon", "445 connections are fine"},
			"… and 45 more: open Exact Keeper"},
		{"nl", []string{"50 koppelingen: opnieuw inloggen nodig", "3 koppelingen vragen uw aandacht", "2 koppelingen verlopen binnenkort", "445 koppelingen in orde"},
			"… en nog 45: Exact Keeper openen"},
	}
	for _, tt := range tests {
		inLanguage(t, tt.lang)
		items := Menu(conns, due, now)
		// 4 summaries, separator, MaxTodo to-do items, separator, 4 fixed.
		if want := 4 + 1 + MaxTodo + 1 + 4; len(items) != want {
			t.Fatalf("[%s] %d items, want %d: %v", tt.lang, len(items), want, items)
		}
		if len(items) > MaxItems {
			t.Errorf("[%s] %d items exceed MaxItems %d", tt.lang, len(items), MaxItems)
		}
		for i, want := range tt.summary {
			if items[i].Label != want || !items[i].Disabled {
				t.Errorf("[%s] line %d = %+v, want disabled %q", tt.lang, i, items[i], want)
			}
		}
		if items[len(items)-2].ID != IDOpen || items[len(items)-1].ID != IDQuit {
			t.Errorf("[%s] menu does not end in Open, Quit: %v", tt.lang, items[len(items)-2:])
		}
		reachable := 0
		var more *Item
		for i, it := range items {
			action, arg := SplitID(it.ID)
			if action+":" == PrefixReconnect && needLogin[arg] {
				reachable++
			}
			if it.ID == IDMore {
				more = &items[i]
			}
		}
		if more == nil {
			t.Fatalf("[%s] no \"more\" item though %d logins are lost", tt.lang, len(needLogin))
		}
		if more.Label != tt.more || more.Disabled {
			t.Errorf("[%s] more = %+v, want enabled %q", tt.lang, *more, tt.more)
		}
		// The "more" line counts exactly what the menu left out: the lost
		// logins without an item plus the 2 lapse reminders.
		if hidden := len(needLogin) - reachable + 2; !strings.Contains(more.Label, fmt.Sprint(hidden)) {
			t.Errorf("[%s] %q does not count the %d items left out", tt.lang, more.Label, hidden)
		}
		if reachable != MaxTodo-1 {
			t.Errorf("[%s] %d Reconnect items, want %d (lost logins first)", tt.lang, reachable, MaxTodo-1)
		}
	}
}

// TestMenuBoundAtEveryCount: the menu never grows past MaxItems, whatever
// the number of connections, and small menus keep a line per connection.
func TestMenuBoundAtEveryCount(t *testing.T) {
	inLanguage(t, "en")
	for _, n := range []int{1, MaxStatusLines, MaxStatusLines + 1, 50, 500} {
		var conns []keeper.ConnStatus
		for i := range n {
			conns = append(conns, conn(fmt.Sprint(i), fmt.Sprint("K", i), keeper.StatusNeedsReconnect, nil))
		}
		items := Menu(conns, nil, now)
		if len(items) > MaxItems {
			t.Errorf("%d connections: %d items > %d", n, len(items), MaxItems)
		}
		statusLines := 0
		for _, it := range items {
			if strings.HasPrefix(it.ID, PrefixStatus) && it.ID != PrefixStatus {
				statusLines++
			}
		}
		want := n
		if n > MaxStatusLines {
			want = 0 // a summary instead
		}
		if statusLines != want {
			t.Errorf("%d connections: %d status lines, want %d", n, statusLines, want)
		}
	}
}
