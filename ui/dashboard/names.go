package dashboard

import (
	"strings"

	"fyne.io/fyne/v2"

	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/keeper"
)

// NamedLike returns the connection already called name (ignoring case and
// spacing, as the keeper looks names up), if any.
func NamedLike(statuses []keeper.ConnStatus, name string) (keeper.ConnStatus, bool) {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	for _, c := range statuses {
		if norm(c.Name) == norm(name) {
			return c, true
		}
	}
	return keeper.ConnStatus{}, false
}

// askExistingName is shown when "Add connection" names a connection that
// exists: reconnect that one (with what the form says), or go back and
// choose another name. A name never silently replaces a connection.
func (d *Dashboard) askExistingName(existing keeper.ConnStatus, req keeper.ConnectRequest, f *OnboardingForm) {
	msg := newWrapLabel(i18n.Tf("ux.name.exists", map[string]any{"Name": existing.Name}))
	var od *openDialog
	od = d.showDialog(i18n.T("ux.name.exists-title"), msg,
		i18n.Tf("ux.name.reconnect", map[string]any{"Name": existing.Name}), false, func() bool {
			req.ExistingID, req.ForceLogin = existing.ID, true
			req.Name = existing.Name
			// Gone before the login's first view replaces the window's
			// content, not after.
			od.dlg.Hide()
			d.startLogin(req, f)
			return false
		})
	od.dismiss.SetText(i18n.T("ux.name.other"))
	od.dismiss.OnTapped = func() {
		od.dlg.Hide()
		if d.ob != nil {
			d.ob.setProblem(i18n.Tf("ux.name.taken", map[string]any{"Name": existing.Name}))
			if c := fyne.CurrentApp().Driver().CanvasForObject(d.ob.name); c != nil {
				c.Focus(d.ob.name)
			}
		}
	}
}
