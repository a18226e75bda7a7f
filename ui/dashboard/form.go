package dashboard

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/ipc"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/login"
	"github.com/exactkeeper/exactkeeper/core/remind"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

// Ways back from the browser (design.md). Exact's App Center wants a public
// https redirect URI, so the relay modes come first; the loopback ones are
// kept under Advanced for registrations that accept them.
const (
	RedirectRelay    = "relay"     // login.DefaultRedirectURI, the project's relay page
	RedirectOwnRelay = "own-relay" // a copy of the relay page (or any https page) of the owner's
	RedirectHTTP     = "http"      // http://127.0.0.1:PORT/callback
	RedirectHTTPS    = "https"     // https://localhost:PORT/callback, one browser warning
)

// DefaultPort is the loopback port suggested for the redirect URI.
const DefaultPort = 8765

// OnboardingForm is what the owner filled in to connect.
type OnboardingForm struct {
	Mode         string // RedirectRelay, RedirectOwnRelay, RedirectHTTP or RedirectHTTPS
	Port         int    // loopback port; 0 is DefaultPort
	RelayURI     string // the owner's https page, for RedirectOwnRelay
	Region       string // nl be de fr es uk us
	BaseURL      string // instead of Region: the demo simulator
	ClientID     string
	ClientSecret string
	Name         string
	// RefreshLifetime is set by the demo only, whose simulator lets refresh
	// tokens lapse in minutes; 0 is Exact's 30 days.
	RefreshLifetime time.Duration
}

// OnboardingPrefill fills the onboarding form in demo mode.
type OnboardingPrefill struct {
	BaseURL      string
	ClientID     string
	ClientSecret string
	RedirectURI  string
	Name         string
	// UserName and Password are the simulator's demo login, shown as a hint.
	UserName, Password string
	// RefreshLifetime is the simulator's refresh-token lifetime.
	RefreshLifetime time.Duration
}

// Advanced reports whether the mode is one of the loopback choices, which
// the form keeps under Advanced.
func (f OnboardingForm) Advanced() bool { return f.Mode == RedirectHTTP || f.Mode == RedirectHTTPS }

// RedirectURI is the address to register in the App Center for this form.
func (f OnboardingForm) RedirectURI() string {
	port := f.Port
	if port == 0 {
		port = DefaultPort
	}
	switch f.Mode {
	case RedirectHTTP:
		return fmt.Sprintf("http://127.0.0.1:%d/callback", port)
	case RedirectHTTPS:
		return fmt.Sprintf("https://localhost:%d/callback", port)
	case RedirectOwnRelay:
		return strings.TrimSpace(f.RelayURI)
	default:
		return login.DefaultRedirectURI
	}
}

// FormError is a problem with one field of a form; Key names its
// explanation in the catalogue.
type FormError struct {
	Field string
	Key   string
}

func (e *FormError) Error() string { return i18n.T(e.Key) }

// ValidateOnboarding checks the form and turns it into a connect request.
// It reports the first problem, in the order the fields appear.
func ValidateOnboarding(f OnboardingForm) (keeper.ConnectRequest, error) {
	bad := func(field, key string) (keeper.ConnectRequest, error) {
		return keeper.ConnectRequest{}, &FormError{Field: field, Key: key}
	}
	switch f.Mode {
	case RedirectRelay:
	case RedirectHTTP, RedirectHTTPS:
		if f.Port < 0 || f.Port > 65535 {
			return bad("port", "dash.form.err.port")
		}
	case RedirectOwnRelay:
		// A loopback address here would not be a relay: the login would
		// wait for a page that never forwards.
		switch uri := strings.TrimSpace(f.RelayURI); {
		case uri == "":
			return bad("relay-uri", "dash.form.err.relay-uri-missing")
		case !login.IsRelay(uri):
			return bad("relay-uri", "dash.form.err.relay-uri-https")
		}
	default:
		return bad("mode", "dash.form.err.mode")
	}
	base := strings.TrimSpace(f.BaseURL)
	if base == "" && !slices.Contains(exact.Regions(), f.Region) {
		return bad("region", "dash.form.err.region")
	}
	switch {
	case strings.TrimSpace(f.ClientID) == "":
		return bad("client-id", "dash.form.err.client-id")
	case strings.ContainsAny(strings.TrimSpace(f.ClientID), " \t/?#"):
		return bad("client-id", "dash.form.err.client-id-format")
	case strings.TrimSpace(f.ClientSecret) == "":
		return bad("client-secret", "dash.form.err.client-secret")
	case strings.TrimSpace(f.Name) == "":
		return bad("name", "dash.form.err.name")
	}
	req := keeper.ConnectRequest{
		Name:            strings.TrimSpace(f.Name),
		ClientID:        strings.TrimSpace(f.ClientID),
		ClientSecret:    strings.TrimSpace(f.ClientSecret),
		RedirectURI:     f.RedirectURI(),
		RefreshLifetime: f.RefreshLifetime,
	}
	if base != "" {
		req.BaseURL = base
	} else {
		req.Region = f.Region
	}
	return req, nil
}

// FormFromPrefill turns the demo pre-fill into a form: the mode that gives
// back exactly the redirect URI the simulator has registered.
func FormFromPrefill(p OnboardingPrefill) OnboardingForm {
	f := OnboardingForm{Mode: RedirectRelay, Region: "nl", BaseURL: p.BaseURL, ClientID: p.ClientID,
		ClientSecret: p.ClientSecret, Name: p.Name, RefreshLifetime: p.RefreshLifetime}
	uri := strings.TrimSpace(p.RedirectURI)
	switch u, err := url.Parse(uri); {
	case uri == "" || uri == login.DefaultRedirectURI:
	case err == nil && login.IsLoopback(uri):
		f.Mode = RedirectHTTP
		if u.Scheme == "https" {
			f.Mode = RedirectHTTPS
		}
		f.Port, _ = strconv.Atoi(u.Port())
	default:
		f.Mode, f.RelayURI = RedirectOwnRelay, uri
	}
	return f
}

// Focus is the part of the dashboard a notification asked to open.
type Focus struct {
	Tab       string // "connections" or "delegations"; "" for the default
	SubjectID string
	Reconnect bool // start the reconnect flow for SubjectID
}

// ParseFocus reads "connection:<id>", "reconnect:<id>", "delegation:<id>"
// and the tray's "reminder:<kind>:<id>:<threshold>". Anything else opens the
// default view.
func ParseFocus(s string) Focus {
	kind, rest, _ := strings.Cut(s, ":")
	if kind == "reminder" {
		kind, rest, _ = strings.Cut(rest, ":")
		rest, _, _ = strings.Cut(rest, ":")
	}
	if rest == "" {
		return Focus{}
	}
	switch kind {
	case "connection", remind.KindRefreshToken:
		return Focus{Tab: "connections", SubjectID: rest}
	case "reconnect": // remind.KindReconnect and the tray's "Reconnect …" item
		return Focus{Tab: "connections", SubjectID: rest, Reconnect: true}
	case "delegation":
		return Focus{Tab: "delegations", SubjectID: rest}
	}
	return Focus{}
}

// Explain turns an error from the login, the keeper or the keychain into
// one sentence in the owner's language that says what to do next. It never
// returns the error's own text for the known kinds, as those may be English
// or technical; unknown errors keep their (secret-free) sentence as detail.
func Explain(err error) string {
	if err == nil {
		return ""
	}
	var fe *FormError
	var ee *exact.Error
	var dup *remind.DuplicateError
	switch {
	case errors.As(err, &fe):
		return i18n.T(fe.Key)
	case errors.As(err, &dup):
		return i18n.Tf("ux.del.duplicate", map[string]any{"Name": remind.DelegationName(dup.Existing)})
	case errors.Is(err, login.ErrPortInUse):
		return i18n.T("dash.err.port-in-use")
	case errors.Is(err, login.ErrStateMismatch):
		return i18n.T("dash.err.state")
	case errors.Is(err, login.ErrDenied):
		return i18n.T("dash.err.denied")
	case errors.Is(err, login.ErrNoCode):
		return i18n.T("dash.err.no-code")
	case errors.Is(err, login.ErrNotRedirect):
		return i18n.T("dash.err.not-redirect")
	case errors.Is(err, login.ErrTimeout):
		return i18n.T("dash.err.timeout")
	case errors.Is(err, login.ErrCancelled):
		return i18n.T("dash.err.cancelled")
	case errors.Is(err, login.ErrFinished):
		return i18n.T("dash.err.finished")
	case errors.Is(err, vault.ErrUnavailable):
		return i18n.T("dash.err.keychain")
	case errors.Is(err, ipc.ErrNoKeeper):
		return i18n.T("dash.err.no-keeper")
	case errors.Is(err, keeper.ErrNeedsReconnect):
		return i18n.T("dash.err.needs-reconnect")
	case IsWrongSecret(err):
		return i18n.T("dash.err.wrong-secret")
	case errors.As(err, &ee) && clientRefused(ee):
		return i18n.T("dash.err.client")
	case errors.As(err, &ee) && ee.Code == "invalid_grant":
		return i18n.T("dash.err.code-expired")
	case errors.As(err, &ee) && ee.Status == 0:
		return i18n.T("dash.err.network")
	}
	return i18n.Tf("dash.err.other", map[string]any{"Detail": err.Error()})
}

// IsWrongSecret tells whether Exact refused the client secret: from the
// keeper (over IPC too), or straight from the code exchange of a login,
// which has no keeper sentinel around Exact's answer.
func IsWrongSecret(err error) bool {
	var ee *exact.Error
	return errors.Is(err, keeper.ErrWrongSecret) || (errors.As(err, &ee) && ee.Outcome == exact.WrongSecret)
}

// clientRefused tells whether Exact refused the app registration itself: a
// wrong client ID or secret, or an app registered in another country.
func clientRefused(e *exact.Error) bool {
	switch e.Code {
	case "invalid_client", "unauthorized_client":
		return !strings.Contains(strings.ToLower(e.Description), "refresh token")
	}
	return e.Status == http401 || strings.Contains(e.Description, "Client with identifier")
}

const http401 = 401

// DaysLeft is the number of calendar days from now's date to t's date in
// now's location (negative once passed).
func DaysLeft(now, t time.Time) int {
	return store.DateOf(now).DaysUntil(store.DateOf(t.In(now.Location())))
}

// Urgency ranks days left for colouring: 0 fine, 1 soon, 2 urgent or past.
func Urgency(days, soon int) int {
	switch {
	case days <= 1:
		return 2
	case days <= soon:
		return 1
	}
	return 0
}

// SettingsForm is the Settings tab as text, as the owner typed it.
type SettingsForm struct {
	RefreshWarnings string // "7, 3, 1" days, or durations like "12h"
	DelegationWarn  string // "14, 7, 1, 0" days
	KeepAlive       string // hours ("24") or a duration ("30m")
	Autostart       bool
	Language        string // "", "nl" or "en"
}

// SettingsFormOf shows settings as text; defaults are written out.
func SettingsFormOf(s store.Settings) SettingsForm {
	var rw, dw []string
	for _, d := range s.RefreshWarningsOr() {
		rw = append(rw, formatDays(d))
	}
	for _, n := range s.DelegationWarnDaysOr() {
		dw = append(dw, strconv.Itoa(n))
	}
	ka := s.KeepAliveOr()
	kas := ka.String()
	if ka%time.Hour == 0 {
		kas = strconv.Itoa(int(ka / time.Hour))
	}
	return SettingsForm{
		RefreshWarnings: strings.Join(rw, ", "),
		DelegationWarn:  strings.Join(dw, ", "),
		KeepAlive:       kas,
		Autostart:       s.Autostart != nil && *s.Autostart,
		Language:        s.Language,
	}
}

func formatDays(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d / (24 * time.Hour)))
	}
	return d.String()
}

// Apply validates the form and returns old with the form's values.
func (f SettingsForm) Apply(old store.Settings) (store.Settings, error) {
	s := old
	var rw []store.Duration
	for _, part := range splitList(f.RefreshWarnings) {
		d, err := parseDaysOrDuration(part, 24*time.Hour)
		if err != nil || d <= 0 || d > store.DefaultRefreshLifetime {
			return old, &FormError{Field: "refresh-warnings", Key: "dash.settings.err.refresh-warnings"}
		}
		rw = append(rw, store.Duration(d))
	}
	if len(rw) == 0 {
		return old, &FormError{Field: "refresh-warnings", Key: "dash.settings.err.refresh-warnings"}
	}
	var dw []int
	for _, part := range splitList(f.DelegationWarn) {
		n, err := strconv.Atoi(part)
		if err != nil || n < 0 || n > 365 {
			return old, &FormError{Field: "delegation-warn", Key: "dash.settings.err.delegation-warn"}
		}
		dw = append(dw, n)
	}
	if len(dw) == 0 {
		return old, &FormError{Field: "delegation-warn", Key: "dash.settings.err.delegation-warn"}
	}
	ka, err := parseDaysOrDuration(strings.TrimSpace(f.KeepAlive), time.Hour)
	if err != nil || ka < time.Minute || ka > store.DefaultRefreshLifetime/2 {
		return old, &FormError{Field: "keepalive", Key: "dash.settings.err.keepalive"}
	}
	switch f.Language {
	case "", "en", "nl":
	default:
		return old, &FormError{Field: "language", Key: "dash.settings.err.language"}
	}
	autostart := f.Autostart
	s.RefreshWarnings, s.DelegationWarnDays, s.KeepAlive = rw, dw, store.Duration(ka)
	s.Autostart, s.Language = &autostart, f.Language
	return s, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseDaysOrDuration reads a bare number as that many units, or a Go
// duration such as "90m".
func parseDaysOrDuration(s string, unit time.Duration) (time.Duration, error) {
	if n, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", "."), 64); err == nil {
		return time.Duration(n * float64(unit)), nil
	}
	return time.ParseDuration(s)
}

// DelegationForm is the add/edit dialog's input.
type DelegationForm struct {
	ID, Platform, Grantee, Environment, ConnectionID, Note string
	Starts, Ends                                           store.Date
	EndsInvalid, StartsInvalid                             bool // text that is not a date
}

// Delegation validates the form and builds the record.
func (f DelegationForm) Delegation() (store.Delegation, error) {
	bad := func(field, key string) (store.Delegation, error) {
		return store.Delegation{}, &FormError{Field: field, Key: key}
	}
	switch {
	case strings.TrimSpace(f.Platform) == "":
		return bad("platform", "dash.del.err.platform")
	case strings.TrimSpace(f.Grantee) == "":
		return bad("grantee", "dash.del.err.grantee")
	case f.StartsInvalid:
		return bad("starts", "dash.del.err.starts")
	case f.EndsInvalid:
		return bad("ends", "dash.del.err.ends-invalid")
	case f.Ends.IsZero():
		return bad("ends", "dash.del.err.ends-missing")
	case !f.Starts.IsZero() && f.Starts.DaysUntil(f.Ends) < 0:
		return bad("ends", "dash.del.err.ends-before")
	}
	return store.Delegation{ID: f.ID, Platform: strings.TrimSpace(f.Platform), Grantee: strings.TrimSpace(f.Grantee),
		Environment: strings.TrimSpace(f.Environment), Starts: f.Starts, Ends: f.Ends,
		ConnectionID: f.ConnectionID, Note: strings.TrimSpace(f.Note)}, nil
}
