package dashboard

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/login"
	"github.com/exactkeeper/exactkeeper/core/remind"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// fakeBackend records what the dashboard asked and answers from fields.
type fakeBackend struct {
	mu       sync.Mutex
	statuses []keeper.ConnStatus
	dels     []store.Delegation
	settings store.Settings
	events   chan keeper.Event

	connectErr  error
	login       *fakeLogin // the next login Connect returns
	reqs        []keeper.ConnectRequest
	refreshed   []string
	refreshErr  error
	secrets     [][2]string // (connection ID, secret) SetClientSecret was given
	secretErr   error
	removed     []string
	renewed     map[string]store.Date
	renewedFrom map[string]store.Date // the new period's start, by ID
	saved       []store.Delegation
	savedSet    []store.Settings
	nextID      int
}

func newFake() *fakeBackend {
	return &fakeBackend{events: make(chan keeper.Event), renewed: map[string]store.Date{}}
}

func (f *fakeBackend) Status(context.Context) ([]keeper.ConnStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.statuses), nil
}

// Events forwards f.events until ctx ends, like the IPC stream.
func (f *fakeBackend) Events(ctx context.Context) (<-chan keeper.Event, error) {
	out := make(chan keeper.Event)
	go func() {
		defer close(out)
		for {
			select {
			case <-ctx.Done():
				return
			case ev := <-f.events:
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}

func (f *fakeBackend) Refresh(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refreshed = append(f.refreshed, id)
	if f.refreshErr != nil {
		return f.refreshErr
	}
	// As the keeper would: the login now lasts 30 days from the refresh.
	for i, c := range f.statuses {
		if c.ID == id {
			f.statuses[i].LastRefresh, f.statuses[i].LapsesAt = fixedNow, fixedNow.Add(30*24*time.Hour)
		}
	}
	return nil
}

func (f *fakeBackend) Remove(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removed = append(f.removed, id)
	f.statuses = slices.DeleteFunc(f.statuses, func(c keeper.ConnStatus) bool { return c.ID == id })
	return nil
}

func (f *fakeBackend) Connect(_ context.Context, req keeper.ConnectRequest) (Login, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, req)
	if f.connectErr != nil {
		return nil, f.connectErr
	}
	l := f.login
	if l == nil {
		l = newRelayLogin()
	}
	l.f, l.req = f, req
	f.login = l
	return l, nil
}

func (f *fakeBackend) SetClientSecret(_ context.Context, id, secret string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.secrets = append(f.secrets, [2]string{id, secret})
	return f.secretErr
}

func (f *fakeBackend) Delegations(context.Context) ([]store.Delegation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.dels), nil
}

func (f *fakeBackend) SaveDelegation(_ context.Context, d store.Delegation) (store.Delegation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := remind.Validate(d); err != nil {
		return store.Delegation{}, err
	}
	if d.ID == "" {
		f.nextID++
		d.ID = fmt.Sprintf("d%d", f.nextID)
	}
	f.saved = append(f.saved, d)
	return d, nil
}

func (f *fakeBackend) RenewDelegation(_ context.Context, id string, starts, ends store.Date) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.renewed[id] = ends
	if f.renewedFrom == nil {
		f.renewedFrom = map[string]store.Date{}
	}
	f.renewedFrom[id] = starts
	return nil
}

func (f *fakeBackend) RemoveDelegation(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removed = append(f.removed, id)
	return nil
}

func (f *fakeBackend) ExportICS(_ context.Context, w io.Writer) error {
	return remind.WriteICS(w, f.dels, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), time.UTC)
}

func (f *fakeBackend) Settings(context.Context) (store.Settings, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.settings, nil
}

func (f *fakeBackend) SaveSettings(_ context.Context, s store.Settings) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settings = s
	f.savedSet = append(f.savedSet, s)
	return nil
}

func (f *fakeBackend) Version() string { return "exactkeeper v1.2.3" }

// fakeLogin finishes when the test says so, by Paste or Cancel.
type fakeLogin struct {
	f        *fakeBackend
	req      keeper.ConnectRequest
	loopback bool
	relay    bool
	openErr  error
	goodURL  string
	result   chan error // the outcome Wait returns
	conn     store.Connection
}

func newFakeLogin(loopback bool) *fakeLogin {
	return &fakeLogin{
		loopback: loopback,
		goodURL:  "http://127.0.0.1:8765/callback?code=c0de&state=s",
		result:   make(chan error, 1),
		conn: store.Connection{ID: "new1", Name: "Bakkerij De Jong", Region: "nl",
			User: store.User{FullName: "Jan Jansen", UserName: "jan"}, Division: 123},
	}
}

func (l *fakeLogin) URL() string      { return "https://start.exactonline.nl/api/oauth2/auth?client_id=x" }
func (l *fakeLogin) OpenError() error { return l.openErr }
func (l *fakeLogin) Loopback() bool   { return l.loopback }
func (l *fakeLogin) Relay() bool      { return l.relay }

func (l *fakeLogin) Paste(u string) error {
	if u != l.goodURL {
		return fmt.Errorf("pasted: %w", login.ErrNotRedirect)
	}
	l.finish(nil)
	return nil
}

func (l *fakeLogin) Cancel() { l.finish(fmt.Errorf("cancel: %w", login.ErrCancelled)) }

// finish settles the login once; later outcomes are dropped, as in
// login.Session.
func (l *fakeLogin) finish(err error) {
	select {
	case l.result <- err:
	default:
	}
}

func (l *fakeLogin) Wait(ctx context.Context) (store.Connection, error) {
	select {
	case err := <-l.result:
		if err != nil {
			return store.Connection{}, err
		}
	case <-ctx.Done():
		return store.Connection{}, ctx.Err()
	}
	// As the keeper would: the connection now exists.
	l.f.mu.Lock()
	l.f.statuses = append(l.f.statuses, keeper.ConnStatus{ID: l.conn.ID, Name: l.conn.Name, Status: keeper.StatusOK,
		FullName: l.conn.User.FullName, Division: l.conn.Division, Region: "nl"})
	l.f.mu.Unlock()
	return l.conn, nil
}

// newRelayLogin is a login through the relay page: a loopback listener
// and pasting at once, as keeper.StartLogin runs it by default.
func newRelayLogin() *fakeLogin {
	l := newFakeLogin(true)
	l.relay = true
	l.goodURL = "https://exactkeeper.github.io/exactkeeper/login.html?code=c0de&state=40123.s"
	return l
}

// fixedNow is the tests' clock: 1 March 2026, noon, local time.
var fixedNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.Local)

// harness is a dashboard on Fyne's test driver with channels to wait on.
type harness struct {
	d      *Dashboard
	f      *fakeBackend
	events chan keeper.Event
	logins chan struct{}
}

func start(t *testing.T, f *fakeBackend, opts Options) *harness {
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
	h.d = New(a, f, opts)
	h.d.tasks.Wait()
	h.d.win.Resize(fyne.NewSize(900, 760))
	t.Cleanup(func() {
		h.d.cancel()
		h.d.tasks.Wait()
		h.d.logins.Wait()
	})
	return h
}

// settle waits for the short background calls to be shown.
func (h *harness) settle() { h.d.tasks.Wait() }

// loginEnded waits until a browser login's outcome is shown.
func (h *harness) loginEnded(t *testing.T) {
	t.Helper()
	select {
	case <-h.logins:
	case <-time.After(10 * time.Second):
		t.Fatal("the login never ended")
	}
	h.settle()
}

func (h *harness) send(t *testing.T, ev keeper.Event) {
	t.Helper()
	h.f.events <- ev
	select {
	case <-h.events:
	case <-time.After(10 * time.Second):
		t.Fatal("the event was never shown")
	}
	h.settle()
}
