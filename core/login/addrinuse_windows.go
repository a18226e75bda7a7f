package login

import (
	"errors"

	"golang.org/x/sys/windows"
)

// isAddrInUse checks the Winsock code: on Windows syscall.EADDRINUSE is an
// invented value that a failed listen never returns.
func isAddrInUse(err error) bool {
	return errors.Is(err, windows.WSAEADDRINUSE) || errors.Is(err, windows.WSAEACCES)
}
