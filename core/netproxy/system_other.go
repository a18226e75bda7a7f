//go:build !windows

package netproxy

import "net/url"

// systemSettings is nil where the OS has no per-user proxy setting that Go
// does not already read: elsewhere the environment is the convention.
var systemSettings func() (Settings, error)

// systemPAC is nil where the OS offers no proxy-script engine to Go.
var systemPAC func(pacURL string, target *url.URL) (*url.URL, error)
