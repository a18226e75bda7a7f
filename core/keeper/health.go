package keeper

import (
	"context"

	"github.com/exactkeeper/exactkeeper/core/exact"
)

// checkAPI asks Exact's API who is logged in, with the access token the
// engine holds (never refreshing for it), and records the answer: a 403
// (a licence expired, a blocked user, scopes missing on the app) makes the
// connection need attention with Exact's own words, a later answer clears
// that. Tokens refresh fine meanwhile, so without this check the keeper
// would report "all well" while every program using it fails. Other
// failures record nothing; the engine tries again later.
func checkAPI(ctx context.Context, o Options, a attempt) visit {
	v := visit{conn: a.conn, st: a.st, access: a.access}
	name := a.conn.Name
	client := o.client(a.conn, "")
	meCtx, cancel := context.WithTimeout(ctx, apiTimeout)
	_, err := client.Me(meCtx, a.access.AccessToken)
	cancel()
	if err != nil && !exact.Forbidden(err) {
		o.Logger.Info("could not check Exact Online's API; will try again later", "connection", name, "error", err)
		v.apiRetry = true
		return v
	}
	unlock := enter(ctx, o, &v)
	if unlock == nil {
		if !v.gone {
			v.apiRetry, v.err, v.local = true, nil, false
		}
		return v
	}
	defer unlock()
	st := v.st
	st.APICheck = o.Clock.Now()
	switch {
	case err != nil:
		o.Logger.Warn("Exact Online refuses API calls", "connection", name, "error", err)
		if st.Status != StatusNeedsReconnect && st.Attention != AttentionSecret {
			st.Status, st.Attention, st.LastError = StatusNeedsAttention, AttentionAPI, err.Error()
		}
	case st.Attention == AttentionAPI:
		o.Logger.Info("Exact Online accepts API calls again", "connection", name)
		st.Attention, st.LastError = "", ""
		if st.Status == StatusNeedsAttention {
			st.Status = StatusOK
		}
	}
	v.st = st
	save(o, v.conn, st)
	return v
}
