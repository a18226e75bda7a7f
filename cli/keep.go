package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/exactsim"
	"github.com/exactkeeper/exactkeeper/core/ipc"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/login"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

// KeyringService is the OS keychain service all secrets live under.
const KeyringService = "exactkeeper"

func (e *Env) options(st *store.Store) keeper.Options {
	v := e.Vault
	if v == nil {
		v = vault.NewKeyring(KeyringService, 10*time.Second)
	}
	return keeper.Options{Store: st, Vault: v}
}

func (e *Env) opener() login.Opener {
	if e.Opener != nil {
		return e.Opener
	}
	return login.BrowserOpener{}
}

// lang is the user's language for pages the browser shows when the browser
// itself names none: nl when LC_ALL, LC_MESSAGES or LANG says Dutch.
func (e *Env) lang() string {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := e.Getenv(k); v != "" {
			if strings.HasPrefix(strings.ToLower(v), "nl") {
				return "nl"
			}
			return "en"
		}
	}
	return "en"
}

// keeperClient returns a client of the running keeper, or nil when none runs.
func keeperClient(st *store.Store) (*ipc.Client, error) {
	c, err := ipc.Dial(st.Dir)
	if errors.Is(err, ipc.ErrNoKeeper) {
		return nil, nil
	}
	return c, err
}

// tellKeeper asks a running keeper to re-read the configuration.
func (e *Env) tellKeeper(ctx context.Context, st *store.Store) {
	c, err := keeperClient(st)
	if err != nil || c == nil {
		return
	}
	if err := c.Reload(ctx); err != nil {
		fmt.Fprintf(e.Stderr, "note: the running keeper did not take the change yet (%s); restart it\n", sentence(err))
	}
}

// tokenJSON is the --json shape of `token`.
type tokenJSON struct {
	AccessToken string    `json:"access_token"`
	TokenType   string    `json:"token_type"`
	ExpiresAt   time.Time `json:"expires_at"`
	ExpiresIn   int       `json:"expires_in"`
	Connection  string    `json:"connection"`
}

func cmdToken(ctx context.Context, e *Env, args []string) error {
	fs := newFlags(e, "token")
	asJSON := fs.Bool("json", false, `print {"access_token","expires_at",…} instead of the bare token`)
	timeout := fs.Duration("timeout", time.Minute, "give up waiting after this long (a refresh already sent to Exact is always finished, so its new token is not lost)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	st, err := e.store()
	if err != nil {
		return err
	}
	name, err := connectionArg(st, pos)
	if err != nil {
		return err
	}
	var tok exact.Token
	c, err := keeperClient(st)
	if err != nil {
		return err
	}
	if c != nil {
		tok, err = c.Token(ctx, name)
	} else {
		// The cached token, else a refresh in a helper process that
		// survives this one being killed (helper.go).
		tok, err = e.oneShotToken(ctx, st, name, *timeout, false)
	}
	if err != nil {
		return err
	}
	if !*asJSON {
		fmt.Fprintln(e.Stdout, tok.AccessToken)
		return nil
	}
	return writeJSON(e, tokenJSON{AccessToken: tok.AccessToken, TokenType: "bearer", ExpiresAt: tok.Expiry,
		ExpiresIn: int(tok.Expiry.Sub(e.Now()).Seconds()), Connection: name})
}

func cmdRefresh(ctx context.Context, e *Env, args []string) error {
	fs := newFlags(e, "refresh")
	timeout := fs.Duration("timeout", time.Minute, "give up waiting after this long (a refresh already sent to Exact is always finished, so its new token is not lost)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	st, err := e.store()
	if err != nil {
		return err
	}
	name, err := connectionArg(st, pos)
	if err != nil {
		return err
	}
	c, err := keeperClient(st)
	if err != nil {
		return err
	}
	if c != nil {
		err = c.Refresh(ctx, name)
	} else {
		// A refresh happens as soon as Exact allows it, so a token still
		// in the cache means there is nothing to do; the rest is done by
		// the helper, as the owner's own refresh (helper.go).
		_, err = e.oneShotToken(ctx, st, name, *timeout, true)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Stderr, "The connection is fresh.")
	return nil
}

func cmdStatus(ctx context.Context, e *Env, args []string) error {
	fs := newFlags(e, "status")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	st, err := e.store()
	if err != nil {
		return err
	}
	list, err := statuses(ctx, e, st)
	if err != nil {
		return err
	}
	if *asJSON {
		if list == nil {
			list = []keeper.ConnStatus{}
		}
		return writeJSON(e, list)
	}
	if len(list) == 0 {
		fmt.Fprintln(e.Stdout, "No connections yet. Run 'exactkeeperctl connect --name NAME --region nl --client-id ID' to add one.")
		return nil
	}
	now := e.Now()
	tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATE\tEXACT USER\tCOMPANY\tDIVISION\tLAST REFRESH\tLAPSES\tNEXT REFRESH")
	for _, s := range list {
		user := s.UserName
		if s.FullName != "" {
			user = s.FullName
		}
		company := s.Company
		if company == "" {
			company = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", s.Name, s.Status, user, company, s.Division,
			when(s.LastRefresh, now), when(s.LapsesAt, now), when(s.NextRefresh, now))
	}
	return tw.Flush()
}

// statuses asks the running keeper, or computes from the files when none runs.
func statuses(ctx context.Context, e *Env, st *store.Store) ([]keeper.ConnStatus, error) {
	c, err := keeperClient(st)
	if err != nil {
		return nil, err
	}
	if c != nil {
		return c.Status(ctx)
	}
	cfg, err := st.LoadConfig()
	if err != nil {
		return nil, err
	}
	state, err := st.LoadState()
	if err != nil {
		return nil, err
	}
	keepAlive := cfg.Settings.KeepAliveOr()
	out := make([]keeper.ConnStatus, 0, len(cfg.Connections))
	for _, conn := range cfg.Connections {
		out = append(out, keeper.StatusOf(conn, state.Connections[conn.ID], keepAlive, e.Now()))
	}
	return out, nil
}

// when formats a moment for the status table in local time.
func when(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

func writeJSON(e *Env, v any) error {
	enc := json.NewEncoder(e.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func cmdRun(ctx context.Context, e *Env, args []string) error {
	fs := newFlags(e, "run")
	keepAlive := fs.Duration("keepalive", 0, "refresh at least this often (default 24h, or the setting)")
	tick := fs.Duration("tick", 0, "how often deadlines are checked (default 15s)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	st, err := e.store()
	if err != nil {
		return err
	}
	if *keepAlive > 0 {
		ka := store.Duration(*keepAlive)
		if err := st.UpdateConfig(func(c *store.Config) error { c.Settings.KeepAlive = ka; return nil }); err != nil {
			return err
		}
	}
	l, err := ipc.Listen(st.Dir)
	if errors.Is(err, ipc.ErrAlreadyRunning) {
		return fmt.Errorf("a keeper already runs for %s; it owns the refresh chains, so this one stops", st.Dir)
	}
	if err != nil {
		return err
	}
	o := e.options(st)
	o.Tick = *tick
	o.Logger = slog.New(slog.NewTextHandler(e.Stderr, nil))
	k, err := keeper.New(o)
	if err != nil {
		l.Close()
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The local endpoint outlives the engine: on a signal the engine first
	// finishes the refreshes in flight, and those who asked for them over
	// IPC still get their answer.
	srvCtx, stopSrv := context.WithCancel(context.WithoutCancel(ctx))
	served := make(chan struct{})
	srv := &ipc.Server{Backend: k, Version: e.Version}
	go func() {
		defer close(served)
		if err := srv.Serve(srvCtx, l); err != nil && srvCtx.Err() == nil {
			o.Logger.Error("local endpoint stopped", "err", err)
			cancel()
		}
	}()
	o.Logger.Info("keeper running", "dir", st.Dir)
	err = k.Run(ctx)
	stopSrv()
	<-served
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func cmdSim(ctx context.Context, e *Env, args []string) error {
	fs := newFlags(e, "sim")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	access := fs.Duration("access-lifetime", 10*time.Minute, "access token lifetime")
	idle := fs.Duration("refresh-idle", 720*time.Hour, "refresh token lapses when unused this long")
	grace := fs.Bool("grace", false, "old refresh token keeps working until the new one is used")
	redirect := fs.String("redirect-uri", "", "register this redirect URI for the demo app too")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg := exactsim.DemoConfig()
	cfg.AccessLifetime, cfg.RefreshIdle, cfg.Grace = *access, *idle, *grace
	if *redirect != "" {
		cfg.Apps[0].RedirectURIs = append(cfg.Apps[0].RedirectURIs, *redirect)
	}
	base, wait, err := exactsim.ListenAndServe(ctx, *addr, cfg, e.Stderr)
	if err != nil {
		return err
	}
	app, user := cfg.Apps[0], cfg.Users[0]
	fmt.Fprintf(e.Stdout, "Exact Online simulator at %s\n", base)
	fmt.Fprintf(e.Stdout, "App: client ID %s, client secret %s, redirect URIs %v\n", app.ClientID, app.ClientSecret, app.RedirectURIs)
	fmt.Fprintf(e.Stdout, "User: %s / %s\n", user.UserName, user.Password)
	fmt.Fprintf(e.Stdout, "Try: echo %s | exactkeeperctl connect --name Demo --base-url %s --client-id %s --client-secret-stdin\n",
		app.ClientSecret, base, app.ClientID)
	err = wait()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
