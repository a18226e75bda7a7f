package keeper

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

// The chain item must be one keychain item: a value the vault splits is
// written part by part, and a kill between parts is exactly what the item
// exists to survive. Exact's refresh tokens are a few hundred bytes; 1,500
// leaves a wide margin, with the largest times and sequence number.
func TestChainItemFitsOneKeychainItem(t *testing.T) {
	far := time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("", -12*3600))
	item := chainItem{RT: strings.Repeat("x", 1500), Issued: far, Expiry: far, Seq: ^uint64(0)}
	if n := len(item.encode()); n > vault.ItemLimit {
		t.Fatalf("a chain item with a 1,500-byte refresh token takes %d bytes; one keychain item holds %d", n, vault.ItemLimit)
	}
	if vault.ItemLimit > 2560 {
		t.Fatalf("ItemLimit %d is over Windows' 2,560 bytes per credential", vault.ItemLimit)
	}
}

func TestChainItemRoundTripAndRefusals(t *testing.T) {
	issued := t0.Add(time.Minute)
	item := chainItem{RT: "rt-1", Issued: issued, Expiry: issued.Add(lifetime), Seq: 7}
	got, err := decodeChainItem(item.encode())
	if err != nil || got.RT != "rt-1" || !got.Issued.Equal(issued) || !got.Expiry.Equal(issued.Add(lifetime)) || got.Seq != 7 {
		t.Fatalf("decode(encode) = %+v, %v", got, err)
	}
	if next := got.withToken(exact.Token{RefreshToken: "rt-2"}); next.RT != "rt-2" || next.Seq != 8 || !next.Issued.Equal(issued) {
		t.Fatalf("a rotation without an access token = %+v; want the last known times kept", next)
	}
	for _, tt := range []struct {
		raw  string
		want error
	}{
		{"rt-bare-token-of-the-old-layout", vault.ErrDamaged},
		{`{"v":1,"rt":""}`, vault.ErrDamaged},
		{`{"rt":"x"}`, vault.ErrDamaged},
		{`{"v":2,"rt":"x","more":true}`, errNewerChain},
	} {
		if _, err := decodeChainItem(tt.raw); !errors.Is(err, tt.want) {
			t.Errorf("decode(%q) = %v, want %v", tt.raw, err, tt.want)
		}
	}
}

// A process killed after saving a rotation, before caching its access token
// or writing state.json: the next process knows from the chain item when
// that unseen token expires, so it makes no too-early call (before the
// item, that cost up to 19 refusals) and records the refresh for the lapse
// date.
func TestKilledAfterSaveCausesNoTooEarlyCall(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	e.clock.Advance(25 * time.Hour)
	before := e.state(id)

	// The killed process: Exact rotates, the item is saved, nothing else.
	rt, _ := StoredRefreshToken(e.vault, id)
	cfg, _ := e.opts.Store.LoadConfig()
	conn, _ := findID(cfg, id)
	client := e.opts.client(conn, clientSecret)
	tok, err := client.Refresh(e.deadline(), rt)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := e.vault.Get(vault.ChainKey(id))
	old, _ := decodeChainItem(raw)
	if err := saveChainItem(e.opts, conn, old.withToken(tok)); err != nil {
		t.Fatal(err)
	}
	if e.state(id).LastRefresh != before.LastRefresh {
		t.Fatal("setup: the state already knows the refresh")
	}

	e.clock.Advance(time.Minute)
	_, err = Token(e.deadline(), e.opts, "Bakkerij")
	if err == nil || !strings.Contains(err.Error(), "allows a new one only at") {
		t.Fatalf("Token while Exact holds an unseen token = %v; want a wait for Exact's window", err)
	}
	for _, a := range e.exact.refreshAnswers() {
		if a.early {
			t.Fatalf("a too-early call at %v: the item's expiry was not used", a.at)
		}
	}
	if st := e.state(id); !st.LastRefresh.Equal(tok.IssuedAt) || !st.AccessExpiry.Equal(tok.Expiry) {
		t.Fatalf("state %v/%v; want the saved refresh adopted (%v/%v)", st.LastRefresh, st.AccessExpiry, tok.IssuedAt, tok.Expiry)
	}

	e.clock.Set(tok.Expiry.Add(-exact.RefreshWindow(lifetime)))
	if _, err := Token(e.deadline(), e.opts, "Bakkerij"); err != nil {
		t.Fatalf("Token once Exact's window is open: %v", err)
	}
	answers := e.exact.refreshAnswers()
	if len(answers) != 2 || answers[1].status != 200 {
		t.Fatalf("refresh calls %+v; want the killed one and one success", answers)
	}
	if got, _ := StoredRefreshToken(e.vault, id); got != e.exact.currentRT() {
		t.Fatal("the vault does not hold Exact's current refresh token")
	}
}

// A chain saved by a version before the item (a bare refresh token) is
// moved on first use; the bare token is removed, so a downgraded version
// finds no login and asks for one instead of spending an outdated token.
func TestOldLayoutIsMigratedOnFirstUse(t *testing.T) {
	e := newEnv(t)
	id := e.connect("Bakkerij")
	rt, _ := StoredRefreshToken(e.vault, id)
	_ = e.vault.Delete(vault.ChainKey(id))
	_ = e.vault.Set(vault.RefreshTokenKey(id), rt)
	_ = e.vault.Delete(vault.AccessTokenKey(id))

	e.clock.Advance(25 * time.Hour)
	if _, err := Token(e.deadline(), e.opts, "Bakkerij"); err != nil {
		t.Fatalf("Token on the old layout: %v", err)
	}
	if _, err := e.vault.Get(vault.RefreshTokenKey(id)); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("the bare refresh token is still there (%v): a downgrade would spend it", err)
	}
	raw, err := e.vault.Get(vault.ChainKey(id))
	if err != nil {
		t.Fatal(err)
	}
	item, err := decodeChainItem(raw)
	if err != nil || item.RT != e.exact.currentRT() || item.Expiry.IsZero() {
		t.Fatalf("chain item %+v, %v; want Exact's current token with its times", item, err)
	}
	if n, _ := e.exact.counts(); n != 1 {
		t.Fatalf("%d refresh calls, want 1", n)
	}
}

// An item from a newer version is left alone with a clear sentence and no
// call to Exact; a damaged one asks for a new login.
func TestChainItemNewerOrDamaged(t *testing.T) {
	for _, tt := range []struct {
		name, raw, want string
		status          string
	}{
		{"newer", `{"v":9,"rt":"rt-from-the-future"}`, "newer Exact Keeper", ""},
		{"damaged", `{"v":1,"rt":`, "damaged", StatusNeedsReconnect},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			id := e.connect("Bakkerij")
			_ = e.vault.Set(vault.ChainKey(id), tt.raw)
			e.clock.Advance(25 * time.Hour)
			_, err := Token(e.deadline(), e.opts, "Bakkerij")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Token = %v; want it to say %q", err, tt.want)
			}
			if n, _ := e.exact.counts(); n != 0 {
				t.Fatalf("%d refresh calls, want none", n)
			}
			if raw, _ := e.vault.Get(vault.ChainKey(id)); raw != tt.raw {
				t.Fatal("the item was changed")
			}
			if st := e.state(id); tt.status != "" && st.Status != tt.status {
				t.Fatalf("status %q, want %q", st.Status, tt.status)
			}
		})
	}
}

// adoptItemTimes ignores items that tell nothing new or date from a clock
// set back.
func TestAdoptItemTimes(t *testing.T) {
	st := store.ConnState{LastRefresh: t0, AccessExpiry: t0.Add(lifetime)}
	later := t0.Add(time.Hour)
	for _, tt := range []struct {
		name string
		item chainItem
		now  time.Time
		want time.Time
	}{
		{"newer", chainItem{Issued: later, Expiry: later.Add(lifetime)}, later.Add(time.Minute), later},
		{"same", chainItem{Issued: t0, Expiry: t0.Add(lifetime)}, later, t0},
		{"no times (migrated)", chainItem{}, later, t0},
		{"issued after now", chainItem{Issued: later, Expiry: later.Add(lifetime)}, t0.Add(time.Minute), t0},
	} {
		if got := adoptItemTimes(st, tt.item, tt.now).LastRefresh; !got.Equal(tt.want) {
			t.Errorf("%s: LastRefresh %v, want %v", tt.name, got, tt.want)
		}
	}
}
