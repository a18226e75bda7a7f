//go:build unix && !linux

package ipc

import (
	"fmt"
	"net"
	"os"
	"syscall"
)

// wrapPeer returns l as it is: without SO_PEERCRED the 0700 directory and
// the 0600 socket are what keep other users out.
func wrapPeer(l net.Listener) net.Listener { return l }

// checkServer makes sure the socket a client reached belongs to the same
// user, so a token is never taken from someone else.
func checkServer(_ net.Conn, path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return fmt.Errorf("could not inspect the keeper's endpoint %s: %w", path, err)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("the keeper's endpoint %s belongs to another user; remove it", path)
	}
	return nil
}
