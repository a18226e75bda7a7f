package ipc

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

func TestEventStreamsAreCapped(t *testing.T) {
	fb := newFake()
	dir, _ := serve(t, &Server{Backend: fb, MaxEventStreams: 2})
	c := dial(t, dir)
	ctx := context.Background()

	first, cancelFirst := context.WithCancel(ctx)
	defer cancelFirst()
	firstEvents, err := c.Events(first)
	if err != nil {
		t.Fatalf("first stream: %v", err)
	}
	subscribed(t, fb)
	if _, err := c.Events(ctx); err != nil {
		t.Fatalf("second stream: %v", err)
	}
	subscribed(t, fb)

	_, err = c.Events(ctx)
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("third stream: err = %v, want ErrBusy", err)
	}
	want := "the running keeper already serves 2 event streams, the most it allows; close a dashboard or another program that follows it, then try again"
	if err.Error() != want {
		t.Errorf("third stream: message %q, want %q", err, want)
	}
	select {
	case <-fb.subs:
		t.Error("the refused stream subscribed to the backend")
	default:
	}

	// Other calls still work at the cap: it counts streams, not requests.
	if _, err := c.Version(ctx); err != nil {
		t.Errorf("Version while the streams are at their cap: %v", err)
	}

	// Ending a stream frees its place.
	cancelFirst()
	expectClosed(t, firstEvents)
	expectUnsubscribed(t, fb)
	if _, err := c.Events(ctx); err != nil {
		t.Fatalf("a stream after one ended: %v", err)
	}
	subscribed(t, fb)
}

func TestConnectionsAreCapped(t *testing.T) {
	closed := make(chan struct{}, 8)
	s := &Server{Backend: newFake(), Version: "v", MaxConns: 2, connClosed: func() { closed <- struct{}{} }}
	dir, _ := serve(t, s)

	// Two connections that say nothing hold both places.
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	var held []net.Conn
	for range 2 {
		conn, err := dialEndpoint(ctx, Endpoint(dir))
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, conn)
		defer conn.Close()
	}

	// The server accepts in order, so the third finds both places taken.
	c, err := Dial(dir)
	if !errors.Is(err, ErrBusy) {
		if c != nil {
			c.Close()
		}
		t.Fatalf("Dial past the cap: err = %v, want ErrBusy", err)
	}
	want := "the running keeper already has 2 connections open, the most it allows; close some of the programs that talk to it, then try again"
	if err.Error() != want {
		t.Errorf("Dial past the cap: message %q, want %q", err, want)
	}
	select {
	case <-closed:
		t.Fatal("a place was given back although both holders are still open")
	default:
	}

	// Closing one gives its place back.
	held[0].Close()
	select {
	case <-closed:
	case <-time.After(guard):
		t.Fatal("the server did not give back the closed connection's place")
	}
	c, err = Dial(dir)
	if err != nil {
		t.Fatalf("Dial after a place came free: %v", err)
	}
	defer c.Close()
	if v, err := c.Version(ctx); err != nil || v != "v" {
		t.Errorf("Version = %q, %v", v, err)
	}
}

func TestDefaultLimits(t *testing.T) {
	var s Server
	if s.maxEventStreams() != DefaultMaxEventStreams || s.maxConns() != DefaultMaxConns {
		t.Errorf("zero Server: %d streams, %d connections; want the defaults", s.maxEventStreams(), s.maxConns())
	}
	if DefaultMaxConns <= DefaultMaxEventStreams {
		t.Errorf("DefaultMaxConns %d leaves no room beside %d event streams", DefaultMaxConns, DefaultMaxEventStreams)
	}
}
