// Package assets embeds Exact Keeper's icons and translations, so both
// processes and the command line carry them inside the one binary.
package assets

//go:generate go run ./internal/gen -out icons

import (
	"embed"
	"io/fs"
)

// FS holds icons/ (PNG, and ICO for the Windows tray) and translations/ (flat JSON catalogues named
// <lang>.json, in any sub-directory).
//
//go:embed icons translations
var FS embed.FS

// Tray states, as the names of the tray icons.
const (
	StateOK        = "ok"
	StateAttention = "attention"
	StateAction    = "action"
)

// Icon returns the tray icon for a state ("ok", "attention" or "action";
// anything else gets the "action" icon, so an unknown state is not shown as
// fine). dark picks the variant with a light outline, for dark task bars.
func Icon(state string, dark bool) []byte {
	variant := "light"
	if dark {
		variant = "dark"
	}
	return mustRead("icons/tray-" + known(state) + "-" + variant + ".png")
}

// IconICO returns the tray icon for a state as an ICO file (16, 24, 32 and
// 48 px), which is what the Windows tray loads.
func IconICO(state string, dark bool) []byte {
	variant := "light"
	if dark {
		variant = "dark"
	}
	return mustRead("icons/tray-" + known(state) + "-" + variant + ".ico")
}

// TemplateIcon returns the black-with-alpha tray icon for a state, for the
// macOS menu bar, which tints template images itself.
func TemplateIcon(state string) []byte {
	return mustRead("icons/tray-" + known(state) + "-template.png")
}

// AppIcon returns the 256 px application icon.
func AppIcon() []byte { return mustRead("icons/app.png") }

func known(state string) string {
	switch state {
	case StateOK, StateAttention:
		return state
	}
	return StateAction
}

// mustRead reads an embedded file. The names are fixed in this package and
// a test reads every one of them, so a failure is a build mistake.
func mustRead(name string) []byte {
	b, err := fs.ReadFile(FS, name)
	if err != nil {
		panic("assets: " + err.Error())
	}
	return b
}
