package keeper

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

// Token returns a valid access token for a process that does not run the
// engine (the CLI when no keeper runs). The token cached in the vault is
// shared between such processes; a refresh happens under the chain's
// cross-process lock, so several callers at once cause at most one. When
// no token with a margin left is at hand and Exact's refresh window is not
// open yet, it waits for the window until ctx ends. It is a background
// attempt: it never spends the last of Exact's errors an hour.
func Token(ctx context.Context, o Options, nameOrID string) (exact.Token, error) {
	return oneShot(ctx, o, nameOrID, false)
}

// Refresh refreshes, for a process that does not run the engine, if Exact
// allows it now, and otherwise returns the still-valid token with a nil
// error (its IssuedAt tells which happened). Like Token it is a background
// attempt; the owner's own "refresh now" is RefreshNow.
func Refresh(ctx context.Context, o Options, nameOrID string) (exact.Token, error) {
	// A token is handed out only while Exact would refuse a refresh, and
	// refreshed as soon as Exact allows it, so both requests are one visit.
	return oneShot(ctx, o, nameOrID, false)
}

// RefreshNow is Refresh asked for by the owner (the CLI's `refresh`): it
// may spend the last two of Exact's ten errors an hour, which background
// attempts leave alone (see StatusPaused).
func RefreshNow(ctx context.Context, o Options, nameOrID string) (exact.Token, error) {
	return oneShot(ctx, o, nameOrID, true)
}

// saveTries is how often a one-shot caller tries to save a rotated refresh
// token: it has no later tick to try again, and the token dies with it.
const saveTries = 3

// windowWaits bounds how often a one-shot caller waits for Exact's
// refresh window before it gives up.
const windowWaits = 3

func oneShot(ctx context.Context, o Options, nameOrID string, explicit bool) (exact.Token, error) {
	o, err := o.withDefaults()
	if err != nil {
		return exact.Token{}, err
	}
	cfg, err := o.Store.LoadConfig()
	if err != nil {
		return exact.Token{}, fmt.Errorf("could not read the configuration (%v); nothing was changed", err)
	}
	conn, err := lookup(cfg, nameOrID)
	if err != nil {
		return exact.Token{}, err
	}
	var v visit
	for waits := 0; ; waits++ {
		v = visitChain(ctx, o, attempt{conn: conn, explicit: explicit})
		for i := 1; v.pending != nil && i < saveTries; i++ {
			// A rotated token dies with this process: saving it must not
			// stop because the caller gave up or was signalled.
			v = visitChain(context.WithoutCancel(ctx), o, attempt{conn: v.conn, st: v.st, pending: v.pending, explicit: explicit})
		}
		if v.notYet.IsZero() || waits == windowWaits {
			break
		}
		// Wait outside the lock: others may serve themselves meanwhile.
		select {
		case <-after(o.Clock, v.notYet.Sub(o.Clock.Now())):
		case <-ctx.Done():
			return exact.Token{}, v.err
		}
	}
	if v.pending != nil {
		return exact.Token{}, fmt.Errorf("%s: cannot write to the keychain, so the refreshed login is lost and the connection will probably need reconnecting; make sure the keychain is unlocked", conn.Name)
	}
	if v.err != nil {
		return exact.Token{}, v.err
	}
	if !usable(v.access, o.Clock.Now()) {
		return exact.Token{}, fmt.Errorf("%s: no valid access token could be obtained; try again", conn.Name)
	}
	return v.access, nil
}

// ConnectRequest describes a login to complete: a new connection, or a
// reconnection of ExistingID.
type ConnectRequest struct {
	ExistingID      string
	Name            string
	Region          string
	BaseURL         string
	ClientID        string
	ClientSecret    string
	RedirectURI     string
	RefreshLifetime time.Duration // 0: 720h
	// ForceLogin makes Exact show its login page even when the browser is
	// still logged in, so the owner can log in as a different Exact user.
	// Every reconnect sets it.
	ForceLogin bool
}

// Reconnecting returns r as a reconnection of old: it keeps old's settings
// wherever r leaves a field empty, so a reconnect only needs the login.
// The client secret is not filled here; Complete takes it from the vault.
func (r ConnectRequest) Reconnecting(old store.Connection) ConnectRequest {
	r.ExistingID = old.ID
	r.ForceLogin = true
	r.Name = cmp.Or(r.Name, old.Name)
	if r.Region == "" && r.BaseURL == "" {
		r.Region, r.BaseURL = old.Region, old.BaseURL
	}
	r.ClientID = cmp.Or(r.ClientID, old.ClientID)
	r.RedirectURI = cmp.Or(r.RedirectURI, old.RedirectURI)
	r.RefreshLifetime = cmp.Or(r.RefreshLifetime, time.Duration(old.RefreshLifetime))
	return r
}

// Complete finishes a browser login: it exchanges the code, saves the client
// secret and refresh token in the vault (and caches the access token), asks
// Exact who logged in, and saves the connection and its state. A login of
// the same Exact user through the same app and host as an existing
// connection broke that connection's chain (Exact keeps one chain per app
// and user), so that connection is reused rather than duplicated; the log
// says so, and the returned connection carries its ID and name.
func Complete(ctx context.Context, o Options, req ConnectRequest, code, verifier string) (store.Connection, error) {
	o, err := o.withDefaults()
	if err != nil {
		return store.Connection{}, err
	}
	cfg, err := o.Store.LoadConfig()
	if err != nil {
		return store.Connection{}, fmt.Errorf("could not read the configuration (%v); nothing was changed", err)
	}
	conn, secret, err := validate(o, cfg, req, code)
	if err != nil {
		return store.Connection{}, err
	}

	client := o.client(conn, secret)
	tok, err := client.Exchange(ctx, code, verifier)
	if outcomeOf(err) == exact.WrongSecret {
		return store.Connection{}, fmt.Errorf("%w: %w; copy the client secret again from your app in the App Center and log in again", ErrWrongSecret, err)
	}
	if err != nil {
		return store.Connection{}, fmt.Errorf("the login could not be finished: %w", err)
	}
	// The new chain is saved before anything else can fail: a login whose
	// refresh token is lost has to be done again.
	if err := saveChain(ctx, o, conn.ID, secret, tok); err != nil {
		return store.Connection{}, err
	}

	me, meErr := client.Me(ctx, tok.AccessToken)
	if meErr != nil {
		// The chain works; who logged in is only shown, so keep the login.
		// A 403 is different: every program using the connection will
		// meet it, so the connection is saved as needing attention.
		o.Logger.Warn("logged in, but could not ask Exact Online who is logged in", "connection", conn.Name, "error", meErr)
	} else {
		conn.User = store.User{ID: me.UserID, UserName: me.UserName, FullName: me.FullName, Email: me.Email}
		conn.Division = me.CurrentDivision
		// The company's name is only shown; without it people see the
		// division number.
		if name, err := client.DivisionName(ctx, tok.AccessToken, me.CurrentDivision); err == nil {
			conn.DivisionName = name
		} else {
			o.Logger.Info("could not ask Exact Online for the company's name", "connection", conn.Name, "error", err)
		}
	}

	if req.ExistingID == "" {
		if conn, err = reuseOrClash(ctx, o, cfg, conn, secret, tok); err != nil {
			return store.Connection{}, err
		}
	}

	err = o.Store.UpdateConfig(func(c *store.Config) error {
		for i := range c.Connections {
			if c.Connections[i].ID == conn.ID {
				conn.Created = c.Connections[i].Created
				c.Connections[i] = conn
				return nil
			}
		}
		c.Connections = append(c.Connections, conn)
		return nil
	})
	if err != nil {
		return store.Connection{}, fmt.Errorf("%s: logged in, but the connection could not be saved (%v); log in again once the configuration can be written", conn.Name, err)
	}
	st := okState(store.ConnState{}, tok)
	if meErr == nil || exact.Forbidden(meErr) {
		st.APICheck = o.Clock.Now()
	}
	if exact.Forbidden(meErr) {
		st.Status, st.Attention, st.LastError = StatusNeedsAttention, AttentionAPI, meErr.Error()
		save(o, conn, st)
		return conn, fmt.Errorf("%w: %s is connected and kept alive, but %w", ErrAPIRefused, conn.Name, meErr)
	}
	save(o, conn, st)
	o.Logger.Info("connected", "connection", conn.Name, "id", conn.ID, "user", conn.User.UserName)
	return conn, nil
}

// validate checks a connect request before any network call and builds the
// connection it will save, with the client secret to use. A reconnect
// (ExistingID) takes what the request leaves empty from the existing
// connection, the secret from the vault.
func validate(o Options, cfg store.Config, req ConnectRequest, code string) (store.Connection, string, error) {
	conn := store.Connection{
		Name:            strings.TrimSpace(req.Name),
		ClientID:        strings.TrimSpace(req.ClientID),
		RedirectURI:     strings.TrimSpace(req.RedirectURI),
		RefreshLifetime: store.Duration(req.RefreshLifetime),
	}
	secret := strings.TrimSpace(req.ClientSecret)
	if req.RefreshLifetime < 0 {
		return conn, "", errors.New("the refresh lifetime must be positive, for example 720h")
	}
	if req.ExistingID != "" {
		old, ok := findID(cfg, req.ExistingID)
		if !ok {
			return conn, "", sentence(ErrUnknown, "the connection to reconnect no longer exists; connect it as a new one")
		}
		req = req.Reconnecting(old)
		conn.ID, conn.Created, conn.User, conn.Division = old.ID, old.Created, old.User, old.Division
		conn.Name = strings.TrimSpace(req.Name)
		conn.ClientID = strings.TrimSpace(req.ClientID)
		conn.RedirectURI = strings.TrimSpace(req.RedirectURI)
		conn.RefreshLifetime = store.Duration(req.RefreshLifetime)
		if secret == "" && conn.ClientID == old.ClientID {
			if s, err := o.Vault.Get(vault.ClientSecretKey(old.ID)); err == nil {
				secret = s
			}
		}
	}
	switch {
	case conn.Name == "":
		return conn, "", errors.New("the connection needs a name, for example the company's name")
	case conn.ClientID == "":
		return conn, "", errors.New("the client ID is missing: copy it from the app's page in Exact Online's App Center")
	case secret == "":
		return conn, "", errors.New("the client secret is missing: copy it from the app's page in Exact Online's App Center")
	case strings.TrimSpace(code) == "":
		return conn, "", errors.New("the login returned no authorization code; log in again")
	}
	conn.RefreshLifetime = cmp.Or(conn.RefreshLifetime, store.Duration(store.DefaultRefreshLifetime))

	region := strings.ToLower(strings.TrimSpace(req.Region))
	var regionURL string
	if region != "" {
		u, err := exact.BaseURL(region)
		if err != nil {
			return conn, "", err
		}
		regionURL = u
	}
	switch base := strings.TrimRight(strings.TrimSpace(req.BaseURL), "/"); {
	case base != "":
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" {
			return conn, "", fmt.Errorf("%q is not a usable Exact Online address: give one like https://start.exactonline.nl", req.BaseURL)
		}
		conn.BaseURL = base
		if regionURL == base {
			conn.Region = region
		}
	case regionURL != "":
		conn.BaseURL, conn.Region = regionURL, region
	default:
		return conn, "", fmt.Errorf("choose the Exact Online region (%s) or give a base URL", strings.Join(exact.Regions(), ", "))
	}

	for _, c := range cfg.Connections {
		if c.ID != conn.ID && strings.EqualFold(c.Name, conn.Name) && (c.BaseURL != conn.BaseURL || c.ClientID != conn.ClientID) {
			return conn, "", fmt.Errorf("a connection named %s already exists; choose another name", c.Name)
		}
	}
	if conn.ID == "" {
		conn.ID = store.NewID()
	}
	return conn, secret, nil
}

// reuseOrClash handles a new login that matches an existing connection of
// the same app and host: the same Exact user means the same chain, so the
// login moves to that connection; a different user under the same name is a
// clash. Either way conn's secrets move or go, so none are left behind.
func reuseOrClash(ctx context.Context, o Options, cfg store.Config, conn store.Connection, secret string, tok exact.Token) (store.Connection, error) {
	sameApp := func(c store.Connection) bool { return c.BaseURL == conn.BaseURL && c.ClientID == conn.ClientID }
	for _, c := range cfg.Connections {
		if sameApp(c) && conn.User.ID != "" && strings.EqualFold(c.User.ID, conn.User.ID) {
			if err := saveChain(ctx, o, c.ID, secret, tok); err != nil {
				return conn, err
			}
			_ = forget(o, conn)
			o.Logger.Warn("this login replaced the chain of an existing connection for the same Exact user and app (Exact keeps one per user and app); that connection is kept and works again",
				"connection", c.Name, "id", c.ID, "requested_name", conn.Name)
			conn.ID, conn.Name, conn.Created = c.ID, c.Name, c.Created
			return conn, nil
		}
	}
	for _, c := range cfg.Connections {
		if strings.EqualFold(c.Name, conn.Name) {
			_ = forget(o, conn)
			return conn, fmt.Errorf("a connection named %s already exists for another Exact user; choose another name and log in again", c.Name)
		}
	}
	conn.Created = o.Clock.Now()
	return conn, nil
}

// saveChain stores a fresh login's secrets under the chain lock.
func saveChain(ctx context.Context, o Options, id, secret string, tok exact.Token) error {
	unlock, err := o.lockChain(ctx, id)
	if err != nil {
		return fmt.Errorf("could not take the refresh lock (%v); log in again", err)
	}
	defer unlock()
	if err := o.Vault.Set(vault.ClientSecretKey(id), secret); err != nil {
		return fmt.Errorf("could not save the login in the keychain (%v); make sure the keychain is unlocked and log in again", err)
	}
	item := chainItem{RT: tok.RefreshToken, Issued: tok.IssuedAt, Expiry: tok.Expiry, Seq: 1}
	if err := saveChainItem(o, store.Connection{ID: id}, item); err != nil {
		return fmt.Errorf("could not save the login in the keychain (%v); make sure the keychain is unlocked and log in again", err)
	}
	// A bare token of the old layout would be what a downgraded version
	// spends: it belongs to the chain this login replaced.
	if err := o.Vault.Delete(vault.RefreshTokenKey(id)); err != nil && !errors.Is(err, vault.ErrNotFound) {
		o.Logger.Warn("could not remove the login's old keychain item", "error", err)
	}
	storeAccess(o, store.Connection{ID: id}, tok)
	return nil
}

// forget removes a connection's vault items, logging what cannot be removed.
func forget(o Options, conn store.Connection) error {
	var first error
	for _, key := range []string{vault.ChainKey(conn.ID), vault.RefreshTokenKey(conn.ID), vault.AccessTokenKey(conn.ID), vault.ClientSecretKey(conn.ID)} {
		if err := o.Vault.Delete(key); err != nil && !errors.Is(err, vault.ErrNotFound) {
			o.Logger.Warn("could not remove a secret from the keychain", "connection", conn.Name, "error", err)
			if first == nil {
				first = err
			}
		}
	}
	return first
}

// Disconnect removes a connection: its vault items first (so no secret
// outlives the connection), then its config entry and its state.
func Disconnect(ctx context.Context, o Options, nameOrID string) error {
	o, err := o.withDefaults()
	if err != nil {
		return err
	}
	cfg, err := o.Store.LoadConfig()
	if err != nil {
		return fmt.Errorf("could not read the configuration (%v); nothing was changed", err)
	}
	conn, err := lookup(cfg, nameOrID)
	if err != nil {
		return err
	}
	// Under the chain lock no refresh is halfway when the secrets go.
	unlock, err := o.lockChain(ctx, conn.ID)
	if err != nil {
		return fmt.Errorf("%s: could not take the refresh lock (%v); try again", conn.Name, err)
	}
	defer unlock()
	if err := forget(o, conn); err != nil {
		return fmt.Errorf("%s: could not remove its secrets from the keychain (%v); make sure the keychain is unlocked and try again", conn.Name, err)
	}
	err = o.Store.UpdateConfig(func(c *store.Config) error {
		c.Connections = removeID(c.Connections, conn.ID)
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: its secrets are removed, but the configuration could not be written (%v); try again", conn.Name, err)
	}
	err = o.Store.UpdateState(func(s *store.State) error {
		delete(s.Connections, conn.ID)
		return nil
	})
	if err != nil {
		o.Logger.Warn("could not remove the connection's state", "connection", conn.Name, "error", err)
	}
	o.Logger.Info("disconnected", "connection", conn.Name, "id", conn.ID)
	return nil
}

func removeID(cs []store.Connection, id string) []store.Connection {
	out := cs[:0]
	for _, c := range cs {
		if c.ID != id {
			out = append(out, c)
		}
	}
	return out
}
