package keeper

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

// chainItem is what the keychain holds of a refresh chain: the refresh
// token together with the times of the access token issued with it. They
// are one keychain item, so a process killed after saving a rotation
// leaves both or neither. Knowing when the unseen access token expires is
// what keeps the next process from asking Exact too early.
//
// It lives under vault.ChainKey, a key name older versions never read, so
// no older Exact Keeper can take the JSON for a bare refresh token.
type chainItem struct {
	Version int       `json:"v"`
	RT      string    `json:"rt"`
	Issued  time.Time `json:"issued,omitzero"`
	Expiry  time.Time `json:"expiry,omitzero"`
	// Seq counts the rotations saved, so two copies of an item (a restored
	// backup, another PC) can be told apart in a support case.
	Seq uint64 `json:"seq"`
}

// chainItemVersion is the layout written; a higher one is refused rather
// than guessed at.
const chainItemVersion = 1

// errNewerChain means a newer Exact Keeper wrote the chain item.
var errNewerChain = errors.New("the login in the keychain was saved by a newer Exact Keeper; update Exact Keeper to use it")

// encode is the item's keychain value. It stays one keychain item (see
// TestChainItemFitsOneKeychainItem), because a value the vault splits is
// not written atomically.
func (c chainItem) encode() string {
	c.Version = chainItemVersion
	raw, _ := json.Marshal(c) // only strings, times and numbers: cannot fail
	return string(raw)
}

func decodeChainItem(raw string) (chainItem, error) {
	var c chainItem
	if err := json.Unmarshal([]byte(raw), &c); err != nil || c.Version < 1 {
		return chainItem{}, fmt.Errorf("%w: the saved login cannot be read", vault.ErrDamaged)
	}
	if c.Version > chainItemVersion {
		return chainItem{}, errNewerChain
	}
	if c.RT == "" {
		return chainItem{}, fmt.Errorf("%w: the saved login holds no refresh token", vault.ErrDamaged)
	}
	return c, nil
}

// withToken is c after a rotation that issued tok; tok.AccessToken is
// empty when the refresh token came without one (from an error body), and
// then the times of the last known access token stay.
func (c chainItem) withToken(tok exact.Token) chainItem {
	next := chainItem{RT: tok.RefreshToken, Issued: c.Issued, Expiry: c.Expiry, Seq: c.Seq + 1}
	if tok.AccessToken != "" {
		next.Issued, next.Expiry = tok.IssuedAt, tok.Expiry
	}
	return next
}

// loadChainItem reads a chain's item. A chain saved by a version before the
// item existed (a bare refresh token under vault.RefreshTokenKey) is
// migrated on this first use: written as an item with the times state.json
// recorded, then the bare token removed, so a downgraded version finds no
// login and says so instead of spending an outdated token. The caller holds
// the chain's lock.
func loadChainItem(o Options, conn store.Connection, st store.ConnState) (chainItem, error) {
	raw, err := o.Vault.Get(vault.ChainKey(conn.ID))
	if err == nil {
		return decodeChainItem(raw)
	}
	if !errors.Is(err, vault.ErrNotFound) {
		return chainItem{}, err
	}
	rt, err := o.Vault.Get(vault.RefreshTokenKey(conn.ID))
	if err != nil {
		return chainItem{}, err
	}
	item := chainItem{RT: rt, Issued: st.LastRefresh, Expiry: st.AccessExpiry}
	if err := o.Vault.Set(vault.ChainKey(conn.ID), item.encode()); err != nil {
		// Still readable the old way; the migration is tried again next time.
		o.Logger.Warn("could not move the login to the new keychain layout; will try again", "connection", conn.Name, "error", err)
		return item, nil
	}
	if err := o.Vault.Delete(vault.RefreshTokenKey(conn.ID)); err != nil {
		o.Logger.Warn("could not remove the login's old keychain item", "connection", conn.Name, "error", err)
	}
	o.Logger.Info("moved the login to the new keychain layout", "connection", conn.Name)
	return item, nil
}

// saveChainItem writes c as the chain's item.
func saveChainItem(o Options, conn store.Connection, c chainItem) error {
	return o.Vault.Set(vault.ChainKey(conn.ID), c.encode())
}

// adoptItemTimes brings st up to date with an item saved by a process that
// did not live to record its refresh in state.json: the access token it was
// issued is unseen, but its expiry says when Exact allows the next refresh.
func adoptItemTimes(st store.ConnState, c chainItem, now time.Time) store.ConnState {
	if c.Issued.IsZero() || now.Before(c.Issued) || !c.Issued.After(st.LastRefresh) {
		return st
	}
	return okState(st, exact.Token{IssuedAt: c.Issued, Expiry: c.Expiry})
}

// StoredRefreshToken is the refresh token the keychain holds for a chain,
// in either layout; for tools and tests that look at the keychain itself.
func StoredRefreshToken(v vault.Vault, connID string) (string, error) {
	raw, err := v.Get(vault.ChainKey(connID))
	if err == nil {
		c, err := decodeChainItem(raw)
		return c.RT, err
	}
	if !errors.Is(err, vault.ErrNotFound) {
		return "", err
	}
	return v.Get(vault.RefreshTokenKey(connID))
}

// ReplaceRefreshToken puts rt in the keychain as a chain's refresh token
// without any access-token times, so the keeper treats the access token
// issued with it as unknown; for tools and tests that play another
// program spending the chain.
func ReplaceRefreshToken(v vault.Vault, connID, rt string) error {
	return v.Set(vault.ChainKey(connID), chainItem{RT: rt}.encode())
}
