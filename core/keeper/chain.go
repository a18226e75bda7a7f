package keeper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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
	item  chainItem // what to write: tok's refresh token and times
}

// attempt is one visit to a chain, by the engine or a one-shot caller.
type attempt struct {
	conn    store.Connection
	st      store.ConnState // the caller's view; the store's wins when newer
	access  exact.Token     // the caller's access token; zero when unknown
	pending *unsaved        // engine only: save this before anything else
	// explicit: the owner asked for this refresh ("refresh now"), so it may
	// spend the last of Exact's errors an hour that background attempts
	// leave alone.
	explicit bool
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
	// notYet: no usable access token, and Exact's refresh window opens
	// only then; a caller may wait for it and visit again.
	notYet time.Time
	// local: the visit failed on this PC (lock, configuration, keychain)
	// and recorded nothing: it is not Exact's failure, so no backoff is
	// shared; the caller may simply try again.
	local bool
	// paused: Exact's error budget held the visit back (StatusPaused).
	paused bool
	// apiRetry: a check of Exact's API got no usable answer; try later.
	apiRetry bool
	// xerr is Exact's refusal behind a failed refresh, for the event log.
	xerr *exact.Error
}

// sharedLogin says what a chain broken from elsewhere most likely means.
const sharedLogin = "another program or PC seems to use this Exact login with the same app; Exact keeps one chain per user and app, so they break each other"

// enter takes the chain's cross-process lock and brings v up to date with
// the files: the connection as configured now, and the newer of the
// caller's and the stored state, with the budget every process shares. It
// returns nil (and sets v.err) when the visit cannot go on.
func enter(ctx context.Context, o Options, v *visit) func() {
	name := v.conn.Name
	unlock, err := o.lockChain(ctx, v.conn.ID)
	if err != nil {
		v.err, v.local = fmt.Errorf("%s: could not take the refresh lock (%v); try again", name, err), true
		return nil
	}
	cfg, err := o.Store.LoadConfig()
	if err != nil {
		unlock()
		v.err, v.local = fmt.Errorf("%s: could not read the configuration (%v); nothing was changed", name, err), true
		return nil
	}
	conn, ok := findID(cfg, v.conn.ID)
	if !ok {
		unlock()
		v.gone, v.pending = true, nil
		v.err = sentence(ErrUnknown, "%s was removed", name)
		return nil
	}
	v.conn = conn
	now := o.Clock.Now()
	if state, err := o.Store.LoadState(); err != nil {
		o.Logger.Warn("could not read the state file; using what the keeper remembers", "connection", name, "error", err)
	} else if fresh, ok := state.Connections[conn.ID]; ok {
		if v.st.Status == "" || fresh.LastRefresh.After(v.st.LastRefresh) {
			v.st = mergeShared(fresh, v.st, now)
		} else {
			v.st = mergeShared(v.st, fresh, now)
		}
	}
	return unlock
}

// visitChain does everything that may touch a chain, under its
// cross-process lock: it re-reads what other processes may have written
// (config, state, the cached access token) and calls Exact only when no one
// else has refreshed and Exact allows it. The engine and the one-shot
// operations share it, so "never two refreshers" holds between processes.
func visitChain(ctx context.Context, o Options, a attempt) visit {
	v := visit{conn: a.conn, st: a.st, access: a.access, pending: a.pending}
	name := a.conn.Name
	unlock := enter(ctx, o, &v)
	if unlock == nil {
		return v
	}
	defer unlock()
	conn := v.conn

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
	// A token issued "after now" dates from before the wall clock was set
	// back: its times mean nothing on this clock, and preferring it as the
	// newest would hide every token issued since.
	if now.Before(cached.IssuedAt) {
		cached = exact.Token{}
	}
	if now.Before(v.access.IssuedAt) {
		v.access = exact.Token{}
	}
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
	item, itemErr := loadChainItem(o, conn, v.st)
	if itemErr == nil {
		if adopted := adoptItemTimes(v.st, item, now); !adopted.LastRefresh.Equal(v.st.LastRefresh) {
			// A process saved a rotation and was gone before it cached
			// the access token or wrote the state: that token is unseen,
			// but its expiry says when Exact allows the next refresh.
			o.Logger.Info("adopting a refresh saved by a process that did not finish", "connection", name)
			v.st = adopted
			if best.IssuedAt.Before(item.Issued) {
				best = exact.Token{}
			}
			save(o, conn, v.st)
		}
	}

	switch {
	case now.Before(v.st.NextAttempt):
		why := v.st.LastError
		if why == "" {
			why = "the last attempt failed; will retry at " + when(v.st.NextAttempt, now)
		}
		v.err = fmt.Errorf("%s: %s", name, why)
		return v
	case now.Before(allowedAt(v.st, best, now)):
		v.notYet = allowedAt(v.st, best, now)
		v.err = fmt.Errorf("%s: no access token is at hand and Exact Online allows a new one only at %s; try again then",
			name, when(v.notYet, now))
		return v
	}

	limit := backgroundErrorLimit
	if a.explicit {
		limit = errorLimit
	}
	if free := budgetFreeAt(v.st.TokenErrors, now, limit); !free.IsZero() {
		// Not one more call: Exact would block the app for an hour or more.
		paused := pausedState(v.st, now, budgetFreeAt(v.st.TokenErrors, now, backgroundErrorLimit), "")
		if paused.Status != v.st.Status || paused.LastError != v.st.LastError {
			v.st = paused
			save(o, conn, v.st)
		}
		v.paused = true
		v.err = fmt.Errorf("%s: %s", name, pausedText(free, now))
		return v
	}

	secret, err := o.Vault.Get(vault.ClientSecretKey(conn.ID))
	if err == nil {
		err = itemErr
	}
	if errors.Is(err, vault.ErrNotFound) || errors.Is(err, vault.ErrDamaged) {
		why := "its login is missing from the keychain; log in to Exact Online again"
		if errors.Is(err, vault.ErrDamaged) {
			why = "its login in the keychain is damaged; log in to Exact Online again"
		}
		v.st = failedState(v.st, now, StatusNeedsReconnect, why, time.Time{}, false)
		v.failed, v.err = true, needsReconnect(name, v.st.LastError)
		save(o, conn, v.st)
		return v
	}
	if errors.Is(err, errNewerChain) {
		v.local, v.err = true, fmt.Errorf("%s: %w", name, err)
		return v
	}
	if err != nil {
		// The keychain's trouble, not Exact's: nothing goes into the state
		// every process shares, so the next call (here or elsewhere) tries
		// again as soon as the keychain answers.
		o.Logger.Warn("could not read the keychain; nothing was sent to Exact Online", "connection", name, "error", err)
		v.local = true
		v.err = fmt.Errorf("%s: could not read the keychain (%v); nothing was sent to Exact Online, try again once the keychain answers", name, err)
		return v
	}

	return spend(ctx, o, v, secret, item, best, limit)
}

// spend asks Exact for a new pair and records the outcome. A 5xx, timeout or
// lost answer is retried once at once with the same refresh token (Exact
// may honour it for a while, and a chain that broke on "issued but not
// received" is mended only that way), unless that could exceed limit, the
// errors an hour this attempt may spend.
func spend(ctx context.Context, o Options, v visit, secret string, item chainItem, best exact.Token, limit int) visit {
	conn, name := v.conn, v.conn.Name
	client := o.client(conn, secret)
	prev := v.st
	errs := v.st.TokenErrors

	rt := item.RT
	rotatedUnsaved := false // rt came from an error body and is not in the vault
	call := func() (exact.Token, error) {
		// Each call gets its full time, detached from the caller: a call
		// given up after it was sent may rotate the chain unseen.
		netCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), netTimeout)
		defer cancel()
		tok, err := client.Refresh(netCtx, rt)
		var e *exact.Error
		if errors.As(err, &e) {
			if isTokenError(e.Status) {
				errs = append(errs, o.Clock.Now())
			}
			if e.RefreshToken != "" {
				o.Logger.Warn("Exact Online rotated the refresh token in a refused answer; keeping the new one", "connection", name)
				rt = e.RefreshToken
				item = item.withToken(exact.Token{RefreshToken: rt})
				rotatedUnsaved = saveChainItem(o, conn, item) != nil
			}
		}
		return tok, err
	}
	tok, err := call()
	// lost: the answer may have been lost after Exact issued a new pair.
	lost := outcomeOf(err) == exact.Transient && !isTokenError(httpStatus(err))
	if outcomeOf(err) == exact.Transient {
		if free := budgetFreeAt(errs, o.Clock.Now(), limit); free.IsZero() {
			o.Logger.Info("refresh failed; retrying once with the same refresh token", "connection", name, "reason", failureText(err))
			tok, err = call()
		} else {
			o.Logger.Info("refresh failed; no retry now, to stay within Exact's error budget", "connection", name, "reason", failureText(err))
		}
	}
	now := o.Clock.Now()
	v.st.TokenErrors = recentErrors(errs, now)

	if err == nil {
		after := okState(v.st, tok)
		next := item.withToken(tok)
		if serr := saveChainItem(o, conn, next); serr != nil {
			return keepUnsaved(o, v, unsaved{tok: tok, after: after, item: next}, serr, now)
		}
		storeAccess(o, conn, tok)
		v.st, v.access, v.refreshed = after, tok, true
		save(o, conn, v.st)
		o.Logger.Info("refreshed", "connection", name, "access_expiry", tok.Expiry)
		return v
	}

	// ours: nothing of this chain happened since our own last success that
	// could explain Exact's answer (no failure, no lost answer), so someone
	// else spends the chain.
	ours := prev.Failures == 0 && !prev.LastRefresh.IsZero() && !lost
	text := failureText(err)
	_ = errors.As(err, &v.xerr)
	var after store.ConnState
	next, retry := time.Time{}, "will retry at"
	switch outcomeOf(err) {
	case exact.NeedsReconnect:
		if ours && oldTokenUsed(err) {
			text += "; " + sharedLogin
		}
		after = failedState(v.st, now, StatusNeedsReconnect, text, time.Time{}, true)
		v.err = needsReconnect(name, text)
	case exact.WrongSecret:
		// Every further try would be one more error in Exact's budget,
		// so none is made until the owner enters the secret again.
		after = failedState(v.st, now, StatusNeedsAttention, text, time.Time{}, true)
		after.Attention = AttentionSecret
		v.err = wrongSecret(name)
	case exact.TooEarly:
		// Exact issued an access token we have not seen (a lost answer, a
		// process killed after saving, another program), no later than
		// now: the next attempt waits until that one surely allows a
		// refresh, never retrying every few seconds.
		expiry, lifetime := v.st.AccessExpiry, defaultAccessLifetime
		if known(best) {
			if best.Lifetime() > 0 {
				lifetime = best.Lifetime()
			}
			if best.Expiry.After(expiry) {
				expiry = best.Expiry
			}
		}
		next = now.Add(lifetime - exact.RefreshWindow(lifetime))
		if ours && !expiry.IsZero() && !now.Before(expiry) {
			// Our last token had expired and we issued nothing since.
			text += "; " + sharedLogin
		}
		after = v.st
		after.NextAttempt, retry = next, "will try again at"
	case exact.RateLimited:
		wait := DefaultRetryAfter
		var e *exact.Error
		if errors.As(err, &e) && e.RetryAfter > 0 {
			wait = e.RetryAfter
		}
		next = now.Add(wait)
		after = failedState(v.st, now, StatusFailing, "", next, true)
	default:
		next = now.Add(o.backoff(v.st.Failures + 1))
		after = failedState(v.st, now, StatusFailing, "", next, true)
	}
	if !next.IsZero() {
		after.LastError = fmt.Sprintf("%s; %s %s", text, retry, when(next, now))
		if free := budgetFreeAt(after.TokenErrors, now, backgroundErrorLimit); free.After(next) {
			after = pausedState(after, now, free, text)
		}
		v.err = fmt.Errorf("%s: %s", name, after.LastError)
	}
	o.Logger.Warn("refresh failed", "connection", name, "reason", after.LastError)
	if rotatedUnsaved {
		err := v.err
		v = keepUnsaved(o, v, unsaved{tok: exact.Token{RefreshToken: rt, IssuedAt: now}, after: after, item: item}, saveChainItem(o, conn, item), now)
		if v.pending == nil { // the second save worked after all
			v.err = err
		}
		return v
	}
	v.st, v.failed = after, true
	save(o, conn, v.st)
	return v
}

// httpStatus is the HTTP status of a failed token call; 0 when no answer
// arrived or err is not from the token endpoint.
func httpStatus(err error) int {
	var e *exact.Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// oldTokenUsed reports Exact's "Old refresh token used.": the refresh token
// spent was already spent by someone.
func oldTokenUsed(err error) bool {
	var e *exact.Error
	return errors.As(err, &e) && strings.Contains(strings.ToLower(e.Description), "old refresh token")
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
	return keepUnsaved(o, v, u, saveChainItem(o, v.conn, u.item), o.Clock.Now())
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

// okState is st after a successful refresh that issued tok. A refusal of
// Exact's API (AttentionAPI) outlives it: only current/Me answering again
// clears that.
func okState(st store.ConnState, tok exact.Token) store.ConnState {
	if tok.IssuedAt.After(st.LastRefresh) {
		st.LastRefresh = tok.IssuedAt
	}
	st.AccessExpiry = tok.Expiry
	st.FailingSince, st.Failures, st.NextAttempt = time.Time{}, 0, time.Time{}
	if st.Attention == AttentionAPI {
		st.Status = StatusNeedsAttention
		return st
	}
	st.Status, st.LastError, st.Attention = StatusOK, "", ""
	return st
}

// failedState records a failure: status, why, when to try next, and whether
// it counts towards the backoff. A failure to refresh replaces a refusal
// of the API as what the owner sees; the API is checked again after the
// next success.
func failedState(st store.ConnState, now time.Time, status, why string, next time.Time, count bool) store.ConnState {
	if st.FailingSince.IsZero() {
		st.FailingSince = now
	}
	if count {
		st.Failures++
	}
	if st.Attention == AttentionAPI {
		st.Attention, st.APICheck = "", time.Time{}
	}
	st.Status, st.LastError, st.NextAttempt = status, why, next
	return st
}

// save writes the chain's own entry of state.json, keeping the errors
// other processes recorded for Exact's budget. A failure is logged, not
// returned: the refresh token is what matters and it is in the vault.
func save(o Options, conn store.Connection, st store.ConnState) {
	now := o.Clock.Now()
	err := o.Store.UpdateState(func(s *store.State) error {
		if s.Connections == nil {
			s.Connections = map[string]store.ConnState{}
		}
		st.TokenErrors = mergeErrors(st.TokenErrors, s.Connections[conn.ID].TokenErrors, now)
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
