package ipc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/keeper"
)

// guard only bounds how long a broken test hangs; nothing waits on it.
const guard = 10 * time.Second

// fakeBackend records calls and hands out what the test put in it.
type fakeBackend struct {
	mu        sync.Mutex
	token     exact.Token
	status    []keeper.ConnStatus
	err       error
	tokenFor  []string
	refreshed []string
	reloads   int

	subs  chan chan keeper.Event // each Subscribe hands its channel here
	unsub chan struct{}          // each unsubscribe signals here
}

func newFake() *fakeBackend {
	return &fakeBackend{
		subs:  make(chan chan keeper.Event, 4),
		unsub: make(chan struct{}, 4),
	}
}

func (f *fakeBackend) Token(_ context.Context, conn string) (exact.Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokenFor = append(f.tokenFor, conn)
	return f.token, f.err
}

func (f *fakeBackend) Refresh(_ context.Context, conn string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refreshed = append(f.refreshed, conn)
	return f.err
}

func (f *fakeBackend) Status(context.Context) ([]keeper.ConnStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.status, f.err
}

func (f *fakeBackend) Reload(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reloads++
	return f.err
}

func (f *fakeBackend) Subscribe(buf int) (<-chan keeper.Event, func()) {
	ch := make(chan keeper.Event, buf)
	f.subs <- ch
	var once sync.Once
	return ch, func() { once.Do(func() { f.unsub <- struct{}{} }) }
}

func (f *fakeBackend) setErr(err error) {
	f.mu.Lock()
	f.err = err
	f.mu.Unlock()
}

// serve runs s on a fresh data dir and returns the dir and a stop func that
// returns Serve's result; stopping twice is harmless.
func serve(t testing.TB, s *Server) (string, func() error) {
	t.Helper()
	dir := t.TempDir()
	l, err := Listen(dir)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, l) }()
	stop := sync.OnceValue(func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(guard):
			return errors.New("Serve did not return after its context ended")
		}
	})
	t.Cleanup(func() { _ = stop() })
	return dir, stop
}

func dial(t testing.TB, dir string) *Client {
	t.Helper()
	c, err := Dial(dir)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestRoundTrips(t *testing.T) {
	issued := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	fb := newFake()
	fb.token = exact.Token{
		AccessToken:  "access-123",
		RefreshToken: "refresh-SECRET",
		IssuedAt:     issued,
		Expiry:       issued.Add(10 * time.Minute),
	}
	fb.status = []keeper.ConnStatus{
		{ID: "c1", Name: "acme", BaseURL: "https://start.exactonline.nl", Status: keeper.StatusOK, LastRefresh: issued},
		{ID: "c2", Name: "beta", BaseURL: "https://start.exactonline.be", Status: keeper.StatusNeedsReconnect, LastError: "log in again"},
	}
	activated := make(chan struct{}, 1)
	dir, _ := serve(t, &Server{Backend: fb, Version: "1.2.3", OnActivate: func() { activated <- struct{}{} }})
	c := dial(t, dir)
	ctx := context.Background()

	tok, err := c.Token(ctx, "acme & co")
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	if tok.AccessToken != "access-123" || !tok.IssuedAt.Equal(fb.token.IssuedAt) || !tok.Expiry.Equal(fb.token.Expiry) {
		t.Errorf("Token = %+v, want the backend's access token and times", tok)
	}
	if tok.RefreshToken != "" {
		t.Errorf("the refresh token crossed IPC")
	}

	st, err := c.Status(ctx)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	if len(st) != 2 || st[0].Name != "acme" || !st[0].LastRefresh.Equal(issued) || st[1].Status != keeper.StatusNeedsReconnect || st[1].LastError != "log in again" {
		t.Errorf("Status = %+v, want the backend's list", st)
	}

	if err := c.Refresh(ctx, "beta"); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if err := c.Reload(ctx); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	if err := c.Activate(ctx); err != nil {
		t.Fatalf("Activate: %v", err)
	}
	select {
	case <-activated:
	default:
		t.Errorf("Activate returned before OnActivate ran")
	}
	v, err := c.Version(ctx)
	if err != nil || v != "1.2.3" {
		t.Errorf("Version = %q, %v; want 1.2.3", v, err)
	}

	fb.mu.Lock()
	defer fb.mu.Unlock()
	if len(fb.tokenFor) != 1 || fb.tokenFor[0] != "acme & co" {
		t.Errorf("backend Token got %q, want [acme & co]", fb.tokenFor)
	}
	if len(fb.refreshed) != 1 || fb.refreshed[0] != "beta" {
		t.Errorf("backend Refresh got %q, want [beta]", fb.refreshed)
	}
	if fb.reloads != 1 {
		t.Errorf("backend Reload ran %d times, want 1", fb.reloads)
	}
}

func TestStatusEmptyIsNotNil(t *testing.T) {
	dir, _ := serve(t, &Server{Backend: newFake()})
	st, err := dial(t, dir).Status(context.Background())
	if err != nil || st == nil || len(st) != 0 {
		t.Errorf("Status = %#v, %v; want an empty list", st, err)
	}
}

func TestRefreshTokenNeverOnTheWire(t *testing.T) {
	fb := newFake()
	fb.token = exact.Token{AccessToken: "a", RefreshToken: "refresh-SECRET"}
	dir, _ := serve(t, &Server{Backend: fb})
	c := dial(t, dir)
	resp, err := c.hc.Get(baseURL + "/v1/token?conn=x")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if strings.Contains(string(body), "refresh-SECRET") {
		t.Errorf("token response holds the refresh token: %s", body)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", resp.Header.Get("Cache-Control"))
	}
}

func TestErrorKindsSurvive(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error // nil: none of the keeper's sentinels
	}{
		{"needs reconnect", fmt.Errorf("acme: %w", keeper.ErrNeedsReconnect), keeper.ErrNeedsReconnect},
		{"unknown", fmt.Errorf("connection %q: %w", "nope", keeper.ErrUnknown), keeper.ErrUnknown},
		{"no connections", keeper.ErrNoConnections, keeper.ErrNoConnections},
		{"other", errors.New("the keychain is locked; unlock it and try again"), nil},
	}
	sentinels := []error{keeper.ErrNeedsReconnect, keeper.ErrUnknown, keeper.ErrNoConnections}
	fb := newFake()
	dir, _ := serve(t, &Server{Backend: fb})
	c := dial(t, dir)
	ctx := context.Background()
	calls := map[string]func() error{
		"Token":   func() error { _, err := c.Token(ctx, "x"); return err },
		"Refresh": func() error { return c.Refresh(ctx, "x") },
		"Status":  func() error { _, err := c.Status(ctx); return err },
		"Reload":  func() error { return c.Reload(ctx) },
	}
	for _, tt := range tests {
		fb.setErr(tt.err)
		for name, call := range calls {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				err := call()
				if err == nil {
					t.Fatal("no error")
				}
				if err.Error() != tt.err.Error() {
					t.Errorf("error = %q, want the keeper's sentence %q", err, tt.err)
				}
				for _, s := range sentinels {
					if got, want := errors.Is(err, s), s == tt.want; got != want {
						t.Errorf("errors.Is(err, %q) = %v, want %v", s, got, want)
					}
				}
			})
		}
	}
}

func TestActivateWithoutDashboard(t *testing.T) {
	dir, _ := serve(t, &Server{Backend: newFake()})
	err := dial(t, dir).Activate(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no dashboard") {
		t.Errorf("Activate = %v, want an error saying there is no dashboard", err)
	}
}

func TestBadRequestBodies(t *testing.T) {
	fb := newFake()
	dir, _ := serve(t, &Server{Backend: fb})
	c := dial(t, dir)
	tests := []struct {
		name, body string
	}{
		{"malformed", `{"conn":`},
		{"too large", `{"conn":"` + strings.Repeat("x", maxRequestBody) + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := c.hc.Post(baseURL+"/v1/refresh", "application/json", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", resp.StatusCode)
			}
			if err := decodeError(resp); err == nil || !strings.Contains(err.Error(), "not valid JSON") {
				t.Errorf("error = %v, want a sentence about the body", err)
			}
		})
	}
	fb.mu.Lock()
	defer fb.mu.Unlock()
	if len(fb.refreshed) != 0 {
		t.Errorf("backend Refresh ran for a bad request: %q", fb.refreshed)
	}
}

func TestWrongMethodRefused(t *testing.T) {
	fb := newFake()
	dir, _ := serve(t, &Server{Backend: fb})
	resp, err := dial(t, dir).hc.Get(baseURL + "/v1/reload")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /v1/reload = %d, want 405", resp.StatusCode)
	}
	if fb.reloads != 0 {
		t.Errorf("backend Reload ran for a GET")
	}
}

// subscribed returns the backend channel of the next subscription.
func subscribed(t *testing.T, fb *fakeBackend) chan keeper.Event {
	t.Helper()
	select {
	case ch := <-fb.subs:
		return ch
	case <-time.After(guard):
		t.Fatal("the server did not subscribe")
		return nil
	}
}

// expectClosed drains ch until it is closed.
func expectClosed(t *testing.T, ch <-chan keeper.Event) {
	t.Helper()
	timeout := time.After(guard)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-timeout:
			t.Fatal("the events channel was not closed")
		}
	}
}

func expectUnsubscribed(t *testing.T, fb *fakeBackend) {
	t.Helper()
	select {
	case <-fb.unsub:
	case <-time.After(guard):
		t.Fatal("the server did not end its subscription")
	}
}

func TestEventsStreamUntilCancelled(t *testing.T) {
	fb := newFake()
	dir, _ := serve(t, &Server{Backend: fb})
	c := dial(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events, err := c.Events(ctx)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	src := subscribed(t, fb)
	at := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	want := []keeper.Event{
		{Time: at, Kind: keeper.EventRefreshed, ConnectionID: "c1", Connection: "acme", Status: keeper.StatusOK},
		{Time: at.Add(time.Minute), Kind: keeper.EventFailed, ConnectionID: "c1", Message: "Exact did not answer; retrying in 1 minute"},
	}
	for _, ev := range want {
		src <- ev
	}
	for i, w := range want {
		select {
		case got := <-events:
			if !got.Time.Equal(w.Time) || got.Kind != w.Kind || got.ConnectionID != w.ConnectionID || got.Connection != w.Connection || got.Status != w.Status || got.Message != w.Message {
				t.Errorf("event %d = %+v, want %+v", i, got, w)
			}
		case <-time.After(guard):
			t.Fatalf("event %d did not arrive", i)
		}
	}
	cancel()
	expectClosed(t, events)
	expectUnsubscribed(t, fb)
}

func TestEventsEndWhenServerStops(t *testing.T) {
	fb := newFake()
	dir, stop := serve(t, &Server{Backend: fb})
	events, err := dial(t, dir).Events(context.Background())
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	subscribed(t, fb)
	if err := stop(); err != nil {
		t.Errorf("Serve = %v, want nil after its context ended", err)
	}
	expectClosed(t, events)
	expectUnsubscribed(t, fb)
	if _, err := Dial(dir); !errors.Is(err, ErrNoKeeper) {
		t.Errorf("Dial after stop = %v, want ErrNoKeeper", err)
	}
}

func TestEventsEndWhenBackendCloses(t *testing.T) {
	fb := newFake()
	dir, _ := serve(t, &Server{Backend: fb})
	events, err := dial(t, dir).Events(context.Background())
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	close(subscribed(t, fb))
	expectClosed(t, events)
}

func TestListenTwice(t *testing.T) {
	dir, _ := serve(t, &Server{Backend: newFake(), Version: "first"})
	if l, err := Listen(dir); !errors.Is(err, ErrAlreadyRunning) {
		if l != nil {
			l.Close()
		}
		t.Fatalf("second Listen = %v, want ErrAlreadyRunning", err)
	}
	// The refused second start must leave the first keeper reachable.
	v, err := dial(t, dir).Version(context.Background())
	if err != nil || v != "first" {
		t.Errorf("Version after a refused Listen = %q, %v; want first", v, err)
	}
}

func TestDialNothingRunning(t *testing.T) {
	if c, err := Dial(t.TempDir()); !errors.Is(err, ErrNoKeeper) {
		if c != nil {
			c.Close()
		}
		t.Fatalf("Dial = %v, want ErrNoKeeper", err)
	}
}

func TestCallsAfterKeeperStopped(t *testing.T) {
	dir, stop := serve(t, &Server{Backend: newFake()})
	c := dial(t, dir)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	c.Close() // drop the idle connection so the next call dials again
	if _, err := c.Token(context.Background(), "x"); !errors.Is(err, ErrNoKeeper) {
		t.Errorf("Token after the keeper stopped = %v, want ErrNoKeeper", err)
	}
}

func BenchmarkTokenIPC(b *testing.B) {
	fb := newFake()
	fb.token = exact.Token{AccessToken: strings.Repeat("a", 900), Expiry: time.Now().Add(10 * time.Minute)}
	dir, _ := serve(b, &Server{Backend: fb})
	c := dial(b, dir)
	ctx := context.Background()
	for b.Loop() {
		if _, err := c.Token(ctx, "acme"); err != nil {
			b.Fatal(err)
		}
	}
}
