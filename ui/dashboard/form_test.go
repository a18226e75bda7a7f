package dashboard

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/ipc"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/login"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

func validForm() OnboardingForm {
	return OnboardingForm{Mode: RedirectRelay, Region: "nl", ClientID: "c1d2", ClientSecret: "s3cr3t", Name: "Bakkerij"}
}

func TestValidateOnboarding(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(*OnboardingForm)
		wantField string
		wantURI   string
	}{
		{"relay page", func(*OnboardingForm) {}, "", login.DefaultRedirectURI},
		{"relay page ignores a port", func(f *OnboardingForm) { f.Port = 9000 }, "", login.DefaultRedirectURI},
		{"own relay page", func(f *OnboardingForm) { f.Mode, f.RelayURI = RedirectOwnRelay, " https://bakkerij.nl/exact " }, "", "https://bakkerij.nl/exact"},
		{"http loopback", func(f *OnboardingForm) { f.Mode = RedirectHTTP }, "", "http://127.0.0.1:8765/callback"},
		{"https loopback", func(f *OnboardingForm) { f.Mode = RedirectHTTPS }, "", "https://localhost:8765/callback"},
		{"other port", func(f *OnboardingForm) { f.Mode, f.Port = RedirectHTTP, 9000 }, "", "http://127.0.0.1:9000/callback"},
		{"demo base URL without region", func(f *OnboardingForm) { f.Region, f.BaseURL = "", "http://127.0.0.1:9999" }, "", login.DefaultRedirectURI},
		{"no mode", func(f *OnboardingForm) { f.Mode = "" }, "mode", ""},
		{"the old paste mode", func(f *OnboardingForm) { f.Mode = "paste" }, "mode", ""},
		{"bad port", func(f *OnboardingForm) { f.Mode, f.Port = RedirectHTTP, 70000 }, "port", ""},
		{"own relay without page", func(f *OnboardingForm) { f.Mode = RedirectOwnRelay }, "relay-uri", ""},
		{"own relay with http page", func(f *OnboardingForm) { f.Mode, f.RelayURI = RedirectOwnRelay, "http://bakkerij.nl/exact" }, "relay-uri", ""},
		{"own relay with no address", func(f *OnboardingForm) { f.Mode, f.RelayURI = RedirectOwnRelay, "bakkerij" }, "relay-uri", ""},
		{"own relay on this PC", func(f *OnboardingForm) { f.Mode, f.RelayURI = RedirectOwnRelay, "https://127.0.0.1:8765/callback" }, "relay-uri", ""},
		{"no region", func(f *OnboardingForm) { f.Region = "" }, "region", ""},
		{"unknown region", func(f *OnboardingForm) { f.Region = "xx" }, "region", ""},
		{"no client ID", func(f *OnboardingForm) { f.ClientID = "  " }, "client-id", ""},
		{"client ID with a space", func(f *OnboardingForm) { f.ClientID = "ab cd" }, "client-id", ""},
		{"no secret", func(f *OnboardingForm) { f.ClientSecret = "" }, "client-secret", ""},
		{"no name", func(f *OnboardingForm) { f.Name = " " }, "name", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := validForm()
			tt.edit(&f)
			req, err := ValidateOnboarding(f)
			if tt.wantField != "" {
				var fe *FormError
				if !errors.As(err, &fe) || fe.Field != tt.wantField {
					t.Fatalf("err = %v, want a problem with %s", err, tt.wantField)
				}
				if strings.Contains(err.Error(), f.ClientSecret) && f.ClientSecret != "" {
					t.Errorf("the message %q shows the client secret", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if req.RedirectURI != tt.wantURI || req.ClientSecret != "s3cr3t" || req.Name == "" {
				t.Errorf("req = %+v, want redirect %s", req, tt.wantURI)
			}
			if (req.Region == "") == (req.BaseURL == "") {
				t.Errorf("want exactly one of region and base URL, got %q and %q", req.Region, req.BaseURL)
			}
		})
	}
}

func TestFormFromPrefill(t *testing.T) {
	tests := []struct {
		uri      string
		wantMode string
		wantPort int
		wantURI  string
	}{
		{login.DefaultRedirectURI, RedirectRelay, 0, login.DefaultRedirectURI},
		{"", RedirectRelay, 0, login.DefaultRedirectURI},
		{"http://127.0.0.1:40123/callback", RedirectHTTP, 40123, "http://127.0.0.1:40123/callback"},
		{"https://localhost:8800/callback", RedirectHTTPS, 8800, "https://localhost:8800/callback"},
		{"https://bakkerij.nl/exact", RedirectOwnRelay, 0, "https://bakkerij.nl/exact"},
	}
	for _, tt := range tests {
		f := FormFromPrefill(OnboardingPrefill{BaseURL: "http://127.0.0.1:1", ClientID: "id", ClientSecret: "s", RedirectURI: tt.uri, Name: "Demo"})
		if f.Mode != tt.wantMode || f.Port != tt.wantPort || f.RedirectURI() != tt.wantURI {
			t.Errorf("%q: form %+v gives %s", tt.uri, f, f.RedirectURI())
		}
		req, err := ValidateOnboarding(f)
		if err != nil {
			t.Errorf("%q: the pre-filled form is not valid: %v", tt.uri, err)
		} else if req.RedirectURI != tt.wantURI {
			t.Errorf("%q: the request registers %q", tt.uri, req.RedirectURI)
		}
	}
}

func TestParseFocus(t *testing.T) {
	tests := []struct {
		in   string
		want Focus
	}{
		{"", Focus{}},
		{"connection:c1", Focus{Tab: "connections", SubjectID: "c1"}},
		{"reconnect:c1", Focus{Tab: "connections", SubjectID: "c1", Reconnect: true}},
		{"delegation:d1", Focus{Tab: "delegations", SubjectID: "d1"}},
		{"reminder:delegation:d1:7d", Focus{Tab: "delegations", SubjectID: "d1"}},
		{"reminder:refresh-token:c1:3d", Focus{Tab: "connections", SubjectID: "c1"}},
		{"reminder:reconnect:c1:reconnect", Focus{Tab: "connections", SubjectID: "c1", Reconnect: true}},
		{"connection:", Focus{}},
		{"weird:x", Focus{}},
	}
	for _, tt := range tests {
		if got := ParseFocus(tt.in); got != tt.want {
			t.Errorf("ParseFocus(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestExplain(t *testing.T) {
	i18n.SetLanguage("en")
	t.Cleanup(func() { i18n.SetLanguage("") })
	tests := []struct {
		name string
		err  error
		want string // a catalogue key
	}{
		{"busy port", fmt.Errorf("listen: %w", login.ErrPortInUse), "dash.err.port-in-use"},
		{"wrong state", fmt.Errorf("x: %w", login.ErrStateMismatch), "dash.err.state"},
		{"denied", fmt.Errorf("x: %w", login.ErrDenied), "dash.err.denied"},
		{"timeout", fmt.Errorf("x: %w", login.ErrTimeout), "dash.err.timeout"},
		{"wrong paste", fmt.Errorf("x: %w", login.ErrNotRedirect), "dash.err.not-redirect"},
		{"no keychain", fmt.Errorf("x: %w", vault.ErrUnavailable), "dash.err.keychain"},
		{"no keeper", ipc.ErrNoKeeper, "dash.err.no-keeper"},
		{"client refused", fmt.Errorf("the login could not be finished: %w", &exact.Error{Status: 400, Code: "invalid_client"}), "dash.err.client"},
		{"wrong country", &exact.Error{Status: 400, Code: "invalid_request", Description: "Client with identifier 'x' not found"}, "dash.err.client"},
		{"code used", &exact.Error{Status: 400, Code: "invalid_grant"}, "dash.err.code-expired"},
		{"secret refused by the keeper", fmt.Errorf("Bakkerij: %w", keeper.ErrWrongSecret), "dash.err.wrong-secret"},
		{"secret refused by the exchange", fmt.Errorf("x: %w", &exact.Error{Outcome: exact.WrongSecret, Status: 401, Code: "invalid_client"}), "dash.err.wrong-secret"},
		{"network", &exact.Error{Err: io.ErrUnexpectedEOF}, "dash.err.network"},
		{"form", &FormError{Field: "name", Key: "dash.form.err.name"}, "dash.form.err.name"},
	}
	for _, tt := range tests {
		if got := Explain(tt.err); got != i18n.T(tt.want) {
			t.Errorf("%s: Explain = %q, want the text of %s", tt.name, got, tt.want)
		}
	}
	if got := Explain(errors.New("the disk is full.")); !strings.Contains(got, "the disk is full.") {
		t.Errorf("an unknown error loses its sentence: %q", got)
	}
	if Explain(nil) != "" {
		t.Error("Explain(nil) is not empty")
	}
}

func TestSettingsForm(t *testing.T) {
	yes := true
	tests := []struct {
		name      string
		form      SettingsForm
		wantField string
		check     func(store.Settings) bool
	}{
		{"defaults round-trip", SettingsFormOf(store.Settings{}), "", func(s store.Settings) bool {
			return len(s.RefreshWarnings) == 3 && time.Duration(s.RefreshWarnings[0]) == 7*24*time.Hour &&
				len(s.DelegationWarnDays) == 4 && time.Duration(s.KeepAlive) == 24*time.Hour
		}},
		{"custom", SettingsForm{RefreshWarnings: "10; 2", DelegationWarn: "30 7 0", KeepAlive: "12", Autostart: true, Language: "nl"}, "", func(s store.Settings) bool {
			return time.Duration(s.RefreshWarnings[1]) == 48*time.Hour && s.DelegationWarnDays[0] == 30 &&
				time.Duration(s.KeepAlive) == 12*time.Hour && *s.Autostart && s.Language == "nl"
		}},
		{"durations", SettingsForm{RefreshWarnings: "5m, 2m", DelegationWarn: "1", KeepAlive: "6m"}, "", func(s store.Settings) bool {
			return time.Duration(s.RefreshWarnings[0]) == 5*time.Minute && time.Duration(s.KeepAlive) == 6*time.Minute
		}},
		{"words", SettingsForm{RefreshWarnings: "soon", DelegationWarn: "1", KeepAlive: "24"}, "refresh-warnings", nil},
		{"empty warnings", SettingsForm{RefreshWarnings: " ", DelegationWarn: "1", KeepAlive: "24"}, "refresh-warnings", nil},
		{"too long", SettingsForm{RefreshWarnings: "40", DelegationWarn: "1", KeepAlive: "24"}, "refresh-warnings", nil},
		{"negative days", SettingsForm{RefreshWarnings: "7", DelegationWarn: "-1", KeepAlive: "24"}, "delegation-warn", nil},
		{"keep-alive zero", SettingsForm{RefreshWarnings: "7", DelegationWarn: "1", KeepAlive: "0"}, "keepalive", nil},
		{"keep-alive too long", SettingsForm{RefreshWarnings: "7", DelegationWarn: "1", KeepAlive: "400"}, "keepalive", nil},
		{"language", SettingsForm{RefreshWarnings: "7", DelegationWarn: "1", KeepAlive: "24", Language: "fr"}, "language", nil},
	}
	old := store.Settings{Autostart: &yes, Language: "en"}
	for _, tt := range tests {
		s, err := tt.form.Apply(old)
		var fe *FormError
		switch {
		case tt.wantField != "":
			if !errors.As(err, &fe) || fe.Field != tt.wantField {
				t.Errorf("%s: err = %v, want a problem with %s", tt.name, err, tt.wantField)
			}
		case err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case !tt.check(s):
			t.Errorf("%s: got %+v", tt.name, s)
		}
	}
}

func TestDelegationForm(t *testing.T) {
	d := func(s string) store.Date { v, _ := store.ParseDate(s); return v }
	ok := DelegationForm{Platform: " Invantive Cloud ", Grantee: "Smit", Starts: d("2026-03-01"), Ends: d("2026-05-30")}
	tests := []struct {
		name      string
		edit      func(*DelegationForm)
		wantField string
	}{
		{"valid", func(*DelegationForm) {}, ""},
		{"no start is fine", func(f *DelegationForm) { f.Starts = store.Date{} }, ""},
		{"no platform", func(f *DelegationForm) { f.Platform = "" }, "platform"},
		{"no grantee", func(f *DelegationForm) { f.Grantee = " " }, "grantee"},
		{"bad start", func(f *DelegationForm) { f.StartsInvalid = true }, "starts"},
		{"bad end", func(f *DelegationForm) { f.EndsInvalid = true }, "ends"},
		{"no end", func(f *DelegationForm) { f.Ends = store.Date{} }, "ends"},
		{"end before start", func(f *DelegationForm) { f.Ends = d("2026-02-01") }, "ends"},
	}
	for _, tt := range tests {
		f := ok
		tt.edit(&f)
		rec, err := f.Delegation()
		var fe *FormError
		switch {
		case tt.wantField != "":
			if !errors.As(err, &fe) || fe.Field != tt.wantField {
				t.Errorf("%s: err = %v, want a problem with %s", tt.name, err, tt.wantField)
			}
		case err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case rec.Platform != "Invantive Cloud":
			t.Errorf("%s: platform %q not trimmed", tt.name, rec.Platform)
		}
	}
}

func TestDaysLeftAndUrgency(t *testing.T) {
	now := time.Date(2026, 3, 28, 23, 0, 0, 0, time.UTC)
	tests := []struct {
		at      time.Time
		days    int
		urgency int
	}{
		{now.Add(2 * time.Hour), 1, 2},
		{now.AddDate(0, 0, 5), 5, 1},
		{now.AddDate(0, 0, 30), 30, 0},
		{now.AddDate(0, 0, -2), -2, 2},
	}
	for _, tt := range tests {
		got := DaysLeft(now, tt.at)
		if got != tt.days || Urgency(got, 7) != tt.urgency {
			t.Errorf("DaysLeft(%v) = %d (urgency %d), want %d (%d)", tt.at, got, Urgency(got, 7), tt.days, tt.urgency)
		}
	}
}
