package present

import (
	"strings"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/keeper"
)

// now is a Sunday afternoon; dates are shown in its zone (UTC here).
var now = time.Date(2026, 11, 29, 14, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

func inLanguage(t *testing.T, lang string) {
	t.Helper()
	i18n.SetLanguage(lang)
	t.Cleanup(func() { i18n.SetLanguage("") })
}

// conn is a connection refreshed `ago` before now with a 30-day lifetime.
func conn(status string, ago time.Duration, mod func(*keeper.ConnStatus)) keeper.ConnStatus {
	c := keeper.ConnStatus{ID: "c1", Name: "Bakkerij", Status: status,
		LastRefresh: now.Add(-ago), LapsesAt: now.Add(-ago + 30*day)}
	if mod != nil {
		mod(&c)
	}
	return c
}

func TestConnection(t *testing.T) {
	tests := []struct {
		name       string
		c          keeper.ConnStatus
		state      string
		level      Level
		exit       int
		canRefresh bool
		// Exact texts in both languages: the headline and the lapse line.
		en, nl           string
		enLapse, nlLapse string
	}{
		{"ok", conn(OK, 2*time.Hour, nil), OK, Fine, 0, true,
			"All well: kept alive", "Alles in orde: wordt actief gehouden",
			"Login lapses on 2026-12-29 at 12:00 (in 30 days) unless it is refreshed before",
			"De koppeling verloopt op 29-12-2026 om 12:00 (over 30 dagen), tenzij Exact Keeper haar eerder vernieuwt"},
		// Seen: "All well: kept alive" in green above a red "Login lapses
		// today unless…". The headline now says why, and is as serious as
		// the lapse line.
		{"ok but lapses today", conn(OK, 30*day-3*time.Hour, nil), OK, Notice, 0, true,
			"Not refreshed for 29 days: the login lapses today unless Exact Keeper refreshes it first. Keep Exact Keeper running on this PC.",
			"Al 29 dagen niet vernieuwd: de koppeling verloopt vandaag, tenzij Exact Keeper haar eerder vernieuwt. Laat Exact Keeper op deze pc draaien.",
			"Login lapses today at 17:00 unless it is refreshed before",
			"De koppeling verloopt vandaag om 17:00, tenzij Exact Keeper haar eerder vernieuwt"},
		// Seen: "ok" and a red card "lapses … (today)" after the lapse.
		{"ok past the lapse", conn(OK, 30*day+time.Hour, nil), Lapsed, Action, 3, false,
			"The connection lapsed on 2026-11-29 while this PC was off or Exact Keeper was not running; log in again",
			"De koppeling is op 29-11-2026 verlopen terwijl deze pc uit stond of Exact Keeper niet draaide; log opnieuw in",
			"Login lapsed today at 13:00 (1 hour ago)", "Koppeling verlopen vandaag om 13:00 (1 uur geleden)"},
		// Lapsed while the PC was off: 40 days without a refresh.
		{"lapsed while off", conn(OK, 70*day, nil), Lapsed, Action, 3, false,
			"The connection lapsed on 2026-10-20 while this PC was off or Exact Keeper was not running; log in again",
			"De koppeling is op 20-10-2026 verlopen terwijl deze pc uit stond of Exact Keeper niet draaide; log opnieuw in",
			"Login lapsed on 2026-10-20 at 14:00 (40 days ago)", "Koppeling verlopen op 20-10-2026 om 14:00 (40 dagen geleden)"},
		// The keeper started after the lapse and Exact said so: still the
		// lapse is the reason the owner must hear.
		{"reconnect after the lapse", conn(keeper.StatusNeedsReconnect, 40*day, func(c *keeper.ConnStatus) { c.FailingSince = now.Add(-time.Minute) }),
			Lapsed, Action, 3, false,
			"The connection lapsed on 2026-11-19 while this PC was off or Exact Keeper was not running; log in again",
			"De koppeling is op 19-11-2026 verlopen terwijl deze pc uit stond of Exact Keeper niet draaide; log opnieuw in",
			"Login lapsed on 2026-11-19 at 14:00 (10 days ago)", "Koppeling verlopen op 19-11-2026 om 14:00 (10 dagen geleden)"},
		{"lapsed while failing", conn(keeper.StatusFailing, 31*day, func(c *keeper.ConnStatus) { c.FailingSince = now.Add(-20 * day) }),
			Lapsed, Action, 3, false,
			"The connection lapsed on 2026-11-28: refreshing had failed since 2026-11-09; log in again",
			"De koppeling is op 28-11-2026 verlopen: vernieuwen mislukte al sinds 09-11-2026; log opnieuw in",
			"Login lapsed on 2026-11-28 at 14:00 (1 day ago)", "Koppeling verlopen op 28-11-2026 om 14:00 (1 dag geleden)"},
		{"needs reconnect", conn(keeper.StatusNeedsReconnect, 2*day, nil), NeedsReconnect, Action, 3, false,
			"Exact Online no longer accepts this login; log in again", "Exact Online accepteert deze koppeling niet meer; log opnieuw in",
			"", ""},
		{"secret refused", conn(keeper.StatusNeedsAttention, 2*day, func(c *keeper.ConnStatus) { c.Attention = keeper.AttentionSecret }),
			NeedsAttention, Attention, 4, false,
			"Exact Online refused the client secret; enter it again", "Exact Online heeft het client secret geweigerd; voer het opnieuw in",
			"Login lapses on 2026-12-27 at 14:00 (in 28 days) unless it is refreshed before",
			"De koppeling verloopt op 27-12-2026 om 14:00 (over 28 dagen), tenzij Exact Keeper haar eerder vernieuwt"},
		{"API refused", conn(keeper.StatusNeedsAttention, time.Hour, func(c *keeper.ConnStatus) { c.Attention = keeper.AttentionAPI }),
			NeedsAttention, Attention, 4, true,
			"Exact Online refuses this app's API calls, so your programs cannot reach Exact",
			"Exact Online weigert de API-aanroepen van deze app, dus uw programma's kunnen Exact niet bereiken",
			"Login lapses on 2026-12-29 at 13:00 (in 30 days) unless it is refreshed before",
			"De koppeling verloopt op 29-12-2026 om 13:00 (over 30 dagen), tenzij Exact Keeper haar eerder vernieuwt"},
		{"paused", conn(keeper.StatusPaused, time.Hour, nil), Paused, Attention, 4, true,
			"Paused to stay within Exact's limits; Exact Keeper tries again by itself",
			"Gepauzeerd om binnen de limieten van Exact te blijven; Exact Keeper probeert het vanzelf opnieuw",
			"Login lapses on 2026-12-29 at 13:00 (in 30 days) unless it is refreshed before",
			"De koppeling verloopt op 29-12-2026 om 13:00 (over 30 dagen), tenzij Exact Keeper haar eerder vernieuwt"},
		// Failing with the lapse tomorrow: the lapse line may be amber, as
		// the headline, never red above an amber headline.
		{"failing, lapse tomorrow", conn(keeper.StatusFailing, 29*day, func(c *keeper.ConnStatus) { c.FailingSince = now.Add(-3 * day) }),
			Failing, Attention, 4, true,
			"Refreshing fails for now; Exact Keeper keeps trying", "Vernieuwen lukt nu niet; Exact Keeper blijft het proberen",
			"Login lapses tomorrow at 14:00 unless it is refreshed before",
			"De koppeling verloopt morgen om 14:00, tenzij Exact Keeper haar eerder vernieuwt"},
		{"new", keeper.ConnStatus{ID: "c1", Name: "Bakkerij", Status: keeper.StatusNew}, New, Fine, 0, true,
			"Connected, not refreshed yet", "Gekoppeld, nog niet vernieuwd", "", ""},
		{"ok never refreshed", keeper.ConnStatus{ID: "c1", Name: "Bakkerij", Status: OK}, New, Fine, 0, true,
			"Connected, not refreshed yet", "Gekoppeld, nog niet vernieuwd", "", ""},
		{"a newer version's state", conn("from-the-future", time.Hour, nil), "from-the-future", Attention, 4, true,
			"State unknown", "Status onbekend",
			"Login lapses on 2026-12-29 at 13:00 (in 30 days) unless it is refreshed before",
			"De koppeling verloopt op 29-12-2026 om 13:00 (over 30 dagen), tenzij Exact Keeper haar eerder vernieuwt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, lang := range []string{"en", "nl"} {
				inLanguage(t, lang)
				v := Connection(tt.c, now)
				want, wantLapse := tt.en, tt.enLapse
				if lang == "nl" {
					want, wantLapse = tt.nl, tt.nlLapse
				}
				if v.State != tt.state || v.Level != tt.level || v.Level.ExitCode() != tt.exit || v.CanRefresh != tt.canRefresh {
					t.Errorf("%s: state %q level %d exit %d refresh %v, want %q %d %d %v", lang,
						v.State, v.Level, v.Level.ExitCode(), v.CanRefresh, tt.state, tt.level, tt.exit, tt.canRefresh)
				}
				if v.Headline != want {
					t.Errorf("%s headline:\n got %q\nwant %q", lang, v.Headline, want)
				}
				if v.Lapse != wantLapse {
					t.Errorf("%s lapse line:\n got %q\nwant %q", lang, v.Lapse, wantLapse)
				}
				// The contradictions this package exists to prevent.
				if v.LapseLevel > v.Level {
					t.Errorf("%s: lapse line (level %d) more alarming than the headline (level %d)", lang, v.LapseLevel, v.Level)
				}
				if v.Level > Fine && v.Headline == i18n.T("present.ok") {
					t.Errorf("%s: %q at level %d", lang, v.Headline, v.Level)
				}
				if v.NeedsLogin && v.CanRefresh {
					t.Errorf("%s: Refresh now offered where only a new login helps", lang)
				}
				if v.Line == "" || strings.Contains(v.Headline+v.Line+v.Lapse, "present.") {
					t.Errorf("%s: missing text: %+v", lang, v)
				}
			}
		})
	}
}

func TestLapseLineNeverSaysLapsesAfterTheLapse(t *testing.T) {
	inLanguage(t, "en")
	for _, status := range []string{OK, keeper.StatusFailing, keeper.StatusPaused, keeper.StatusNeedsAttention, keeper.StatusNew} {
		for _, past := range []time.Duration{0, time.Second, time.Hour, 40 * day} {
			c := conn(status, 30*day+past, nil)
			v := Connection(c, now)
			if v.State != Lapsed || strings.Contains(v.Lapse, "lapses") || v.Level.ExitCode() != ExitNeedLogin {
				t.Errorf("%s, %v past the lapse: state %q, lapse %q, exit %d", status, past, v.State, v.Lapse, v.Level.ExitCode())
			}
		}
	}
}

func TestWorst(t *testing.T) {
	ok := conn(OK, time.Hour, nil)
	failing := conn(keeper.StatusFailing, time.Hour, nil)
	paused := conn(keeper.StatusPaused, time.Hour, nil)
	lapsed := conn(OK, 31*day, nil)
	reconnect := conn(keeper.StatusNeedsReconnect, time.Hour, nil)
	tests := []struct {
		name  string
		conns []keeper.ConnStatus
		exit  int
	}{
		{"none", nil, 0},
		{"all ok", []keeper.ConnStatus{ok, ok}, 0},
		{"failing", []keeper.ConnStatus{ok, failing}, 4},
		{"paused", []keeper.ConnStatus{paused, ok}, 4},
		{"lapsed wins over failing", []keeper.ConnStatus{failing, lapsed, paused}, 3},
		{"reconnect wins over failing", []keeper.ConnStatus{reconnect, failing}, 3},
	}
	for _, tt := range tests {
		if got := Worst(tt.conns, now).ExitCode(); got != tt.exit {
			t.Errorf("%s: exit %d, want %d", tt.name, got, tt.exit)
		}
	}
	if AnyRefreshable([]keeper.ConnStatus{reconnect, lapsed}, now) {
		t.Error("Refresh now offered while every connection needs a new login")
	}
	if !AnyRefreshable([]keeper.ConnStatus{reconnect, failing}, now) {
		t.Error("Refresh now not offered for a failing connection")
	}
}

func TestRefreshed(t *testing.T) {
	before := conn(OK, 2*time.Minute, func(c *keeper.ConnStatus) { c.AccessExpiry = now.Add(8 * time.Minute) })
	after := before
	refreshed := conn(OK, 0, func(c *keeper.ConnStatus) { c.AccessExpiry = now.Add(10 * time.Minute) })
	stale := before
	stale.AccessExpiry = time.Time{}
	tests := []struct {
		name          string
		before, after keeper.ConnStatus
		en, nl        string
	}{
		{"refreshed", before, refreshed,
			"Bakkerij was refreshed; the login now lasts until 2026-12-29.",
			"Bakkerij is vernieuwd; de koppeling blijft nu geldig tot 29-12-2026."},
		// Seen: "was refreshed" when Exact was not called.
		{"too early", before, after,
			"Bakkerij is fresh, so there is nothing to refresh yet. Exact Online allows the next refresh today at 14:07; Exact Keeper does it by itself.",
			"Bakkerij is nog vers, dus er valt nog niets te vernieuwen. Exact Online staat de volgende vernieuwing vandaag om 14:07 toe; Exact Keeper doet dat vanzelf."},
		{"nothing known", stale, stale,
			"Nothing was refreshed for Bakkerij: Exact Online does not allow it yet.",
			"Er is niets vernieuwd voor Bakkerij: Exact Online staat het nog niet toe."},
	}
	for _, tt := range tests {
		for _, lang := range []string{"en", "nl"} {
			inLanguage(t, lang)
			want := tt.en
			if lang == "nl" {
				want = tt.nl
			}
			if got := Refreshed(tt.before, tt.after, now); got != want {
				t.Errorf("%s %s:\n got %q\nwant %q", tt.name, lang, got, want)
			}
		}
	}
	// 10-minute token: Exact allows a refresh in its last 30 s.
	if got, want := RefreshAllowedAt(refreshed), now.Add(10*time.Minute-30*time.Second); !got.Equal(want) {
		t.Errorf("RefreshAllowedAt = %v, want %v", got, want)
	}
}

func TestUnkept(t *testing.T) {
	inLanguage(t, "en")
	v := Unkept(Connection(conn(OK, time.Hour, nil), now))
	if v.Headline != "Not kept alive right now: Exact Keeper is not running" || v.Level != Notice {
		t.Errorf("ok without a keeper: %q level %d", v.Headline, v.Level)
	}
	r := Connection(conn(keeper.StatusNeedsReconnect, time.Hour, nil), now)
	if Unkept(r) != r {
		t.Error("Unkept changed a verdict that already asks for a login")
	}
}
