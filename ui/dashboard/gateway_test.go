package dashboard

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/exactkeeper/exactkeeper/core/gateway"
	"github.com/exactkeeper/exactkeeper/core/i18n"
)

// gwFake is the fake backend with a gateway: keys by name, counters set
// by the test.
type gwFake struct {
	*fakeBackend
	gmu    sync.Mutex
	status gateway.Status
}

func (g *gwFake) GatewayStatus(context.Context) (gateway.Status, error) {
	g.gmu.Lock()
	defer g.gmu.Unlock()
	st := g.status
	st.Keys = append([]gateway.KeyStats(nil), st.Keys...)
	return st, nil
}

func (g *gwFake) SwitchGateway(ctx context.Context, on bool) (gateway.Status, error) {
	g.gmu.Lock()
	g.status.Enabled, g.status.Running = on, on
	g.gmu.Unlock()
	return g.GatewayStatus(ctx)
}

func (g *gwFake) AddGatewayKey(_ context.Context, name string) (string, error) {
	if !gateway.ValidKeyName(name) {
		return "", gateway.ErrKeyName
	}
	g.gmu.Lock()
	defer g.gmu.Unlock()
	g.status.Keys = append(g.status.Keys, gateway.KeyStats{Name: name})
	return "ekg_secret-" + name, nil
}

func (g *gwFake) RemoveGatewayKey(_ context.Context, name string) error {
	g.gmu.Lock()
	defer g.gmu.Unlock()
	for i, k := range g.status.Keys {
		if k.Name == name {
			g.status.Keys = append(g.status.Keys[:i], g.status.Keys[i+1:]...)
		}
	}
	return nil
}

// TestGatewaySettings: the section shows the state and every key's
// counters; switching on, adding a key (shown once) and removing one go to
// the backend, and a bad name is explained.
func TestGatewaySettings(t *testing.T) {
	i18n.SetLanguage("en")
	t.Cleanup(func() { setLanguage("") })
	f := newFake()
	f.settings.Language = "en"
	f.statuses = connFixture() // with none, the window is the onboarding
	g := &gwFake{fakeBackend: f, status: gateway.Status{Addr: "127.0.0.1:43817", Keys: []gateway.KeyStats{
		{Name: "excel", LastRequest: fixedNow.Add(-time.Minute), RequestsToday: 42, RefusalsToday: 2},
	}}}
	d := New(test.NewTempApp(t), g, Options{Now: func() time.Time { return fixedNow }})
	d.tasks.Wait()
	d.win.Resize(fyne.NewSize(900, 760))
	t.Cleanup(func() { d.cancel(); d.tasks.Wait() })
	v := &d.gwView
	if v.on == nil || v.on.Checked || v.addr.Text != i18n.T("gateway.dash.off") {
		t.Fatalf("the section does not show the gateway off: %v %q", v.on != nil, v.addr.Text)
	}
	d.tabs.SelectIndex(2) // Settings
	if !strings.Contains(texts(d.win), "excel: last request") || !strings.Contains(texts(d.win), "today 42 requests, 2 refused") {
		t.Fatalf("counters not shown: %s", texts(d.win))
	}
	v.on.SetChecked(true)
	d.tasks.Wait()
	if !g.status.Enabled || v.addr.Text != "Listening on http://127.0.0.1:43817" {
		t.Fatalf("after on: enabled %v, %q", g.status.Enabled, v.addr.Text)
	}
	test.Type(v.name, "two words")
	test.Tap(v.add)
	d.tasks.Wait()
	if !v.problem.Visible() || v.problem.Text != i18n.T("gateway.dash.err.name") || v.newKey.Visible() {
		t.Fatal("a bad name was not explained")
	}
	v.name.SetText("powerbi")
	test.Tap(v.add)
	d.tasks.Wait()
	if !v.newKey.Visible() || v.newKey.Text != "ekg_secret-powerbi" || v.remove["powerbi"] == nil {
		t.Fatalf("the new key is not shown once: %q", v.newKey.Text)
	}
	test.Tap(v.remove["excel"])
	d.tasks.Wait()
	if len(g.status.Keys) != 1 || v.remove["excel"] != nil || v.newKey.Visible() {
		t.Fatalf("excel not removed: %+v", g.status.Keys)
	}
}
