package ipc

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/keeper"
)

// TestAskToken: one connection carries the check and the request, and the
// token comes back as Client.Token gives it.
func TestAskToken(t *testing.T) {
	fb := newFake()
	exp := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	fb.token = exact.Token{AccessToken: "tok", RefreshToken: "never", Expiry: exp}
	dir, _ := serve(t, &Server{Backend: fb})
	p, err := AskToken(context.Background(), dir, "Bakkerij de Jong & Zn")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := p.Token()
	if err != nil || tok.AccessToken != "tok" || tok.RefreshToken != "" || !tok.Expiry.Equal(exp) {
		t.Fatalf("Token = %+v, %v", tok, err)
	}
	fb.mu.Lock()
	defer fb.mu.Unlock()
	if len(fb.tokenFor) != 1 || fb.tokenFor[0] != "Bakkerij de Jong & Zn" {
		t.Fatalf("the keeper was asked for %q", fb.tokenFor)
	}
}

// TestAskTokenErrors: no keeper is ErrNoKeeper from AskToken; the keeper's
// refusal keeps its kind and sentence and comes from Token.
func TestAskTokenErrors(t *testing.T) {
	if _, err := AskToken(context.Background(), t.TempDir(), "x"); !errors.Is(err, ErrNoKeeper) {
		t.Fatalf("no keeper: %v, want ErrNoKeeper", err)
	}
	fb := newFake()
	dir, stop := serve(t, &Server{Backend: fb})
	for _, want := range []error{keeper.ErrNeedsReconnect, keeper.ErrUnknown, keeper.ErrNoConnections, keeper.ErrWrongSecret} {
		fb.setErr(want)
		p, err := AskToken(context.Background(), dir, "x")
		if err != nil {
			t.Fatalf("%v: AskToken: %v", want, err)
		}
		if _, err := p.Token(); !errors.Is(err, want) || err.Error() != want.Error() {
			t.Fatalf("Token: %v, want %v", err, want)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := AskToken(context.Background(), dir, "x"); !errors.Is(err, ErrNoKeeper) {
		t.Fatalf("after the keeper stopped: %v, want ErrNoKeeper", err)
	}
}

// TestAskTokenEndsWithContext: a keeper that accepts and never answers
// does not hold the caller past its context (a signal, --timeout).
func TestAskTokenEndsWithContext(t *testing.T) {
	dir := t.TempDir()
	l, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := l.Accept(); err == nil {
			accepted <- c
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case c := <-accepted:
			defer c.Close()
			cancel()
		case <-time.After(guard):
		}
	}()
	_, err = AskToken(ctx, dir, "x")
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "did not answer in time") {
		t.Fatalf("AskToken on a silent keeper: %v", err)
	}
}
