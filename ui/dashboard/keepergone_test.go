package dashboard

import (
	"context"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/ipc"
	"github.com/exactkeeper/exactkeeper/core/keeper"
)

// vanishingBackend is a fakeBackend whose keeper can go away and be
// started again from the window (KeeperStarter).
type vanishingBackend struct {
	*fakeBackend
	mu      sync.Mutex
	up      bool
	stream  chan keeper.Event // the open event stream; closing it is the keeper going away
	started int
	opened  chan struct{} // a stream was opened
}

func (b *vanishingBackend) Events(ctx context.Context) (<-chan keeper.Event, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.up {
		return nil, ipc.ErrNoKeeper
	}
	b.stream = make(chan keeper.Event)
	b.opened <- struct{}{}
	return b.stream, nil
}

// vanish ends the keeper: its stream closes and it no longer answers.
func (b *vanishingBackend) vanish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.up = false
	close(b.stream)
}

func (b *vanishingBackend) StartKeeper(context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.started++
	b.up = true
	return nil
}

// TestVanishedKeeperOffersStart: a window whose keeper went away (Quit)
// says so, stops claiming "All well: kept alive", and offers "Start Exact
// Keeper"; starting it brings the window back in step. In both languages.
func TestVanishedKeeperOffersStart(t *testing.T) {
	for _, tt := range []struct{ lang, allWell, unkept, banner, button string }{
		{"en", "All well: kept alive", "Not kept alive right now: Exact Keeper is not running",
			"Exact Keeper is not running, so nothing is kept alive right now. The connections below show what was last saved.",
			"Start Exact Keeper"},
		{"nl", "Alles in orde: wordt actief gehouden", "Wordt nu niet actief gehouden: Exact Keeper draait niet",
			"Exact Keeper draait niet, dus er wordt nu niets actief gehouden. Hieronder ziet u wat het laatst is opgeslagen.",
			"Exact Keeper starten"},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			f := newFake()
			f.settings.Language = tt.lang
			f.statuses = connFixture()[:1] // "ok": Bakkerij, kept alive
			b := &vanishingBackend{fakeBackend: f, up: true, opened: make(chan struct{}, 4)}
			t.Cleanup(func() { setLanguage("") })
			keeperState := make(chan bool, 4)
			a := test.NewTempApp(t)
			d := New(a, b, Options{Now: func() time.Time { return fixedNow },
				eventRetry:  time.Hour, // only the button makes it listen again
				afterKeeper: func(up bool) { keeperState <- up }})
			d.tasks.Wait()
			d.win.Resize(fyne.NewSize(900, 760))
			t.Cleanup(func() { d.cancel(); d.tasks.Wait() })
			wait := func(want bool) {
				t.Helper()
				select {
				case up := <-keeperState:
					if up != want {
						t.Fatalf("keeper shown up = %v, want %v", up, want)
					}
				case <-time.After(10 * time.Second):
					t.Fatalf("the window never showed the keeper up = %v", want)
				}
				d.tasks.Wait()
			}
			card := func() *connCard { return d.conns.cards["ok"] }

			if card().state.Text != tt.allWell || d.banner.Visible() || d.startKeeper.Visible() {
				t.Fatalf("with the keeper running: state %q, banner %v, start %v", card().state.Text, d.banner.Visible(), d.startKeeper.Visible())
			}

			listening := func() {
				t.Helper()
				select {
				case <-b.opened:
				case <-time.After(10 * time.Second):
					t.Fatal("the window never listened to the keeper")
				}
			}
			listening()
			b.vanish()
			wait(false)
			if got := card().state.Text; got != tt.unkept {
				t.Errorf("after the keeper went away the card says %q, want %q", got, tt.unkept)
			}
			if !d.banner.Visible() || d.banner.Text != tt.banner {
				t.Errorf("banner %v %q, want %q", d.banner.Visible(), d.banner.Text, tt.banner)
			}
			if !d.startKeeper.Visible() || d.startKeeper.Text != tt.button || d.startKeeper.Disabled() {
				t.Fatalf("start button shown %v, %q, disabled %v", d.startKeeper.Visible(), d.startKeeper.Text, d.startKeeper.Disabled())
			}

			test.Tap(d.startKeeper)
			wait(true)
			b.mu.Lock()
			started := b.started
			b.mu.Unlock()
			if started != 1 {
				t.Errorf("StartKeeper called %d times, want 1", started)
			}
			if d.banner.Visible() || d.startKeeper.Visible() || card().state.Text != tt.allWell {
				t.Errorf("keeper back: banner %v, start %v, state %q", d.banner.Visible(), d.startKeeper.Visible(), card().state.Text)
			}
			if i18n.Language() != tt.lang {
				t.Errorf("the window speaks %s, want %s", i18n.Language(), tt.lang)
			}
		})
	}
}
