//go:build !windows

package keeperapp

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/vault"
	"github.com/exactkeeper/exactkeeper/ui/tray"
)

// TestQuitStopsTheDashboard: the window process the keeper started ends
// with the keeper when the owner chooses Quit, instead of staying on screen
// with the last "All well" of a keeper that is gone.
func TestQuitStopsTheDashboard(t *testing.T) {
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.Local)
	dir := newHome(t, now) // no connections: the window opens for onboarding

	// A stand-in window program on PATH: it reports its PID through a FIFO
	// and then waits to be ended.
	bin := t.TempDir()
	fifo := filepath.Join(bin, "started")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\necho $$ > \"$EK_TEST_FIFO\"\nexec sleep 300\n"
	if err := os.WriteFile(filepath.Join(bin, DashboardName), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	h := newHost()
	quit := make(chan struct{})
	stopped := make(chan error, 1)
	o := Options{Dir: dir, Vault: vault.NewMemory(), Clock: &clock{now: now}, Host: h, Notifier: make(notifier, 16),
		Env: []string{"EK_TEST_FIFO=" + fifo}, Quit: func() { close(quit) }}
	go func() { stopped <- Run(context.Background(), o) }()

	// Opening the FIFO blocks until the window program writes to it.
	f, err := os.Open(fifo)
	if err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(f).ReadString('\n')
	f.Close()
	if err != nil {
		t.Fatalf("reading the window's PID: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("PID %q: %v", line, err)
	}
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("the window process %d is not running: %v", pid, err)
	}

	h.next(t)
	select {
	case h.clicks <- tray.IDQuit:
	case <-time.After(30 * time.Second):
		t.Fatal("Quit not taken")
	}
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after Quit")
	}
	<-quit
	// Run returns only after the window process was reaped.
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("the window process %d outlived the keeper (kill -0: %v)", pid, err)
	}
}
