package ipc

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// peerListener drops connections from any user but uid, checked with
// SO_PEERCRED. The socket's modes already keep others out; this holds even
// if the modes are loosened by mistake.
type peerListener struct {
	net.Listener
	uid int
}

func wrapPeer(l net.Listener) net.Listener {
	return &peerListener{Listener: l, uid: os.Getuid()}
}

// Accept returns the next connection from the allowed user. Others are
// closed without an answer.
func (l *peerListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if checkPeerUID(c, l.uid) == nil {
			return c, nil
		}
		c.Close()
	}
}

// peerUID is the uid of the process on the other end of a unix socket.
func peerUID(c net.Conn) (int, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return -1, errors.New("the connection is not a socket")
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1, err
	}
	var cred *unix.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return -1, err
	}
	if cerr != nil {
		return -1, cerr
	}
	return int(cred.Uid), nil
}

// checkPeerUID fails unless the peer of c runs as want.
func checkPeerUID(c net.Conn, want int) error {
	uid, err := peerUID(c)
	if err != nil {
		return fmt.Errorf("could not tell who is on the other end of the keeper's endpoint: %w", err)
	}
	if uid != want {
		return fmt.Errorf("the keeper's endpoint is held by user id %d, not by this user (%d)", uid, want)
	}
	return nil
}

// checkServer makes sure the keeper a client reached runs as the same user,
// so a token is never taken from (or a request sent to) someone else.
func checkServer(c net.Conn, _ string) error {
	return checkPeerUID(c, os.Getuid())
}
