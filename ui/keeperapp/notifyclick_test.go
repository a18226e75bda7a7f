package keeperapp

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/vault"
)

// clickNotifier is a notify.Clickable that records what it showed and
// lets the test click.
type clickNotifier struct {
	shown   chan [2]string // subject, title
	mu      sync.Mutex
	onClick func(string)
}

func (n *clickNotifier) Notify(title, _ string) error { n.shown <- [2]string{"", title}; return nil }
func (n *clickNotifier) NotifyAbout(subject, title, _ string) error {
	n.shown <- [2]string{subject, title}
	return nil
}
func (n *clickNotifier) OnActivate(f func(string)) { n.mu.Lock(); n.onClick = f; n.mu.Unlock() }
func (n *clickNotifier) click(subject string) {
	n.mu.Lock()
	f := n.onClick
	n.mu.Unlock()
	f(subject)
}

// TestNotificationClickOpensItsSubject: a reminder's notification carries
// its subject, and clicking it opens the dashboard there.
func TestNotificationClickOpensItsSubject(t *testing.T) {
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.Local)
	dir := newHome(t, now) // a delegation ending in 5 days: a reminder is due
	n := &clickNotifier{shown: make(chan [2]string, 16)}
	opened := make(chan []string, 16)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	o := Options{Dir: dir, Vault: vault.NewMemory(), Clock: &clock{now: now}, Host: newHost(), Notifier: n,
		Dashboard: func(args ...string) error { opened <- args; return nil }}
	go func() { stopped <- Run(ctx, o) }()
	defer func() { cancel(); <-stopped }()

	var subject string
	select {
	case s := <-n.shown:
		subject = s[0]
		if !strings.HasPrefix(subject, "reminder:delegation:d1:") {
			t.Fatalf("the reminder was notified about %q (%q)", subject, s[1])
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no notification")
	}
	// The first run without connections opened the onboarding window.
	select {
	case <-opened:
	case <-time.After(30 * time.Second):
		t.Fatal("the window did not open for onboarding")
	}
	n.click(subject)
	select {
	case args := <-opened:
		if got := strings.Join(args, " "); got != "--focus "+subject {
			t.Errorf("the click opened the dashboard with %q, want --focus %s", got, subject)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("clicking the notification opened nothing")
	}
}
