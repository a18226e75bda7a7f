package dashboard

import (
	"context"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/exactkeeper/exactkeeper/core/eventlog"
	"github.com/exactkeeper/exactkeeper/core/i18n"
)

// ActivityReader is a Backend that can read the keeper's lasting event
// log; the Activity tab then shows what happened while the window was
// closed too, not only what it saw itself.
type ActivityReader interface {
	Activity(ctx context.Context) ([]eventlog.Entry, error)
}

// maxActivityShown bounds the lines drawn; the log itself keeps more
// (exactkeeperctl log shows all).
const maxActivityShown = 300

// activityView is the Activity tab.
type activityView struct {
	box     *fyne.Container
	empty   *widget.Label
	problem *widget.Label
	copy    *widget.Button
	lasting []eventlog.Entry // from the log; nil until read
	hasLog  bool             // the backend has a log, so keeper events come from it
	shown   []string         // the lines on screen, for Copy all and tests
}

func (d *Dashboard) buildActivity() fyne.CanvasObject {
	_, hasLog := d.b.(ActivityReader)
	d.actView = activityView{box: container.NewVBox(), empty: newWrapLabel(i18n.T("dash.activity.empty")),
		problem: newWrapLabel(""), hasLog: hasLog}
	v := &d.actView
	v.problem.Importance = widget.DangerImportance
	v.problem.Hide()
	v.copy = widget.NewButtonWithIcon(i18n.T("ux.activity.copy"), theme.ContentCopyIcon(), func() {
		d.app.Clipboard().SetContent(strings.Join(v.shown, "\n"))
		d.say(i18n.T("ux.activity.copied"), false)
	})
	intro := newWrapLabel(i18n.T("ux.activity.intro"))
	intro.Importance = widget.LowImportance
	d.renderActivity()
	d.loadActivity()
	top := container.NewVBox(intro, v.problem)
	return container.NewBorder(top, container.NewHBox(layout.NewSpacer(), v.copy), nil, nil, container.NewVScroll(v.box))
}

// loadActivity reads the lasting log again and redraws the tab.
func (d *Dashboard) loadActivity() {
	r, ok := d.b.(ActivityReader)
	if !ok {
		return
	}
	var got []eventlog.Entry
	d.async(func(ctx context.Context) error {
		var err error
		got, err = r.Activity(ctx)
		return err
	}, func(err error) {
		v := &d.actView
		if v.box == nil {
			return
		}
		if err != nil {
			v.problem.SetText(i18n.Tf("ux.activity.read-failed", map[string]any{"Reason": Explain(err)}))
			v.problem.Show()
		} else {
			v.problem.Hide()
			v.lasting = got
		}
		d.renderActivity()
	})
}

// renderActivity lists what happened, newest first: the keeper's lasting
// log, rendered in the current language now, and what this window did
// itself. Neither ever holds a secret.
func (d *Dashboard) renderActivity() {
	v := &d.actView
	if v.box == nil {
		return
	}
	type line struct {
		at   time.Time
		text string
	}
	var lines []line
	for _, e := range v.lasting {
		lines = append(lines, line{e.Time, eventlog.Text(e)})
	}
	for _, a := range d.activity {
		if v.hasLog && a.keeper {
			continue // the log has it, with more detail
		}
		lines = append(lines, line{a.at, a.text})
	}
	slices.SortStableFunc(lines, func(a, b line) int { return b.at.Compare(a.at) })
	if len(lines) > maxActivityShown {
		lines = lines[:maxActivityShown]
	}
	v.box.RemoveAll()
	v.shown = v.shown[:0]
	if len(lines) == 0 {
		v.box.Add(v.empty)
		v.copy.Disable()
	} else {
		v.copy.Enable()
	}
	for _, l := range lines {
		text := formatTime(l.at) + "  " + l.text
		v.shown = append(v.shown, text)
		v.box.Add(newWrapLabel(text))
	}
	v.box.Refresh()
}
