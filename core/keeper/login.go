package keeper

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/login"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

// LoginParams are what a front end adds to a ConnectRequest to run the
// browser half of a login.
type LoginParams struct {
	Opener  login.Opener  // nil: the caller shows URL itself
	Lang    string        // the app's language, for pages when the browser names none
	Timeout time.Duration // zero: login.DefaultTimeout
}

// Login is a browser login in progress that ends in a saved connection. The
// CLI and the dashboard both run their logins through it, so the code
// exchange, the browser's closing page and reconnect defaults are one
// thing.
type Login struct {
	o    Options
	req  ConnectRequest
	sess *login.Session
}

// StartLogin validates req, fills a reconnect's blanks from the stored
// connection (its settings; its client secret from the vault), and starts
// the browser login. The caller must Close the Login.
func StartLogin(ctx context.Context, o Options, req ConnectRequest, p LoginParams) (*Login, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	if req.ExistingID != "" {
		cfg, err := o.Store.LoadConfig()
		if err != nil {
			return nil, fmt.Errorf("could not read the configuration (%v); nothing was changed", err)
		}
		old, ok := findID(cfg, req.ExistingID)
		if !ok {
			return nil, sentence(ErrUnknown, "the connection to reconnect no longer exists; add it as a new connection")
		}
		req = req.Reconnecting(old)
		if req.ClientSecret == "" && req.ClientID == old.ClientID {
			if s, err := o.Vault.Get(vault.ClientSecretKey(old.ID)); err == nil {
				req.ClientSecret = s
			} else if !errors.Is(err, vault.ErrNotFound) {
				return nil, err
			}
		}
	}
	if req.RedirectURI == "" {
		req.RedirectURI = login.DefaultRedirectURI
	}
	if err := login.ValidateRedirectURI(req.RedirectURI); err != nil {
		return nil, err
	}
	base := strings.TrimRight(strings.TrimSpace(req.BaseURL), "/")
	if base == "" {
		if base, err = exact.BaseURL(req.Region); err != nil {
			return nil, err
		}
	}
	client := exact.Client{BaseURL: base, ClientID: req.ClientID, RedirectURI: req.RedirectURI}
	force := req.ForceLogin
	sess, err := login.Start(ctx, login.Params{
		RedirectURI: req.RedirectURI,
		AuthURL:     func(state, verifier string) string { return client.AuthCodeURL(state, verifier, force) },
		CertDir:     o.Store.Dir,
		Opener:      p.Opener,
		Timeout:     p.Timeout,
		Lang:        p.Lang,
	})
	if err != nil {
		return nil, err
	}
	return &Login{o: o, req: req, sess: sess}, nil
}

// URL is the Exact Online address to log in at.
func (l *Login) URL() string { return l.sess.URL() }

// OpenError is why the browser did not open, or nil.
func (l *Login) OpenError() error { return l.sess.OpenError() }

// Loopback reports whether a listener on this PC waits for the browser.
func (l *Login) Loopback() bool { return l.sess.Loopback() }

// Relay reports whether the answer comes through the relay page (or a
// pasted address): both are accepted at once, whichever comes first.
func (l *Login) Relay() bool { return l.sess.Relay() }

// Paste takes the address the browser landed on; a wrong one leaves the
// login waiting.
func (l *Login) Paste(finalURL string) error { return l.sess.Paste(finalURL) }

// Request is the request as completed by StartLogin.
func (l *Login) Request() ConnectRequest { return l.req }

// Wait waits for the browser's answer, exchanges the code and saves the
// connection. The browser page, which said "Connecting…" meanwhile, then
// shows the true outcome.
func (l *Login) Wait(ctx context.Context) (store.Connection, error) {
	res, err := l.sess.Wait(ctx)
	if err != nil {
		return store.Connection{}, err
	}
	conn, err := Complete(ctx, l.o, l.req, res.Code, res.Verifier)
	who := ""
	if err == nil {
		who = conn.User.FullName
		if who == "" {
			who = conn.User.UserName
		}
		if conn.DivisionName != "" {
			who += ", " + conn.DivisionName
		}
	}
	l.sess.Finish(who, err)
	return conn, err
}

// Close ends the login; after a finished login it first gives the browser
// a moment to fetch its closing page.
func (l *Login) Close() error { return l.sess.Close() }

// SetClientSecret replaces a connection's client secret, for when Exact
// refused the old one (it was mistyped, or renewed in the App Center). The
// refresh token is kept, so no browser login is needed; the next refresh
// tries the new secret. A running keeper must be told to reload.
func SetClientSecret(ctx context.Context, o Options, nameOrID, secret string) (store.Connection, error) {
	o, err := o.withDefaults()
	if err != nil {
		return store.Connection{}, err
	}
	secret = strings.TrimSpace(secret)
	if secret == "" {
		return store.Connection{}, errors.New("the client secret is empty; copy it from your app in Exact Online's App Center")
	}
	cfg, err := o.Store.LoadConfig()
	if err != nil {
		return store.Connection{}, fmt.Errorf("could not read the configuration (%v); nothing was changed", err)
	}
	conn, err := lookup(cfg, nameOrID)
	if err != nil {
		return store.Connection{}, err
	}
	unlock, err := o.lockChain(ctx, conn.ID)
	if err != nil {
		return conn, fmt.Errorf("%s: could not take the refresh lock (%v); try again", conn.Name, err)
	}
	defer unlock()
	if err := o.Vault.Set(vault.ClientSecretKey(conn.ID), secret); err != nil {
		return conn, fmt.Errorf("%s: could not save the client secret in the keychain (%v); make sure the keychain is unlocked and try again", conn.Name, err)
	}
	err = o.Store.UpdateState(func(s *store.State) error {
		st, ok := s.Connections[conn.ID]
		if !ok || st.Attention != AttentionSecret {
			return nil
		}
		// Back to an ordinary failing chain whose next attempt is due: the
		// engine (or the next one-shot call) tries the new secret.
		st.Status, st.Attention, st.NextAttempt, st.LastError = StatusFailing, "", time.Time{}, "waiting to try the new client secret"
		s.Connections[conn.ID] = st
		return nil
	})
	if err != nil {
		return conn, fmt.Errorf("%s: the new client secret is saved, but the state file could not be written (%v); try again", conn.Name, err)
	}
	o.Logger.Info("client secret replaced", "connection", conn.Name)
	return conn, nil
}
