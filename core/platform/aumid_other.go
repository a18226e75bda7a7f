//go:build !windows

package platform

// RegisterAppUserModelID registers id for Windows toast notifications. Only
// Windows has AppUserModelIDs; elsewhere it only checks its arguments, so a
// mistake shows on every OS's CI.
func RegisterAppUserModelID(id, displayName, iconPath string) error {
	_, _, err := AppUserModelIDValues(id, displayName, iconPath)
	return err
}
