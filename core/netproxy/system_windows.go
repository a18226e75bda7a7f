package netproxy

import (
	"errors"

	"golang.org/x/sys/windows/registry"
)

// internetSettings is where WinINet keeps the user's proxy.
const internetSettings = `Software\Microsoft\Windows\CurrentVersion\Internet Settings`

var systemSettings = func() (Settings, error) { return readRegistry(internetSettings) }

// readRegistry reads WinINet proxy values under HKCU\path; absent values
// are empty, as Windows treats them.
func readRegistry(path string) (Settings, error) {
	k, err := registry.OpenKey(registry.CURRENT_USER, path, registry.QUERY_VALUE)
	if err != nil {
		return Settings{}, err
	}
	defer k.Close()
	var s Settings
	if v, _, err := k.GetIntegerValue("ProxyEnable"); err == nil {
		s.ProxyEnable = v != 0
	} else if !errors.Is(err, registry.ErrNotExist) {
		return Settings{}, err
	}
	s.ProxyServer = stringValue(k, "ProxyServer")
	s.ProxyOverride = stringValue(k, "ProxyOverride")
	s.AutoConfigURL = stringValue(k, "AutoConfigURL")
	return s, nil
}

func stringValue(k registry.Key, name string) string {
	v, _, err := k.GetStringValue(name)
	if err != nil {
		return ""
	}
	return v
}
