package dashboard

import (
	"context"
	"errors"
	"fmt"
	"github.com/exactkeeper/exactkeeper/core/platform"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/ipc"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/login"
	"github.com/exactkeeper/exactkeeper/core/remind"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
	"github.com/exactkeeper/exactkeeper/internal/version"
	"github.com/exactkeeper/exactkeeper/ui/i18n"
)

// keyringService is the keychain service every secret lives under; the CLI
// and the keeper use the same name.
const keyringService = "exactkeeper"

// keyringTimeout bounds one keychain call: the Linux Secret Service can hang.
const keyringTimeout = 10 * time.Second

// realBackend talks to the running keeper over IPC for everything about
// refresh chains, and writes the configuration itself (as the CLI does),
// telling the keeper to reload afterwards.
type realBackend struct {
	st      *store.Store
	opts    keeper.Options
	opener  login.Opener
	version string
	// autostart is switched when the Settings checkbox changes; nil in the
	// demo, which must not touch the real login items.
	autostart platform.Autostart

	mu     sync.Mutex
	client *ipc.Client // nil until a keeper answered
}

// NewBackend is the Backend of the `exactkeeper dashboard` process for the
// Exact Keeper home dir. A keeper that is not running yet is not an error:
// the dashboard still shows the stored connections and dials again later.
func NewBackend(dir string) (Backend, error) {
	st, err := store.Open(dir)
	if err != nil {
		return nil, err
	}
	return &realBackend{
		st:      st,
		opts:    keeper.Options{Store: st, Vault: vault.NewKeyring(keyringService, keyringTimeout)},
		opener:  login.BrowserOpener{},
		version: version.String(),
	}, nil
}

// keeperClient returns a client of the running keeper, dialling again when
// the last attempt found none.
func (b *realBackend) keeperClient() (*ipc.Client, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.client != nil {
		return b.client, nil
	}
	c, err := ipc.Dial(b.st.Dir)
	if err != nil {
		return nil, err
	}
	b.client = c
	return c, nil
}

// reload tells a running keeper to re-read the configuration. Without one
// there is nobody to tell: the keeper reads the files when it starts.
func (b *realBackend) reload(ctx context.Context) {
	if c, err := b.keeperClient(); err == nil {
		_ = c.Reload(ctx)
	}
}

func (b *realBackend) Status(ctx context.Context) ([]keeper.ConnStatus, error) {
	if c, err := b.keeperClient(); err == nil {
		return c.Status(ctx)
	} else if !errors.Is(err, ipc.ErrNoKeeper) {
		return nil, err
	}
	// No keeper: show what the files say, so the window is still useful.
	cfg, err := b.st.LoadConfig()
	if err != nil {
		return nil, err
	}
	state, err := b.st.LoadState()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	out := make([]keeper.ConnStatus, 0, len(cfg.Connections))
	for _, c := range cfg.Connections {
		out = append(out, keeper.StatusOf(c, state.Connections[c.ID], cfg.Settings.KeepAliveOr(), now))
	}
	return out, nil
}

func (b *realBackend) Events(ctx context.Context) (<-chan keeper.Event, error) {
	c, err := b.keeperClient()
	if err != nil {
		return nil, err
	}
	ch, err := c.Events(ctx)
	if err != nil {
		// The keeper may have gone; dial afresh next time.
		b.mu.Lock()
		b.client = nil
		b.mu.Unlock()
	}
	return ch, err
}

func (b *realBackend) Refresh(ctx context.Context, id string) error {
	c, err := b.keeperClient()
	if err != nil {
		return err
	}
	return c.Refresh(ctx, id)
}

func (b *realBackend) Remove(ctx context.Context, id string) error {
	if err := keeper.Disconnect(ctx, b.opts, id); err != nil {
		return err
	}
	b.reload(ctx)
	return nil
}

func (b *realBackend) Connect(ctx context.Context, req keeper.ConnectRequest) (Login, error) {
	if req.ExistingID != "" {
		if err := b.fillFromStored(&req); err != nil {
			return nil, err
		}
	}
	base := strings.TrimRight(req.BaseURL, "/")
	if base == "" {
		var err error
		if base, err = exact.BaseURL(req.Region); err != nil {
			return nil, err
		}
	}
	client := &exact.Client{BaseURL: base, ClientID: req.ClientID, RedirectURI: req.RedirectURI}
	// The login lives until Wait returns or Cancel is called, not as long
	// as the caller's ctx of this call.
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	sess, err := login.Start(lctx, login.Params{
		RedirectURI: req.RedirectURI,
		// A reconnect forces the login page, so the owner can pick the
		// right Exact user instead of silently reusing a browser session.
		AuthURL: func(state, verifier string) string { return client.AuthCodeURL(state, verifier, req.ExistingID != "") },
		CertDir: b.st.Dir,
		Opener:  b.opener,
		Lang:    i18n.Language(),
	})
	if err != nil {
		cancel()
		return nil, err
	}
	return &realLogin{b: b, sess: sess, req: req, cancel: cancel}, nil
}

// fillFromStored completes a reconnect request with the connection's stored
// settings and client secret, so reconnecting asks the owner for nothing.
func (b *realBackend) fillFromStored(req *keeper.ConnectRequest) error {
	cfg, err := b.st.LoadConfig()
	if err != nil {
		return err
	}
	old, err := cfg.Connection(req.ExistingID)
	if err != nil {
		return fmt.Errorf("%w: the connection to reconnect no longer exists; add it as a new connection", keeper.ErrUnknown)
	}
	*req = req.Reconnecting(*old)
	if req.ClientSecret == "" {
		s, err := b.opts.Vault.Get(vault.ClientSecretKey(old.ID))
		if err != nil {
			return err
		}
		req.ClientSecret = s
	}
	return nil
}

func (b *realBackend) Delegations(context.Context) ([]store.Delegation, error) {
	cfg, err := b.st.LoadConfig()
	if err != nil {
		return nil, err
	}
	return cfg.Delegations, nil
}

func (b *realBackend) SaveDelegation(ctx context.Context, d store.Delegation) (store.Delegation, error) {
	var saved store.Delegation
	err := b.st.UpdateConfig(func(c *store.Config) error {
		if d.ID == "" {
			var err error
			saved, err = remind.Add(c, d)
			return err
		}
		old := c.Delegation(d.ID)
		if old == nil {
			return fmt.Errorf("%w: it was removed in the meantime; add it again", remind.ErrUnknownDelegation)
		}
		if err := remind.Validate(d); err != nil {
			return err
		}
		*old, saved = d, d
		return nil
	})
	if err != nil {
		return store.Delegation{}, err
	}
	b.reload(ctx)
	return saved, nil
}

func (b *realBackend) RenewDelegation(ctx context.Context, id string, ends store.Date) error {
	if err := b.st.UpdateConfig(func(c *store.Config) error { return remind.Renew(c, id, ends) }); err != nil {
		return err
	}
	b.reload(ctx)
	return nil
}

func (b *realBackend) RemoveDelegation(ctx context.Context, id string) error {
	if err := b.st.UpdateConfig(func(c *store.Config) error { return remind.Remove(c, id) }); err != nil {
		return err
	}
	b.reload(ctx)
	return nil
}

func (b *realBackend) ExportICS(_ context.Context, w io.Writer) error {
	cfg, err := b.st.LoadConfig()
	if err != nil {
		return err
	}
	return remind.WriteICS(w, cfg.Delegations, time.Now(), time.Local)
}

func (b *realBackend) Settings(context.Context) (store.Settings, error) {
	cfg, err := b.st.LoadConfig()
	return cfg.Settings, err
}

func (b *realBackend) SaveSettings(ctx context.Context, s store.Settings) error {
	var was *bool
	if err := b.st.UpdateConfig(func(c *store.Config) error { was = c.Settings.Autostart; c.Settings = s; return nil }); err != nil {
		return err
	}
	if s.Autostart != nil && (was == nil || *was != *s.Autostart) && b.autostart != nil {
		toggle := b.autostart.Disable
		if *s.Autostart {
			toggle = b.autostart.Enable
		}
		if err := toggle(); err != nil {
			return fmt.Errorf("the setting was saved, but start at login could not be changed: %w", err)
		}
	}
	b.reload(ctx)
	return nil
}

func (b *realBackend) Version() string { return b.version }

// realLogin finishes a login.Session with keeper.Complete.
type realLogin struct {
	b      *realBackend
	sess   *login.Session
	req    keeper.ConnectRequest
	cancel context.CancelFunc
}

func (l *realLogin) URL() string                 { return l.sess.URL() }
func (l *realLogin) OpenError() error            { return l.sess.OpenError() }
func (l *realLogin) Loopback() bool              { return l.sess.Loopback() }
func (l *realLogin) Paste(finalURL string) error { return l.sess.Paste(finalURL) }

func (l *realLogin) Cancel() {
	_ = l.sess.Close()
	l.cancel()
}

func (l *realLogin) Wait(ctx context.Context) (store.Connection, error) {
	defer l.Cancel()
	res, err := l.sess.Wait(ctx)
	if err != nil {
		return store.Connection{}, err
	}
	conn, err := keeper.Complete(ctx, l.b.opts, l.req, res.Code, res.Verifier)
	if err != nil {
		return store.Connection{}, err
	}
	l.b.reload(ctx)
	return conn, nil
}
