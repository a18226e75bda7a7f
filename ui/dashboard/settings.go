package dashboard

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/exactkeeper/exactkeeper/core/i18n"
)

// settingsView is the Settings tab.
type settingsView struct {
	refreshWarn *widget.Entry
	delWarn     *widget.Entry
	keepAlive   *widget.Entry
	autostart   *widget.Check
	language    *widget.Select
	langs       []string // "", "nl", "en", in the order of language's options
	save        *widget.Button
	problem     *widget.Label
}

func (d *Dashboard) buildSettings() fyne.CanvasObject {
	v := &d.setView
	f := SettingsFormOf(d.settings)
	v.refreshWarn = widget.NewEntry()
	v.refreshWarn.SetText(f.RefreshWarnings)
	v.delWarn = widget.NewEntry()
	v.delWarn.SetText(f.DelegationWarn)
	v.keepAlive = widget.NewEntry()
	v.keepAlive.SetText(f.KeepAlive)
	v.autostart = widget.NewCheck(i18n.T("dash.settings.autostart"), nil)
	v.autostart.SetChecked(f.Autostart)
	v.langs = []string{"", "nl", "en"}
	v.language = widget.NewSelect([]string{
		i18n.T("dash.settings.lang.os"), i18n.T("dash.settings.lang.nl"), i18n.T("dash.settings.lang.en"),
	}, nil)
	for i, l := range v.langs {
		if l == f.Language {
			v.language.SetSelectedIndex(i)
		}
	}
	v.problem = newWrapLabel("")
	v.problem.Importance = widget.DangerImportance
	v.problem.Hide()
	v.save = widget.NewButtonWithIcon(i18n.T("dash.save"), theme.DocumentSaveIcon(), func() { d.saveSettings() })
	v.save.Importance = widget.HighImportance

	hint := func(key string) *widget.Label {
		l := newWrapLabel(i18n.T(key))
		l.Importance = widget.LowImportance
		return l
	}
	form := container.New(layout.NewFormLayout(),
		widget.NewLabel(i18n.T("dash.settings.refresh-warnings")), container.NewVBox(v.refreshWarn, hint("dash.settings.refresh-warnings-help")),
		widget.NewLabel(i18n.T("dash.settings.delegation-warn")), container.NewVBox(v.delWarn, hint("dash.settings.delegation-warn-help")),
		widget.NewLabel(i18n.T("dash.settings.keepalive")), container.NewVBox(v.keepAlive, hint("dash.settings.keepalive-help")),
		widget.NewLabel(i18n.T("dash.settings.language")), v.language,
		layout.NewSpacer(), v.autostart,
	)
	return container.NewVScroll(container.NewPadded(container.NewVBox(form, v.problem, container.NewHBox(layout.NewSpacer(), v.save), d.buildGateway())))
}

func (v *settingsView) read() SettingsForm {
	f := SettingsForm{RefreshWarnings: v.refreshWarn.Text, DelegationWarn: v.delWarn.Text,
		KeepAlive: v.keepAlive.Text, Autostart: v.autostart.Checked}
	if i := v.language.SelectedIndex(); i >= 0 {
		f.Language = v.langs[i]
	}
	return f
}

func (d *Dashboard) saveSettings() {
	v := &d.setView
	s, err := v.read().Apply(d.settings)
	if err != nil {
		v.problem.SetText(Explain(err))
		v.problem.Show()
		return
	}
	v.problem.Hide()
	v.save.Disable()
	d.async(func(ctx context.Context) error { return d.b.SaveSettings(ctx, s) }, func(err error) {
		v.save.Enable()
		if err != nil {
			v.problem.SetText(Explain(err))
			v.problem.Show()
			return
		}
		changedLang := s.Language != d.settings.Language
		d.settings = s
		if changedLang {
			setLanguage(s.Language)
			d.win.SetTitle(i18n.T("dash.title"))
			d.showMain() // every label again, in the new language
		}
		d.say(i18n.T("dash.settings.saved"), false)
		d.addActivity(d.now(), i18n.T("dash.activity.settings"))
	})
}
