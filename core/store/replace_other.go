//go:build !windows

package store

import "os"

// replaceFile renames tmp over path atomically.
func replaceFile(tmp, path string) error { return os.Rename(tmp, path) }
