package keeper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

// unsaved is a rotated refresh token the vault refused to store (rule:
// never fall back to the old one). after is the state to record once it is
// saved; tok.AccessToken is empty when the token came from an error body.
type unsaved struct {
	tok   exact.Token
	after store.ConnState
}

// attempt is one visit to a chain, by the engine or a one-shot caller.
type attempt struct {
	conn    store.Connection
	st      store.ConnState // the caller's view; the store's wins when newer
	access  exact.Token     // the caller's access token; zero when unknown
	pending *unsaved        // engine only: save this before anything else
}

// visit is what a visit found or did.
type visit struct {
	conn    store.Connection // as configured now
	st      store.ConnState
	access  exact.Token // the newest access token known; hand it out only while usable
	pending *unsaved
	err     error // a sentence for callers; nil when access is usable or a pending save succeeded
	// refreshed: Exact issued a new pair. failed: the visit recorded a
	// failure in st. gone: the connection is no longer configured.
	refreshed, failed, gone bool
}

// visitChain does everything that may touch a chain, under its
// cross-process lock: it re-reads what other processes may have written
// (config, state, the cached access token) and calls Exact only when no one
// else has refreshed and Exact allows it. The engine and the one-shot
// operations share it, so "never two refreshers" holds between processes.
func visitChain(ctx context.Context, o Options, a attempt) visit {
	v := visit{conn: a.conn, st: a.st, access: a.access, pending: a.pending}
	name := a.conn.Name
	unlock, err := o.Store.Lock(ctx, "chain-"+a.conn.ID)
	if err != nil {
		v.err = fmt.Errorf("%s: could not take the refresh lock (%v); try again", name, err)
		return v
	}
	defer unlock()

	cfg, err := o.Store.LoadConfig()
	if err != nil {
		v.err = fmt.Errorf("%s: could not read the configuration (%v); nothing was changed", name, err)
		return v
	}
	conn, ok := findID(cfg, a.conn.ID)
	if !ok {
		v.gone, v.pending = true, nil
		v.err = sentence(ErrUnknown, "%s was removed", name)
		return v
	}
	v.conn = conn
	if state, err := o.Store.LoadState(); err != nil {
		o.Logger.Warn("could not read the state file; using what the keeper remembers", "connection", name, "error", err)
	} else if fresh, ok := state.Connections[conn.ID]; ok && (v.st.Status == "" || fresh.LastRefresh.After(v.st.LastRefresh)) {
		v.st = fresh
	}

	if v.pending != nil {
		if v.st.LastRefresh.After(v.pending.tok.IssuedAt) {
			// Someone logged in again since: the unsaved token is outdated.
			o.Logger.Warn("dropping an unsaved refresh token: the connection was logged in again since", "connection", name)
			v.pending = nil
		} else {
			return flush(o, v)
		}
	}

	if v.st.Status == StatusNeedsReconnect {
		v.err = needsReconnect(name, v.st.LastError)
		return v
	}
	if v.st.Attention == AttentionSecret {
		v.err = wrongSecret(name)
		return v
	}
	now := o.Clock.Now()
	cached := loadAccess(o, conn)
	if known(cached) && (!known(v.access) || cached.IssuedAt.After(v.access.IssuedAt)) {
		v.access = cached
	}
	if usable(v.access, now) {
		if v.access.IssuedAt.After(v.st.LastRefresh) {
			// Another process refreshed: adopt its work, the chain is fine.
			v.st = okState(v.st, v.access)
			save(o, conn, v.st)
		}
		return v
	}
	best := v.access // the newest token known, for Exact's too-early rule
	v.access = exact.Token{}

	switch {
	case now.Before(v.st.NextAttempt):
		why := v.st.LastError
		if why == "" {
			why = "the last attempt failed; will retry at " + when(v.st.NextAttempt, now)
		}
		v.err = fmt.Errorf("%s: %s", name, why)
		return v
	case now.Before(allowedAt(v.st, best)):
		v.err = fmt.Errorf("%s: no access token is at hand and Exact Online allows a new one only at %s; try again then",
			name, when(allowedAt(v.st, best), now))
		return v
	}

	secret, err := o.Vault.Get(vault.ClientSecretKey(conn.ID))
	rt := ""
	if err == nil {
		rt, err = o.Vault.Get(vault.RefreshTokenKey(conn.ID))
	}
	if errors.Is(err, vault.ErrNotFound) {
		v.st = failedState(v.st, now, StatusNeedsReconnect, "its login is missing from the keychain; log in to Exact Online again", time.Time{}, false)
		v.failed, v.err = true, needsReconnect(name, v.st.LastError)
		save(o, conn, v.st)
		return v
	}
	if err != nil {
		next := now.Add(o.backoff(v.st.Failures + 1))
		v.st = failedState(v.st, now, StatusFailing, fmt.Sprintf("could not read the keychain (%v); will retry at %s", err, when(next, now)), next, true)
		v.failed, v.err = true, fmt.Errorf("%s: %s", name, v.st.LastError)
		save(o, conn, v.st)
		return v
	}

	return spend(ctx, o, v, secret, rt, best)
}

// spend asks Exact for a new pair and records the outcome. A 5xx, timeout or
// lost answer is retried once at once with the same refresh token: Exact
// may honour it for a while, and a chain that broke on "issued but not
// received" is mended only that way.
func spend(ctx context.Context, o Options, v visit, secret, rt string, best exact.Token) visit {
	conn, name := v.conn, v.conn.Name
	client := o.client(conn, secret)
	netCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), netTimeout)
	defer cancel()

	rotatedUnsaved := false // rt came from an error body and is not in the vault
	call := func() (exact.Token, error) {
		tok, err := client.Refresh(netCtx, rt)
		var e *exact.Error
		if errors.As(err, &e) && e.RefreshToken != "" {
			o.Logger.Warn("Exact Online rotated the refresh token in a refused answer; keeping the new one", "connection", name)
			rt = e.RefreshToken
			rotatedUnsaved = o.Vault.Set(vault.RefreshTokenKey(conn.ID), rt) != nil
		}
		return tok, err
	}
	tok, err := call()
	if outcomeOf(err) == exact.Transient {
		o.Logger.Info("refresh failed; retrying once with the same refresh token", "connection", name, "reason", failureText(err))
		tok, err = call()
	}
	now := o.Clock.Now()

	if err == nil {
		after := okState(v.st, tok)
		if serr := o.Vault.Set(vault.RefreshTokenKey(conn.ID), tok.RefreshToken); serr != nil {
			return keepUnsaved(o, v, unsaved{tok: tok, after: after}, serr, now)
		}
		storeAccess(o, conn, tok)
		v.st, v.access, v.refreshed = after, tok, true
		save(o, conn, v.st)
		o.Logger.Info("refreshed", "connection", name, "access_expiry", tok.Expiry)
		return v
	}

	text := failureText(err)
	var after store.ConnState
	switch outcomeOf(err) {
	case exact.NeedsReconnect:
		after = failedState(v.st, now, StatusNeedsReconnect, text, time.Time{}, true)
		v.err = needsReconnect(name, text)
	case exact.WrongSecret:
		// Every further try would be one more error in Exact's budget,
		// so none is made until the owner enters the secret again.
		after = failedState(v.st, now, StatusNeedsAttention, text, time.Time{}, true)
		after.Attention = AttentionSecret
		v.err = wrongSecret(name)
	case exact.TooEarly:
		// Somebody holds a newer access token than we know of: wait until
		// ours has surely expired, never retry at once.
		expiry, lifetime := v.st.AccessExpiry, defaultAccessLifetime
		if known(best) {
			expiry, lifetime = best.Expiry, best.Lifetime()
		}
		next := now.Add(exact.RefreshWindow(lifetime))
		if expiry.After(next) {
			next = expiry
		}
		after = v.st
		after.NextAttempt = next
		after.LastError = fmt.Sprintf("%s; will try again at %s", text, when(next, now))
		v.err = fmt.Errorf("%s: %s", name, after.LastError)
	case exact.RateLimited:
		wait := DefaultRetryAfter
		var e *exact.Error
		if errors.As(err, &e) && e.RetryAfter > 0 {
			wait = e.RetryAfter
		}
		next := now.Add(wait)
		after = failedState(v.st, now, StatusFailing, fmt.Sprintf("%s; will retry at %s", text, when(next, now)), next, true)
		v.err = fmt.Errorf("%s: %s", name, after.LastError)
	default:
		next := now.Add(o.backoff(v.st.Failures + 1))
		after = failedState(v.st, now, StatusFailing, fmt.Sprintf("%s; will retry at %s", text, when(next, now)), next, true)
		v.err = fmt.Errorf("%s: %s", name, after.LastError)
	}
	o.Logger.Warn("refresh failed", "connection", name, "reason", after.LastError)
	if rotatedUnsaved {
		err := v.err
		v = keepUnsaved(o, v, unsaved{tok: exact.Token{RefreshToken: rt, IssuedAt: now}, after: after}, o.Vault.Set(vault.RefreshTokenKey(conn.ID), rt), now)
		if v.pending == nil { // the second save worked after all
			v.err = err
		}
		return v
	}
	v.st, v.failed = after, true
	save(o, conn, v.st)
	return v
}

// keepUnsaved holds a rotated refresh token in memory after the vault refused
// it, and shows the chain as failing until a later save succeeds. serr nil
// means the save worked after all.
func keepUnsaved(o Options, v visit, u unsaved, serr error, now time.Time) visit {
	if serr == nil {
		v.pending = nil
		v.st = u.after
		if u.tok.AccessToken != "" {
			storeAccess(o, v.conn, u.tok)
			v.refreshed = true
			if usable(u.tok, now) {
				v.access = u.tok
			}
		}
		save(o, v.conn, v.st)
		return v
	}
	o.Logger.Error("could not save the new refresh token; keeping it in memory and retrying", "connection", v.conn.Name, "error", serr)
	v.pending = &u
	v.st = failedState(u.after, now, StatusFailing, fmt.Sprintf("cannot write to the keychain (%v); the new login is kept in memory until it can be saved", serr), time.Time{}, false)
	v.access, v.failed, v.refreshed = exact.Token{}, true, false
	v.err = fmt.Errorf("%s: %s", v.conn.Name, v.st.LastError)
	save(o, v.conn, v.st)
	return v
}

// flush tries again to save an unsaved refresh token; only once it is in the
// vault is its access token used.
func flush(o Options, v visit) visit {
	u := *v.pending
	return keepUnsaved(o, v, u, o.Vault.Set(vault.RefreshTokenKey(v.conn.ID), u.tok.RefreshToken), o.Clock.Now())
}

func outcomeOf(err error) exact.Outcome {
	var e *exact.Error
	switch {
	case err == nil:
		return exact.OK
	case errors.As(err, &e):
		return e.Outcome
	}
	return exact.Transient
}

// okState is st after a successful refresh that issued tok.
func okState(st store.ConnState, tok exact.Token) store.ConnState {
	if tok.IssuedAt.After(st.LastRefresh) {
		st.LastRefresh = tok.IssuedAt
	}
	st.Status = StatusOK
	st.AccessExpiry = tok.Expiry
	st.FailingSince, st.Failures, st.NextAttempt, st.LastError, st.Attention = time.Time{}, 0, time.Time{}, "", ""
	return st
}

// failedState records a failure: status, why, when to try next, and whether
// it counts towards the backoff.
func failedState(st store.ConnState, now time.Time, status, why string, next time.Time, count bool) store.ConnState {
	if st.FailingSince.IsZero() {
		st.FailingSince = now
	}
	if count {
		st.Failures++
	}
	st.Status, st.LastError, st.NextAttempt = status, why, next
	return st
}

// save writes the chain's own entry of state.json. A failure is logged, not
// returned: the refresh token is what matters and it is in the vault.
func save(o Options, conn store.Connection, st store.ConnState) {
	err := o.Store.UpdateState(func(s *store.State) error {
		if s.Connections == nil {
			s.Connections = map[string]store.ConnState{}
		}
		s.Connections[conn.ID] = st
		return nil
	})
	if err != nil {
		o.Logger.Warn("could not write the state file", "connection", conn.Name, "error", err)
	}
}

// loadAccess reads the shared access-token cache; anything unreadable counts
// as no token (a refresh will replace it).
func loadAccess(o Options, conn store.Connection) exact.Token {
	raw, err := o.Vault.Get(vault.AccessTokenKey(conn.ID))
	if err != nil {
		if !errors.Is(err, vault.ErrNotFound) {
			o.Logger.Warn("could not read the cached access token", "connection", conn.Name, "error", err)
		}
		return exact.Token{}
	}
	var t exact.Token
	if json.Unmarshal([]byte(raw), &t) != nil || !known(t) {
		o.Logger.Warn("ignoring a damaged cached access token", "connection", conn.Name)
		return exact.Token{}
	}
	return t
}

// storeAccess shares tok with other processes; the refresh token is not part
// of its JSON.
func storeAccess(o Options, conn store.Connection, tok exact.Token) {
	raw, err := json.Marshal(tok)
	if err == nil {
		err = o.Vault.Set(vault.AccessTokenKey(conn.ID), string(raw))
	}
	if err != nil {
		o.Logger.Warn("could not cache the access token in the keychain", "connection", conn.Name, "error", err)
	}
}

func findID(cfg store.Config, id string) (store.Connection, bool) {
	for _, c := range cfg.Connections {
		if c.ID == id {
			return c, true
		}
	}
	return store.Connection{}, false
}
