package notify

import (
	"testing"
	"time"

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

func rem(kind, name, threshold string, days int) remind.Reminder {
	return remind.Reminder{Key: kind + ":x:" + threshold, Kind: kind, SubjectID: "x", SubjectName: name,
		Threshold: threshold, DaysLeft: days, Deadline: time.Date(2026, 12, 2, 14, 0, 0, 0, time.UTC)}
}

type msg struct{ title, body string }

func TestForReminder(t *testing.T) {
	const b = "Bakkerij De Jong"
	const d = "Yuki → Kantoor Visser"
	tests := []struct {
		r      remind.Reminder
		en, nl msg
	}{
		{rem(remind.KindRefreshToken, b, "3d", 3),
			msg{b + ": the Exact Online login lapses in 3 days", "The login lapses on 2026-12-02 unless Exact Keeper can refresh it first. Leave this PC on with Exact Keeper running, or open Exact Keeper and click Reconnect."},
			msg{b + ": de koppeling met Exact Online verloopt over 3 dagen", "De koppeling verloopt op 02-12-2026, tenzij Exact Keeper haar eerder vernieuwt. Laat deze pc aan staan met Exact Keeper actief, of open Exact Keeper en klik op \"Opnieuw verbinden\"."}},
		{rem(remind.KindRefreshToken, b, "1d", 1),
			msg{b + ": the Exact Online login lapses tomorrow", "The login lapses on 2026-12-02 unless Exact Keeper can refresh it first. Leave this PC on with Exact Keeper running, or open Exact Keeper and click Reconnect."},
			msg{b + ": de koppeling met Exact Online verloopt morgen", "De koppeling verloopt op 02-12-2026, tenzij Exact Keeper haar eerder vernieuwt. Laat deze pc aan staan met Exact Keeper actief, of open Exact Keeper en klik op \"Opnieuw verbinden\"."}},
		{rem(remind.KindRefreshToken, b, remind.ThresholdLapsed, 0),
			msg{b + ": the Exact Online login has lapsed", "The login lapsed on 2026-12-02, so your other programs cannot reach Exact. Open Exact Keeper and click Reconnect."},
			msg{b + ": de koppeling met Exact Online is verlopen", "De koppeling is verlopen op 02-12-2026, dus kunnen uw andere programma's Exact niet bereiken. Open Exact Keeper en klik op \"Opnieuw verbinden\"."}},
		{rem(remind.KindReconnect, b, remind.ThresholdReconnect, 3),
			msg{b + ": log in to Exact Online again", "Exact Online no longer accepts this connection's login, so your other programs cannot reach Exact. Open Exact Keeper and click Reconnect."},
			msg{b + ": log opnieuw in bij Exact Online", "Exact Online accepteert deze koppeling niet meer, dus kunnen uw andere programma's Exact niet bereiken. Open Exact Keeper en klik op \"Opnieuw verbinden\"."}},
		{rem(remind.KindDelegation, d, "14d", 14),
			msg{"Delegation " + d + " ends in 14 days", "The delegation ends on 2026-12-02. Renew the access on the platform, then open Exact Keeper and choose \"Mark as renewed…\" at the delegation."},
			msg{"Machtiging " + d + " loopt over 14 dagen af", "De machtiging loopt af op 02-12-2026. Verleng de toegang op het platform, open dan Exact Keeper en kies bij de machtiging \"Markeren als verlengd…\"."}},
		{rem(remind.KindDelegation, d, remind.ThresholdToday, 0),
			msg{"Delegation " + d + " ends today", "The delegation ends on 2026-12-02. Renew the access on the platform, then open Exact Keeper and choose \"Mark as renewed…\" at the delegation."},
			msg{"Machtiging " + d + " loopt vandaag af", "De machtiging loopt af op 02-12-2026. Verleng de toegang op het platform, open dan Exact Keeper en kies bij de machtiging \"Markeren als verlengd…\"."}},
		{rem(remind.KindDelegation, d, remind.ThresholdEnded, -1),
			msg{"Delegation " + d + " has ended", "The delegation ended on 2026-12-02. Renew the access on the platform, then open Exact Keeper and choose \"Mark as renewed…\" at the delegation."},
			msg{"Machtiging " + d + " is afgelopen", "De machtiging is afgelopen op 02-12-2026. Verleng de toegang op het platform, open dan Exact Keeper en kies bij de machtiging \"Markeren als verlengd…\"."}},
		{rem("from-the-future", b, "x", 2),
			msg{b, "Open Exact Keeper to see what needs doing."},
			msg{b, "Open Exact Keeper om te zien wat er moet gebeuren."}},
	}
	for _, lang := range []string{"en", "nl"} {
		inLanguage(t, lang)
		for _, tt := range tests {
			want := tt.en
			if lang == "nl" {
				want = tt.nl
			}
			title, body := ForReminder(tt.r)
			if (msg{title, body}) != want {
				t.Errorf("[%s] %s:\n got %q / %q\nwant %q / %q", lang, tt.r.Key, title, body, want.title, want.body)
			}
		}
	}
}

func TestForEvent(t *testing.T) {
	inLanguage(t, "nl")
	ev := func(kind keeper.EventKind, status, name string) keeper.Event {
		return keeper.Event{Time: now, Kind: kind, ConnectionID: "c1", Connection: name, Status: status}
	}
	tests := []struct {
		name  string
		e     keeper.Event
		ok    bool
		title string
	}{
		{"state changed to needs reconnect", ev(keeper.EventStateChanged, keeper.StatusNeedsReconnect, "Bakkerij"), true, "Bakkerij: log opnieuw in bij Exact Online"},
		{"failed with needs reconnect", ev(keeper.EventFailed, keeper.StatusNeedsReconnect, "Bakkerij"), true, "Bakkerij: log opnieuw in bij Exact Online"},
		{"no name uses the ID", ev(keeper.EventStateChanged, keeper.StatusNeedsReconnect, ""), true, "c1: log opnieuw in bij Exact Online"},
		{"transient failure", ev(keeper.EventFailed, keeper.StatusFailing, "Bakkerij"), false, ""},
		{"back to ok", ev(keeper.EventStateChanged, keeper.StatusOK, "Bakkerij"), false, ""},
		{"refreshed", ev(keeper.EventRefreshed, keeper.StatusOK, "Bakkerij"), false, ""},
		{"config changed", ev(keeper.EventConfigChanged, keeper.StatusNeedsReconnect, "Bakkerij"), false, ""},
	}
	for _, tt := range tests {
		title, body, ok := ForEvent(tt.e)
		if ok != tt.ok || title != tt.title {
			t.Errorf("%s: got %q, %v; want %q, %v", tt.name, title, ok, tt.title, tt.ok)
		}
		if ok && body != "Exact Online accepteert deze koppeling niet meer, dus kunnen uw andere programma's Exact niet bereiken. Open Exact Keeper en klik op \"Opnieuw verbinden\"." {
			t.Errorf("%s: body %q", tt.name, body)
		}
	}
}

func TestForFailing(t *testing.T) {
	failing := func(since time.Duration, status string) keeper.ConnStatus {
		c := keeper.ConnStatus{ID: "c1", Name: "Bakkerij", Status: status}
		if since > 0 {
			c.FailingSince = now.Add(-since)
		}
		return c
	}
	tests := []struct {
		name   string
		c      keeper.ConnStatus
		ok     bool
		en, nl string
	}{
		{"a day", failing(25*time.Hour, keeper.StatusFailing), true,
			"Bakkerij: refreshing has failed for 1 day", "Bakkerij: vernieuwen mislukt al 1 dag"},
		{"three days", failing(72*time.Hour, keeper.StatusFailing), true,
			"Bakkerij: refreshing has failed for 3 days", "Bakkerij: vernieuwen mislukt al 3 dagen"},
		{"just under a day", failing(23*time.Hour, keeper.StatusFailing), false, "", ""},
		{"since unknown", failing(0, keeper.StatusFailing), false, "", ""},
		{"not failing any more", failing(48*time.Hour, keeper.StatusOK), false, "", ""},
	}
	for _, lang := range []string{"en", "nl"} {
		inLanguage(t, lang)
		for _, tt := range tests {
			want := tt.en
			if lang == "nl" {
				want = tt.nl
			}
			title, body, ok := ForFailing(tt.c, now)
			if ok != tt.ok || title != want {
				t.Errorf("[%s] %s: got %q, %v; want %q, %v", lang, tt.name, title, ok, want, tt.ok)
			}
			if ok && body != i18n.T("notify.failing.body") {
				t.Errorf("[%s] %s: body %q", lang, tt.name, body)
			}
		}
	}
}
