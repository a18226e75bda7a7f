package keeper

import (
	"context"
	"fmt"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// Cached returns the access token that the processes without an engine
// share in the vault, when it is still usable: it never calls Exact, takes
// no lock and writes nothing, so a caller that may be killed at any moment
// can use it safely. ok is false when a refresh is needed (then Token, best
// in a process of its own, does it). A connection that needs reconnecting
// or a new client secret is an error, as it is for Token: a refresh would
// not be tried either.
func Cached(ctx context.Context, o Options, nameOrID string) (tok exact.Token, ok bool, err error) {
	if err := ctx.Err(); err != nil {
		return exact.Token{}, false, err
	}
	o, err = o.withDefaults()
	if err != nil {
		return exact.Token{}, false, err
	}
	conn, err := Find(o, nameOrID)
	if err != nil {
		return exact.Token{}, false, err
	}
	state, err := o.Store.LoadState()
	if err != nil {
		// Token re-reads it under the chain lock and copes; so can the caller.
		return exact.Token{}, false, nil
	}
	st := state.Connections[conn.ID]
	switch {
	case st.Status == StatusNeedsReconnect:
		return exact.Token{}, false, needsReconnect(conn.Name, st.LastError)
	case st.Attention == AttentionSecret:
		return exact.Token{}, false, wrongSecret(conn.Name)
	}
	tok = loadAccess(o, conn)
	if !usable(tok, o.Clock.Now()) {
		return exact.Token{}, false, nil
	}
	return tok, true, nil
}

// Find is the configured connection named nameOrID (an ID, a name in any
// case, or "" when there is only one), as Token would pick it.
func Find(o Options, nameOrID string) (store.Connection, error) {
	if o.Store == nil {
		return store.Connection{}, fmt.Errorf("keeper: Options.Store is required")
	}
	cfg, err := o.Store.LoadConfig()
	if err != nil {
		return store.Connection{}, fmt.Errorf("could not read the configuration (%v); nothing was changed", err)
	}
	return lookup(cfg, nameOrID)
}
