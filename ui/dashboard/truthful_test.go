package dashboard

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/exactkeeper/exactkeeper/core/keeper"
)

// tooEarlyBackend refreshes nothing: the access token is still fresh, so
// the keeper returns without calling Exact.
type tooEarlyBackend struct{ *fakeBackend }

func (b tooEarlyBackend) Refresh(_ context.Context, id string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refreshed = append(b.refreshed, id)
	return nil
}

// TestRefreshWithNothingToDoSaysWhen: seen, "was refreshed" when Exact was
// not called. Now the notice says when Exact allows the next refresh.
func TestRefreshWithNothingToDoSaysWhen(t *testing.T) {
	for _, tt := range []struct{ lang, want string }{
		{"en", "Bakkerij is fresh, so there is nothing to refresh yet. Exact Online allows the next refresh today at 12:09; Exact Keeper does it by itself."},
		{"nl", "Bakkerij is nog vers, dus er valt nog niets te vernieuwen. Exact Online staat de volgende vernieuwing vandaag om 12:09 toe; Exact Keeper doet dat vanzelf."},
	} {
		f := newFake()
		f.settings.Language = tt.lang
		c := connFixture()[0]
		c.LastRefresh, c.AccessExpiry = fixedNow.Add(-30*time.Second), fixedNow.Add(9*time.Minute+30*time.Second)
		f.statuses = []keeper.ConnStatus{c}
		h := startWith(t, tooEarlyBackend{f}, f, Options{})
		test.Tap(h.d.conns.cards["ok"].refresh)
		h.settle()
		if len(f.refreshed) != 1 || h.d.notice.Text != tt.want || h.d.notice.Importance == widget.DangerImportance {
			t.Errorf("[%s] refreshed %v, notice %q, want %q", tt.lang, f.refreshed, h.d.notice.Text, tt.want)
		}
	}
}

// TestLapsedCardSaysLapsed: seen, a red card still saying "lapses …
// (today)" after the lapse, and "All well" in green above a red "lapses
// today". The lapsed card says when it lapsed and offers only Reconnect.
func TestLapsedCardSaysLapsed(t *testing.T) {
	f := newFake()
	ok := connFixture()[0]
	lapsed, soon := ok, ok
	lapsed.ID, lapsed.Name = "lapsed", "Garage"
	lapsed.LastRefresh, lapsed.LapsesAt = fixedNow.Add(-70*24*time.Hour), fixedNow.Add(-40*24*time.Hour)
	soon.ID, soon.Name = "soon", "Kapper"
	soon.LastRefresh, soon.LapsesAt = fixedNow.Add(-30*24*time.Hour+3*time.Hour), fixedNow.Add(3*time.Hour)
	f.statuses = []keeper.ConnStatus{lapsed, soon}
	h := start(t, f, Options{})

	c := h.d.conns.cards["lapsed"]
	text := c.text()
	if !strings.Contains(text, "lapsed on 2026-01-20 while this PC was off") || strings.Contains(text, "lapses") {
		t.Errorf("lapsed card:\n%s", text)
	}
	if c.state.Importance != widget.DangerImportance || !c.refresh.Disabled() || c.reconnect.Importance != widget.HighImportance {
		t.Errorf("lapsed card: state %v, refresh disabled %v, reconnect %v", c.state.Importance, c.refresh.Disabled(), c.reconnect.Importance)
	}

	s := h.d.conns.cards["soon"]
	if strings.HasPrefix(s.state.Text, "All well") || s.state.Importance == widget.SuccessImportance {
		t.Errorf("a login lapsing today is shown as %q (%v)", s.state.Text, s.state.Importance)
	}
	if s.lapse.Importance == widget.DangerImportance && s.state.Importance != widget.DangerImportance {
		t.Error("a red lapse line under a calmer headline")
	}
}
