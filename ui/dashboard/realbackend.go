package dashboard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/exactkeeper/exactkeeper/core/eventlog"
	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/ipc"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/login"
	"github.com/exactkeeper/exactkeeper/core/platform"
	"github.com/exactkeeper/exactkeeper/core/remind"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
	"github.com/exactkeeper/exactkeeper/internal/version"
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

	// handshake logs reaching the keeper (nil: not logged); dial and
	// dialWaits replace ipc.Dial and keeperDialWaits in tests.
	handshake *handshakeLog
	dial      func(dir string) (*ipc.Client, error)
	dialWaits []time.Duration

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
	c, err := b.dialKeeper()
	if err != nil {
		return nil, err
	}
	b.client = c
	return c, nil
}

// dropClient forgets a keeper that went away, so the next call dials afresh.
func (b *realBackend) dropClient() {
	b.mu.Lock()
	b.client = nil
	b.mu.Unlock()
	b.handshake.lost()
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
		st, err := c.Status(ctx)
		if !errors.Is(err, ipc.ErrNoKeeper) {
			return st, err
		}
		// The keeper went away (Quit): dial afresh next time, and show
		// the files meanwhile rather than what it last said.
		b.dropClient()
	}
	// No keeper, or one that did not answer even after retries (logged by
	// dialKeeper): show what the files say, so the window is still useful
	// rather than stuck on the error; the event stream keeps dialling and
	// brings the keeper's view back once it answers.
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
		b.dropClient()
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
	// The login lives until Wait returns or Cancel is called, not as long
	// as the caller's ctx of this call.
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l, err := keeper.StartLogin(lctx, b.opts, req, keeper.LoginParams{Opener: b.opener, Lang: i18n.Language()})
	if err != nil {
		cancel()
		return nil, err
	}
	return &realLogin{b: b, l: l, cancel: cancel}, nil
}

func (b *realBackend) SetClientSecret(ctx context.Context, id, secret string) error {
	if _, err := keeper.SetClientSecret(ctx, b.opts, id, secret); err != nil {
		return err
	}
	c, err := b.keeperClient()
	if errors.Is(err, ipc.ErrNoKeeper) {
		return ErrSecretNotTried
	} else if err != nil {
		return err
	}
	// The keeper still remembers the refused secret until it reloads.
	if err := c.Reload(ctx); err != nil {
		return err
	}
	return c.Refresh(ctx, id)
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

func (b *realBackend) RenewDelegation(ctx context.Context, id string, starts, ends store.Date) error {
	if err := b.st.UpdateConfig(func(c *store.Config) error { return remind.RenewPeriod(c, id, starts, ends) }); err != nil {
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
	if err := b.st.UpdateConfig(func(c *store.Config) error {
		was = c.Settings.Autostart
		// The gateway's keys change under the dashboard's feet (the CLI): a
		// stale copy must never bring a revoked key back.
		s.Gateway = c.Settings.Gateway
		c.Settings = s
		return nil
	}); err != nil {
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

// Activity reads the keeper's lasting event log (ActivityReader).
func (b *realBackend) Activity(context.Context) ([]eventlog.Entry, error) {
	return eventlog.Read(b.st.Dir, time.Time{})
}

// realLogin is a keeper.Login, which exchanges the code and saves the
// connection itself; the keeper is told to reload afterwards.
type realLogin struct {
	b      *realBackend
	l      *keeper.Login
	cancel context.CancelFunc
}

func (l *realLogin) URL() string                 { return l.l.URL() }
func (l *realLogin) OpenError() error            { return l.l.OpenError() }
func (l *realLogin) Loopback() bool              { return l.l.Loopback() }
func (l *realLogin) Relay() bool                 { return l.l.Relay() }
func (l *realLogin) Paste(finalURL string) error { return l.l.Paste(finalURL) }

func (l *realLogin) Cancel() {
	_ = l.l.Close()
	l.cancel()
}

func (l *realLogin) Wait(ctx context.Context) (store.Connection, error) {
	defer l.Cancel()
	conn, err := l.l.Wait(ctx)
	if errors.Is(err, keeper.ErrAPIRefused) {
		// Connected and kept alive; the card shows what Exact refuses.
		err = nil
	}
	if err != nil {
		return store.Connection{}, err
	}
	l.b.reload(ctx)
	return conn, nil
}
