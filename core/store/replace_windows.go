//go:build windows

package store

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/windows"
)

// replaceFile renames tmp over path. Windows refuses while another process
// has path open (a reader without FILE_SHARE_DELETE, a virus scanner); such
// opens are brief, so retry for a little while.
func replaceFile(tmp, path string) error {
	var err error
	for wait := 5 * time.Millisecond; wait < 2*time.Second; wait *= 2 {
		err = os.Rename(tmp, path)
		if err == nil || !(errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_SHARING_VIOLATION)) {
			return err
		}
		time.Sleep(wait)
	}
	return err
}
