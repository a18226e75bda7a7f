package platform

import (
	"fmt"

	"golang.org/x/sys/windows/registry"
)

// RegisterAppUserModelID registers id under HKCU so Windows shows toasts
// sent under it with displayName and the icon at iconPath (absolute; may be
// empty). Run it at every start: it is cheap and follows a moved icon.
func RegisterAppUserModelID(id, displayName, iconPath string) error {
	key, values, err := AppUserModelIDValues(id, displayName, iconPath)
	if err != nil {
		return err
	}
	k, _, err := registry.CreateKey(registry.CURRENT_USER, key, registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("cannot register Exact Keeper for notifications (%v): notifications may not show", err)
	}
	defer k.Close()
	for name, v := range values {
		if err := k.SetStringValue(name, v); err != nil {
			return fmt.Errorf("cannot register Exact Keeper for notifications (%v): notifications may not show", err)
		}
	}
	if _, ok := values["IconUri"]; !ok {
		// An icon from an earlier registration may point at a deleted file.
		_ = k.DeleteValue("IconUri")
	}
	return nil
}
