package ipc

import (
	"context"
	"testing"
)

// A second start with a link opens the dashboard at its subject; a plain
// start, or a keeper without OnOpen, activates as before.
func TestOpenAtFocus(t *testing.T) {
	ctx := context.Background()
	activated := make(chan struct{}, 4)
	opened := make(chan string, 4)
	dir, _ := serve(t, &Server{Backend: newFake(),
		OnActivate: func() { activated <- struct{}{} },
		OnOpen:     func(f string) { opened <- f }})
	c := dial(t, dir)
	if err := c.Open(ctx, "connection:3f2b9a0c11d2"); err != nil {
		t.Fatal(err)
	}
	select {
	case f := <-opened:
		if f != "connection:3f2b9a0c11d2" {
			t.Errorf("opened at %q", f)
		}
	default:
		t.Fatal("Open returned before OnOpen ran")
	}
	if err := c.Activate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Open(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if len(activated) != 2 || len(opened) != 0 {
		t.Errorf("plain activations: %d activated, %d opened; want 2 and 0", len(activated), len(opened))
	}

	dir2, _ := serve(t, &Server{Backend: newFake(), OnActivate: func() { activated <- struct{}{} }})
	if err := dial(t, dir2).Open(ctx, "delegation:ab12"); err != nil {
		t.Fatal(err)
	}
	if len(activated) != 3 {
		t.Error("a keeper without OnOpen did not fall back to activating")
	}
}
