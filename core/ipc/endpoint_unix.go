//go:build unix

package ipc

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/gofrs/flock"
)

const socketName = "keeper.sock"

// lockWait bounds how long Listen waits for another starting keeper.
const lockWait = 5 * time.Second

// Endpoint is the socket path for the data directory dir: dir/run/keeper.sock,
// or, when that is too long for a socket address, a short path under
// os.TempDir() derived from a hash of dir. Both live in a directory that only
// the user may enter.
func Endpoint(dir string) string {
	p := filepath.Join(dir, "run", socketName)
	if len(p) < maxSocketPath() {
		return p
	}
	return shortEndpoint(dir, os.TempDir())
}

// maxSocketPath is the size of sun_path, which includes the closing NUL.
func maxSocketPath() int {
	if runtime.GOOS == "linux" {
		return 108
	}
	return 104
}

func shortEndpoint(dir, tmp string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	sum := sha256.Sum256([]byte(dir))
	// The uid in the name keeps users of a shared temp dir apart; the hash
	// keeps data dirs (tests, EXACTKEEPER_HOME) apart.
	name := fmt.Sprintf("exactkeeper-%d-%x", os.Getuid(), sum[:8])
	p := filepath.Join(tmp, name, socketName)
	if len(p) >= maxSocketPath() {
		p = filepath.Join("/tmp", name, socketName)
	}
	return p
}

// Listen opens the keeper's endpoint for dir. A socket left behind by a
// keeper that died is replaced; when a keeper answers, Listen returns
// ErrAlreadyRunning. On Linux the listener refuses connections from other
// users.
func Listen(dir string) (net.Listener, error) {
	path := Endpoint(dir)
	if err := secureDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	// Two keepers starting at once must not both find the socket stale and
	// remove each other's; the lock serialises check, removal and bind.
	lock := flock.New(path+".lock", flock.SetPermissions(0o600))
	ctx, cancel := context.WithTimeout(context.Background(), lockWait)
	defer cancel()
	ok, err := lock.TryLockContext(ctx, 20*time.Millisecond)
	if err != nil || !ok {
		return nil, fmt.Errorf("could not lock the keeper's endpoint %s (%v); another keeper may be starting, try again", path, err)
	}
	defer lock.Unlock()

	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if errors.Is(err, syscall.EADDRINUSE) {
		if err := removeStale(path); err != nil {
			return nil, err
		}
		l, err = net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	}
	if err != nil {
		return nil, fmt.Errorf("could not open the keeper's endpoint %s: %w", path, err)
	}
	// The directory already keeps others out; 0600 on the socket is the
	// second lock on the door.
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return nil, fmt.Errorf("could not restrict the keeper's endpoint %s to this user: %w", path, err)
	}
	return wrapPeer(l), nil
}

// removeStale removes the socket at path unless a keeper answers on it.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return fmt.Errorf("could not inspect the keeper's endpoint %s: %w", path, err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("%s is in the way of the keeper's endpoint and is not a socket; move it elsewhere and start again", path)
	}
	c, err := net.DialTimeout("unix", path, time.Second)
	switch {
	case err == nil:
		c.Close()
		return ErrAlreadyRunning
	case errors.Is(err, syscall.EAGAIN):
		// The listen backlog is full: a keeper is there, just busy.
		return ErrAlreadyRunning
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ENOENT):
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("could not remove the stale endpoint %s: %w", path, err)
		}
		return nil
	}
	return fmt.Errorf("could not tell whether a keeper answers on %s: %w", path, err)
}

// secureDir makes dir (and missing parents) and makes sure only the user can
// enter it: a real directory, owned by the user, mode 0700.
func secureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("could not create the keeper's directory %s: %w", dir, err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("could not inspect the keeper's directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s must be a directory, not a link or a file; remove it and start again", dir)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("the keeper's directory %s belongs to another user; remove it and start again", dir)
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("could not restrict the keeper's directory %s to this user: %w", dir, err)
		}
	}
	return nil
}

// dialEndpoint connects to the socket at path; ErrNoKeeper when nothing
// listens there.
func dialEndpoint(ctx context.Context, path string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
			return nil, ErrNoKeeper
		}
		return nil, err
	}
	if err := checkServer(c, path); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}
