//go:build unix

package ipc

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestModes(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, runDir string)
	}{
		{"fresh", func(*testing.T, string) {}},
		{"loose existing dir", func(t *testing.T, runDir string) {
			if err := os.MkdirAll(runDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(runDir, 0o755); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			sock := Endpoint(dir)
			tt.prepare(t, filepath.Dir(sock))
			l, err := Listen(dir)
			if err != nil {
				t.Fatalf("Listen: %v", err)
			}
			defer l.Close()
			for path, want := range map[string]fs.FileMode{filepath.Dir(sock): 0o700, sock: 0o600} {
				fi, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if got := fi.Mode().Perm(); got != want {
					t.Errorf("mode of %s = %o, want %o", path, got, want)
				}
			}
		})
	}
}

func TestEndpointShortDir(t *testing.T) {
	dir := "/home/owner/.config/exactkeeper"
	if got, want := Endpoint(dir), dir+"/run/keeper.sock"; got != want {
		t.Errorf("Endpoint = %q, want %q", got, want)
	}
}

func TestEndpointLongDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 60), strings.Repeat("e", 60))
	p := Endpoint(dir)
	if len(p) >= maxSocketPath() {
		t.Fatalf("Endpoint = %q (%d bytes), longer than a socket address allows", p, len(p))
	}
	if !strings.HasPrefix(p, os.TempDir()) && !strings.HasPrefix(p, "/tmp/") {
		t.Errorf("Endpoint = %q, want it under the temp dir", p)
	}
	if other := Endpoint(dir + "x"); other == p {
		t.Errorf("two data dirs share the endpoint %q", p)
	}
	t.Cleanup(func() { os.RemoveAll(filepath.Dir(p)) })

	dir2, _ := serveAt(t, dir)
	c := dial(t, dir2)
	if _, err := c.Version(context.Background()); err != nil {
		t.Errorf("Version over the short endpoint: %v", err)
	}
	fi, err := os.Stat(filepath.Dir(p))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("mode of %s = %o, want 700", filepath.Dir(p), fi.Mode().Perm())
	}
}

func TestShortEndpointFallsBackToTmp(t *testing.T) {
	p := shortEndpoint("/data", "/"+strings.Repeat("t", 120))
	if !strings.HasPrefix(p, "/tmp/exactkeeper-") || len(p) >= maxSocketPath() {
		t.Errorf("shortEndpoint with a long temp dir = %q, want a short path under /tmp", p)
	}
}

// serveAt is serve for a given data dir.
func serveAt(t *testing.T, dir string) (string, *fakeBackend) {
	t.Helper()
	l, err := Listen(dir)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	fb := newFake()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- (&Server{Backend: fb}).Serve(ctx, l) }()
	t.Cleanup(func() { cancel(); <-done })
	return dir, fb
}

// leaveStaleSocket binds the endpoint of dir and closes it without removing
// the file, as a crashed keeper would.
func leaveStaleSocket(t *testing.T, dir string) string {
	t.Helper()
	sock := Endpoint(dir)
	if err := os.MkdirAll(filepath.Dir(sock), 0o700); err != nil {
		t.Fatal(err)
	}
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()
	if _, err := os.Lstat(sock); err != nil {
		t.Fatalf("the stale socket is gone already: %v", err)
	}
	return sock
}

func TestStaleSocketReplaced(t *testing.T) {
	dir := t.TempDir()
	leaveStaleSocket(t, dir)
	if _, err := Dial(dir); !errors.Is(err, ErrNoKeeper) {
		t.Fatalf("Dial on a stale socket = %v, want ErrNoKeeper", err)
	}
	serveAt(t, dir)
	if _, err := dial(t, dir).Version(context.Background()); err != nil {
		t.Errorf("Version after replacing the stale socket: %v", err)
	}
}

func TestNonSocketInTheWayIsKept(t *testing.T) {
	dir := t.TempDir()
	sock := Endpoint(dir)
	if err := os.MkdirAll(filepath.Dir(sock), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sock, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := Listen(dir)
	if err == nil {
		l.Close()
		t.Fatal("Listen replaced a regular file")
	}
	if !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("error = %q, want it to say the file is not a socket", err)
	}
	if b, _ := os.ReadFile(sock); string(b) != "precious" {
		t.Errorf("the file in the way was changed: %q", b)
	}
}

func TestRunDirMustBeADirectory(t *testing.T) {
	dir := t.TempDir()
	target := t.TempDir()
	if err := os.Symlink(target, filepath.Join(dir, "run")); err != nil {
		t.Fatal(err)
	}
	l, err := Listen(dir)
	if err == nil {
		l.Close()
		t.Fatal("Listen accepted a symlinked run dir")
	}
	if !strings.Contains(err.Error(), "must be a directory") {
		t.Errorf("error = %q, want it to name the problem", err)
	}
}
