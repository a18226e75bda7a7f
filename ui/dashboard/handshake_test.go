package dashboard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/ipc"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// idleKeeper is an ipc.Backend with no connections and no events.
type idleKeeper struct{}

func (idleKeeper) Token(context.Context, string) (exact.Token, error) {
	return exact.Token{}, keeper.ErrNoConnections
}
func (idleKeeper) Refresh(context.Context, string) error { return keeper.ErrNoConnections }
func (idleKeeper) Status(context.Context) ([]keeper.ConnStatus, error) {
	return []keeper.ConnStatus{}, nil
}
func (idleKeeper) Reload(context.Context) error { return nil }
func (idleKeeper) Subscribe(int) (<-chan keeper.Event, func()) {
	ch := make(chan keeper.Event)
	return ch, func() {}
}

// serveKeeper runs an ipc server of the given version on dir's endpoint
// (a unix socket in the test's temporary dir) until the returned stop.
func serveKeeper(t *testing.T, dir, version string) (stop func()) {
	t.Helper()
	l, err := ipc.Listen(dir)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = (&ipc.Server{Backend: idleKeeper{}, Version: version}).Serve(ctx, l)
	}()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(stop)
	return stop
}

// handshakeBackend is the real backend on a fresh home dir, logging its
// handshake into the returned buffer.
func handshakeBackend(t *testing.T) (*realBackend, *bytes.Buffer) {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	b := &realBackend{st: st, handshake: newHandshakeLog(&log), dialWaits: []time.Duration{0, 0}}
	t.Cleanup(func() {
		if b.client != nil {
			b.client.Close()
		}
	})
	return b, &log
}

func lines(buf *bytes.Buffer) []string {
	return strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
}

// TestHandshakeLoggedOnce: the first call that reaches the keeper writes
// one line naming the endpoint and the keeper's version; later calls write
// nothing more.
func TestHandshakeLoggedOnce(t *testing.T) {
	b, log := handshakeBackend(t)
	serveKeeper(t, b.st.Dir, "9.8.7-test")
	ctx := context.Background()
	for range 3 {
		if _, err := b.Status(ctx); err != nil {
			t.Fatalf("Status: %v", err)
		}
	}
	b.reload(ctx)
	got := lines(log)
	want := fmt.Sprintf("dashboard: connected to the keeper over socket %s (keeper version: 9.8.7-test) after ", ipc.Endpoint(b.st.Dir))
	if len(got) != 1 || !strings.HasPrefix(got[0], want) || !strings.HasSuffix(got[0], " ms") {
		t.Fatalf("handshake log = %q, want one line starting %q and ending in ms", log.String(), want)
	}
}

// TestHandshakeRetriesATimeout: a keeper that did not answer the first
// ping (wine's stray pipe instance did that) is tried again, and the line
// says it took two tries.
func TestHandshakeRetriesATimeout(t *testing.T) {
	b, log := handshakeBackend(t)
	serveKeeper(t, b.st.Dir, "1.0.0")
	tries := 0
	b.dial = func(dir string) (*ipc.Client, error) {
		tries++
		if tries == 1 {
			return nil, fmt.Errorf("the running keeper did not answer in time: %w", context.DeadlineExceeded)
		}
		return ipc.Dial(dir)
	}
	if _, err := b.Status(context.Background()); err != nil {
		t.Fatalf("Status: %v", err)
	}
	if got := lines(log); len(got) != 1 || !strings.Contains(got[0], "connected to the keeper") || !strings.HasSuffix(got[0], "(2 tries)") {
		t.Fatalf("handshake log = %q, want one connected line after 2 tries", log.String())
	}
}

// TestHandshakeFailureNamed: without a keeper, and with one that never
// answers, the window still shows the files (no error, so no dead end), and
// the log names why once, however often the window asks again.
func TestHandshakeFailureNamed(t *testing.T) {
	t.Run("no keeper", func(t *testing.T) {
		b, log := handshakeBackend(t)
		for range 3 {
			if _, err := b.Status(context.Background()); err != nil {
				t.Fatalf("Status without a keeper: %v", err)
			}
		}
		want := fmt.Sprintf("dashboard: could not reach the keeper over socket %s after ", ipc.Endpoint(b.st.Dir))
		if got := lines(log); len(got) != 1 || !strings.HasPrefix(got[0], want) || !strings.HasSuffix(got[0], ipc.ErrNoKeeper.Error()) {
			t.Fatalf("handshake log = %q, want one line starting %q naming ErrNoKeeper", log.String(), want)
		}
	})
	t.Run("keeper does not answer", func(t *testing.T) {
		b, log := handshakeBackend(t)
		tries := 0
		b.dial = func(string) (*ipc.Client, error) {
			tries++
			return nil, fmt.Errorf("the running keeper did not answer in time: %w", context.DeadlineExceeded)
		}
		if _, err := b.Status(context.Background()); err != nil {
			t.Fatalf("Status with a keeper that does not answer: %v", err)
		}
		if _, err := b.Events(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Events = %v, want the timeout", err)
		}
		if tries != 6 {
			t.Errorf("dialled %d times, want 3 tries per call", tries)
		}
		got := lines(log)
		if len(got) != 1 || !strings.Contains(got[0], "(3 tries): the running keeper did not answer in time: context deadline exceeded") {
			t.Fatalf("handshake log = %q, want one line naming the timeout after 3 tries", log.String())
		}
	})
}

// TestHandshakeAgainAfterKeeperRestart: a keeper that went away and came
// back is logged once more, as reached again.
func TestHandshakeAgainAfterKeeperRestart(t *testing.T) {
	b, log := handshakeBackend(t)
	stop := serveKeeper(t, b.st.Dir, "1")
	ctx := context.Background()
	if _, err := b.Status(ctx); err != nil {
		t.Fatal(err)
	}
	stop()
	b.client.Close() // its idle connection would otherwise outlive the keeper
	// The first call finds the keeper gone, the second dials and fails.
	for range 2 {
		if _, err := b.Status(ctx); err != nil {
			t.Fatalf("Status after the keeper stopped: %v", err)
		}
	}
	serveKeeper(t, b.st.Dir, "2")
	if _, err := b.Status(ctx); err != nil {
		t.Fatal(err)
	}
	got := lines(log)
	if len(got) != 3 || !strings.Contains(got[0], "connected to the keeper") ||
		!strings.Contains(got[1], "could not reach the keeper") || !strings.Contains(got[2], "connected again to the keeper") ||
		!strings.Contains(got[2], "(keeper version: 2)") {
		t.Fatalf("handshake log = %q, want connected, could not reach, connected again", log.String())
	}
}
