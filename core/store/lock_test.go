package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestLockHonoursContext(t *testing.T) {
	s := openTemp(t)
	unlock, err := s.Lock(context.Background(), "chain-a")
	if err != nil {
		t.Fatal(err)
	}

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	short, cancelShort := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancelShort()
	for _, tt := range []struct {
		name  string
		ctx   context.Context
		cause error
	}{
		{"cancelled", cancelled, context.Canceled},
		{"deadline", short, context.DeadlineExceeded},
	} {
		_, err := s.Lock(tt.ctx, "chain-a")
		if !errors.Is(err, ErrLocked) || !errors.Is(err, tt.cause) {
			t.Errorf("%s: err = %v, want ErrLocked and %v", tt.name, err, tt.cause)
		} else if !strings.Contains(err.Error(), "another Exact Keeper process holds the lock on chain-a; wait for it to finish") {
			t.Errorf("%s: unclear message %q", tt.name, err)
		}
	}

	// Another name is another lock.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	unlockB, err := s.Lock(ctx, "chain-b")
	if err != nil {
		t.Fatalf("chain-b is blocked by chain-a: %v", err)
	}
	unlockB()

	// A waiter gets the lock once it is released, and not before.
	got := make(chan func(), 1)
	errc := make(chan error, 1)
	go func() {
		u, err := s.Lock(ctx, "chain-a")
		if err != nil {
			errc <- err
			return
		}
		got <- u
	}()
	select {
	case <-got:
		t.Fatal("a second goroutine took a held lock")
	default:
	}
	unlock()
	unlock() // releasing twice is harmless
	select {
	case u := <-got:
		u()
	case err := <-errc:
		t.Fatalf("waiter: %v", err)
	}
}

func TestLockRejectsBadNames(t *testing.T) {
	s := openTemp(t)
	for _, name := range []string{"", "../escape", "a/b", "config.json", strings.Repeat("x", 101), "chain-é", "a b", "a\x00"} {
		if _, err := s.Lock(context.Background(), name); err == nil || !strings.Contains(err.Error(), "invalid lock name") {
			t.Errorf("Lock(%q): err = %v, want an invalid-name error", name, err)
		}
	}
	// The longest name allowed, and every kind of character allowed.
	for _, name := range []string{strings.Repeat("x", 100), "Chain_09-az-AZ"} {
		unlock, err := s.Lock(context.Background(), name)
		if err != nil {
			t.Errorf("Lock(%q): %v, want the lock", name, err)
			continue
		}
		unlock()
	}
}
