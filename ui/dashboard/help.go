package dashboard

import (
	"net/url"

	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/exactkeeper/exactkeeper/core/help"
	"github.com/exactkeeper/exactkeeper/core/i18n"
)

// newHelpButton opens the FAQ (core/help) in the browser.
func (d *Dashboard) newHelpButton() *widget.Button {
	b := widget.NewButtonWithIcon(i18n.T("ux.help"), theme.HelpIcon(), d.openHelp)
	b.Importance = widget.LowImportance
	return b
}

func (d *Dashboard) openHelp() {
	u, err := url.Parse(help.URL())
	if err == nil {
		open := d.app.OpenURL
		if d.opts.openURL != nil {
			open = d.opts.openURL
		}
		err = open(u)
	}
	if err != nil {
		d.say(i18n.Tf("ux.help-failed", map[string]any{"URL": help.URL()}), true)
	}
}
