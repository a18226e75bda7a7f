package dashboard

import (
	"context"
	"errors"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/exactkeeper/exactkeeper/core/gateway"
	"github.com/exactkeeper/exactkeeper/core/i18n"
)

// GatewayBackend is what the Settings tab's API gateway section needs. A
// Backend that has it gets the section; the real one does.
type GatewayBackend interface {
	// GatewayStatus is the gateway's state with its keys' counters (from
	// the running keeper; without one, what config.json says).
	GatewayStatus(ctx context.Context) (gateway.Status, error)
	// SwitchGateway turns it on or off, and has the keeper follow.
	SwitchGateway(ctx context.Context, on bool) (gateway.Status, error)
	// AddGatewayKey stores a new key and returns it, to be shown once.
	AddGatewayKey(ctx context.Context, name string) (string, error)
	// RemoveGatewayKey revokes a key at once.
	RemoveGatewayKey(ctx context.Context, name string) error
}

// gatewayView is the API gateway section of the Settings tab.
type gatewayView struct {
	b       GatewayBackend
	on      *widget.Check
	addr    *widget.Label
	keys    *fyne.Container
	name    *widget.Entry
	add     *widget.Button
	reload  *widget.Button
	newKey  *widget.Entry // the key just added, shown once, read-only
	keyNote *widget.Label
	problem *widget.Label
	remove  map[string]*widget.Button // by key name
	status  gateway.Status
	quiet   bool // while the check is set from a status, not by the owner
}

// buildGateway is the section, or nothing when the backend has no gateway.
func (d *Dashboard) buildGateway() fyne.CanvasObject {
	gb, ok := d.b.(GatewayBackend)
	if !ok {
		return container.NewVBox()
	}
	v := &d.gwView
	*v = gatewayView{b: gb, remove: map[string]*widget.Button{}}
	v.on = widget.NewCheck(i18n.T("gateway.dash.on"), func(on bool) {
		if !v.quiet {
			d.switchGateway(on)
		}
	})
	v.addr = newWrapLabel("")
	v.keys = container.NewVBox()
	v.name = widget.NewEntry()
	v.name.SetPlaceHolder(i18n.T("gateway.dash.name-hint"))
	v.add = widget.NewButtonWithIcon(i18n.T("gateway.dash.add"), theme.ContentAddIcon(), func() { d.addGatewayKey() })
	v.reload = widget.NewButtonWithIcon(i18n.T("gateway.dash.reload"), theme.ViewRefreshIcon(), func() { d.loadGateway() })
	v.newKey = widget.NewEntry()
	v.newKey.Hide()
	v.keyNote = newWrapLabel("")
	v.keyNote.Importance = widget.WarningImportance
	v.keyNote.Hide()
	v.problem = newWrapLabel("")
	v.problem.Importance = widget.DangerImportance
	v.problem.Hide()
	about := newWrapLabel(i18n.T("gateway.dash.about"))
	about.Importance = widget.LowImportance
	d.loadGateway()
	return container.NewVBox(widget.NewSeparator(), heading(i18n.T("gateway.dash.title")), about, v.on, v.addr,
		v.keys, container.NewBorder(nil, nil, nil, v.add, v.name), v.keyNote, v.newKey, v.problem,
		container.NewHBox(layout.NewSpacer(), v.reload))
}

// loadGateway reads the state and shows it.
func (d *Dashboard) loadGateway() {
	v := &d.gwView
	var st gateway.Status
	d.async(func(ctx context.Context) (err error) {
		st, err = v.b.GatewayStatus(ctx)
		return err
	}, func(err error) { d.showGateway(st, err) })
}

func (d *Dashboard) switchGateway(on bool) {
	v := &d.gwView
	var st gateway.Status
	d.async(func(ctx context.Context) (err error) {
		st, err = v.b.SwitchGateway(ctx, on)
		return err
	}, func(err error) { d.showGateway(st, err) })
}

func (d *Dashboard) addGatewayKey() {
	v := &d.gwView
	name := v.name.Text
	var key string
	d.async(func(ctx context.Context) (err error) {
		key, err = v.b.AddGatewayKey(ctx, name)
		return err
	}, func(err error) {
		if err != nil {
			d.showGateway(v.status, err)
			return
		}
		v.name.SetText("")
		v.keyNote.SetText(i18n.Tf("gateway.dash.key-once", map[string]any{"Name": name}))
		v.keyNote.Show()
		v.newKey.SetText(key)
		v.newKey.Show()
		d.loadGateway()
	})
}

func (d *Dashboard) removeGatewayKey(name string) {
	v := &d.gwView
	d.async(func(ctx context.Context) error { return v.b.RemoveGatewayKey(ctx, name) }, func(err error) {
		if err == nil {
			v.newKey.Hide()
			v.keyNote.Hide()
			d.say(i18n.Tf("gateway.dash.removed", map[string]any{"Name": name}), false)
		}
		d.loadGateway()
		if err != nil {
			d.showGateway(v.status, err)
		}
	})
}

// showGateway shows a state, or what went wrong.
func (d *Dashboard) showGateway(st gateway.Status, err error) {
	v := &d.gwView
	if err != nil {
		v.problem.SetText(gatewayProblem(err))
		v.problem.Show()
		return
	}
	v.problem.Hide()
	v.status = st
	v.quiet = true
	v.on.SetChecked(st.Enabled)
	v.quiet = false
	url := map[string]any{"URL": "http://" + st.Addr, "Error": st.Error}
	switch {
	case !st.Enabled:
		v.addr.SetText(i18n.T("gateway.dash.off"))
	case st.Running:
		v.addr.SetText(i18n.Tf("gateway.dash.running", url))
	case st.Error != "":
		v.addr.SetText(i18n.Tf("gateway.dash.failed", url))
	default:
		v.addr.SetText(i18n.Tf("gateway.dash.no-keeper", url))
	}
	v.keys.RemoveAll()
	v.remove = map[string]*widget.Button{}
	if len(st.Keys) == 0 {
		v.keys.Add(newWrapLabel(i18n.T("gateway.dash.no-keys")))
	}
	for _, k := range st.Keys {
		last := i18n.T("gateway.dash.never")
		if !k.LastRequest.IsZero() {
			last = formatTime(k.LastRequest)
		}
		line := widget.NewLabel(i18n.Tf("gateway.dash.key-line", map[string]any{
			"Name": k.Name, "Last": last, "Today": k.RequestsToday, "Refused": k.RefusalsToday}))
		if k.Name == gateway.CLIClient {
			v.keys.Add(line)
			continue
		}
		name := k.Name
		rm := widget.NewButtonWithIcon(i18n.T("gateway.dash.remove"), theme.DeleteIcon(), func() { d.removeGatewayKey(name) })
		v.remove[name] = rm
		v.keys.Add(container.NewBorder(nil, nil, nil, rm, line))
	}
	v.keys.Refresh()
}

// gatewayProblem says a key operation's failure in the user's words.
func gatewayProblem(err error) string {
	switch {
	case errors.Is(err, gateway.ErrKeyName):
		return i18n.T("gateway.dash.err.name")
	case errors.Is(err, gateway.ErrKeyExists):
		return i18n.T("gateway.dash.err.exists")
	}
	return fmt.Sprint(Explain(err))
}
