package ipc

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// Endpoint is the named pipe for the data directory dir and the current
// user: \\.\pipe\exactkeeper-<hash of dir and user>.
func Endpoint(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	user := os.Getenv("USERNAME")
	if sid, err := currentSID(); err == nil {
		user = sid.String()
	}
	// Windows paths are case-insensitive: C:\Users and c:\users are one dir.
	sum := sha256.Sum256([]byte(strings.ToLower(dir) + "\x00" + user))
	return fmt.Sprintf(`\\.\pipe\exactkeeper-%x`, sum[:8])
}

func currentSID() (*windows.SID, error) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return nil, err
	}
	return u.User.Sid, nil
}

// Listen opens the keeper's named pipe for dir, reachable only by the
// current user's SID. It returns ErrAlreadyRunning when a keeper answers.
func Listen(dir string) (net.Listener, error) {
	path := Endpoint(dir)
	sid, err := currentSID()
	if err != nil {
		return nil, fmt.Errorf("could not find out the current Windows user: %w", err)
	}
	// A protected DACL with one entry: full access for this user, nobody
	// else (not even Administrators or SYSTEM by inheritance).
	sd := "D:P(A;;GA;;;" + sid.String() + ")"
	if pipeInUse(path) {
		return nil, ErrAlreadyRunning
	}
	l, err := winio.ListenPipe(path, &winio.PipeConfig{
		SecurityDescriptor: sd,
		InputBufferSize:    64 << 10,
		OutputBufferSize:   64 << 10,
	})
	if err == nil {
		claimStrayInstance(path)
		return l, nil
	}
	// Named pipes vanish with their process, so an existing one means a
	// keeper is alive (or someone else holds the name).
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if c, derr := winio.DialPipeContext(ctx, path); derr == nil {
		c.Close()
		return nil, ErrAlreadyRunning
	}
	return nil, fmt.Errorf("could not open the keeper's endpoint %s: %w", path, err)
}

// pipeInUse tells whether a keeper already serves path, asked before
// ListenPipe because wine lets a second ListenPipe of an existing name
// succeed (Windows refuses it), which would make two keepers. An instance
// waiting for a client opens; one whose every instance is busy answers
// ERROR_PIPE_BUSY. Anything else (no such pipe, or one this user may not
// open) is left to ListenPipe to accept or refuse.
func pipeInUse(path string) bool {
	err := openAndHangUp(path)
	return err == nil || errors.Is(err, windows.ERROR_PIPE_BUSY)
}

// claimStrayInstance uses up the pipe instance that go-winio keeps only to
// hold the pipe's name. go-winio opens it without read or write access, and
// Windows therefore keeps it disconnected: clients only ever reach the
// instances Accept creates. Wine ignores that and hands the first client
// to this instance, where nobody reads: that client's request waits until
// its own timeout ("the running keeper did not answer in time"), after which
// every later client is served. Connecting once and hanging up at once takes
// that place before any real client can. On Windows the open fails at once
// with ERROR_PIPE_BUSY (no Accept is waiting yet) and changes nothing.
func claimStrayInstance(path string) { _ = openAndHangUp(path) }

// openAndHangUp connects to the pipe once, without waiting for a busy one,
// and closes the connection at once.
func openAndHangUp(path string) error {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return err
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil, windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		return err
	}
	_ = windows.CloseHandle(h)
	return nil
}

// dialEndpoint connects to the named pipe; ErrNoKeeper when it does not
// exist.
func dialEndpoint(ctx context.Context, path string) (net.Conn, error) {
	c, err := winio.DialPipeContext(ctx, path)
	if err != nil {
		if errors.Is(err, windows.ERROR_FILE_NOT_FOUND) || errors.Is(err, os.ErrNotExist) {
			return nil, ErrNoKeeper
		}
		return nil, err
	}
	return c, nil
}
