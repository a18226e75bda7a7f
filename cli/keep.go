package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/exactsim"
	"github.com/exactkeeper/exactkeeper/core/ipc"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/login"
	"github.com/exactkeeper/exactkeeper/core/present"
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
		fmt.Fprintln(e.Stderr, e.tf("cli.note.reload", map[string]any{"Detail": sentence(err)}))
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
	// A NAME given and a keeper answering is the hot path of scripts: it
	// needs the folder's name only, so the store is opened (folders made
	// and checked, config.json read) only when it is needed: for no
	// NAME, no keeper, or an error to word.
	var st *store.Store
	openStore := func() (err error) {
		if st == nil {
			st, err = e.store()
		}
		return err
	}
	var name, dir string
	if len(pos) == 1 {
		name = pos[0]
		if dir, err = e.dir(); err != nil {
			return err
		}
	} else {
		if err := openStore(); err != nil {
			return err
		}
		if name, err = connectionArg(st, pos); err != nil {
			return err
		}
		dir = st.Dir
	}
	tok, err := askKeeper(ctx, dir, name)
	switch {
	case errors.Is(err, ipc.ErrNoKeeper):
		if err := openStore(); err != nil {
			return err
		}
		// The cached token, else a refresh in a helper process that
		// survives this one being killed (helper.go).
		tok, err = e.oneShotToken(ctx, st, name, *timeout, false)
	case errors.As(err, new(keeperAnswer)):
		if serr := openStore(); serr != nil {
			return serr
		}
		err = e.named(e.options(st), name, errors.Unwrap(err))
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

// keeperAnswer marks an error of the token request itself, which is
// worded with the connection's name; a keeper that cannot be reached is
// not the connection's fault and is worded without it.
type keeperAnswer struct{ err error }

func (k keeperAnswer) Error() string { return k.err.Error() }
func (k keeperAnswer) Unwrap() error { return k.err }

// askKeeper asks the keeper of dir for name's token on one connection
// (ipc.AskToken): ipc.ErrNoKeeper when none runs.
func askKeeper(ctx context.Context, dir, name string) (exact.Token, error) {
	p, err := ipc.AskToken(ctx, dir, name)
	if err != nil {
		return exact.Token{}, err
	}
	tok, err := p.Token()
	if err != nil {
		return exact.Token{}, keeperAnswer{err}
	}
	return tok, nil
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
	// The status before and after tells whether Exact was called at all:
	// a refresh with nothing to do must not claim it refreshed.
	before, _ := statusOf(ctx, e, st, name)
	c, err := keeperClient(st)
	if err != nil {
		return err
	}
	if c != nil {
		// Named, so a needs-reconnect line gives the exact connect command.
		err = e.named(e.options(st), name, c.Refresh(ctx, name))
	} else {
		// A refresh happens as soon as Exact allows it, so a token still
		// in the cache means there is nothing to do; the rest is done by
		// the helper, as the owner's own refresh (helper.go).
		_, err = e.oneShotToken(ctx, st, name, *timeout, true)
	}
	if err != nil {
		return err
	}
	after, err := statusOf(ctx, e, st, name)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Stderr, present.RefreshedIn(e.lang(), before, after, e.Now()))
	return nil
}

// statusOf is the status of the connection named (or with the ID) name.
func statusOf(ctx context.Context, e *Env, st *store.Store, name string) (keeper.ConnStatus, error) {
	list, err := statuses(ctx, e, st)
	if err != nil {
		return keeper.ConnStatus{}, err
	}
	for _, s := range list {
		if s.Name == name || s.ID == name {
			return s, nil
		}
	}
	return keeper.ConnStatus{}, keeper.ErrUnknown
}

// statusJSON is one connection in `status --json`: the keeper's fields,
// with the state as present decides it (lapsed after the lapse, whatever
// was last recorded) and zero times left out.
type statusJSON struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Region       string    `json:"region,omitempty"`
	BaseURL      string    `json:"base_url"`
	Status       string    `json:"status"`
	Message      string    `json:"message"`
	ExitCode     int       `json:"exit_code"`
	UserName     string    `json:"user_name,omitempty"`
	FullName     string    `json:"full_name,omitempty"`
	Email        string    `json:"email,omitempty"`
	Division     int       `json:"division,omitempty"`
	Company      string    `json:"company,omitempty"`
	LastRefresh  time.Time `json:"last_refresh,omitzero"`
	LapsesAt     time.Time `json:"lapses_at,omitzero"`
	NextRefresh  time.Time `json:"next_refresh,omitzero"`
	AccessExpiry time.Time `json:"access_expiry,omitzero"`
	FailingSince time.Time `json:"failing_since,omitzero"`
	LastError    string    `json:"last_error,omitempty"`
	Attention    string    `json:"attention,omitempty"`
}

// exitCodeTable is the one exit-code table of every command, in `help` as
// in the README (a test keeps the two equal).
const exitCodeTable = `
Exit codes (every command):
  0  ok
  1  error
  2  usage
  3  a new login is needed, or the connection lapsed
  4  needs attention: refreshing fails, paused by Exact's error budget,
     the client secret or the API calls (403) refused
'status' exits with the worst over all connections, 3 before 4.
`

// statusExit makes `status` exit with the worst state over all
// connections (3 before 4) after printing them; the output already said
// why, so Main prints nothing more.
type statusExit struct{ code int }

func (s statusExit) Error() string {
	return fmt.Sprintf("a connection needs you (exit code %d)", s.code)
}

// ExitCode is the code Main exits with.
func (s statusExit) ExitCode() int { return s.code }

func cmdStatus(ctx context.Context, e *Env, args []string) error {
	fs := newFlags(e, "status")
	asJSON := fs.Bool("json", false, "print JSON; the state of each is ok, new, failing, paused, needs-attention, needs-reconnect or lapsed")
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
	now := e.Now()
	worst := present.Worst(list, now)
	var exit error
	if code := worst.ExitCode(); code != present.ExitOK {
		exit = statusExit{code}
	}
	if *asJSON {
		out := make([]statusJSON, 0, len(list))
		for _, s := range list {
			v := present.ConnectionIn(e.lang(), s, now)
			out = append(out, statusJSON{ID: s.ID, Name: s.Name, Region: s.Region, BaseURL: s.BaseURL,
				Status: v.State, Message: v.Headline, ExitCode: v.Level.ExitCode(),
				UserName: s.UserName, FullName: s.FullName, Email: s.Email, Division: s.Division, Company: s.Company,
				LastRefresh: s.LastRefresh, LapsesAt: s.LapsesAt, NextRefresh: s.NextRefresh, AccessExpiry: s.AccessExpiry,
				FailingSince: s.FailingSince, LastError: s.LastError, Attention: s.Attention})
		}
		if err := writeJSON(e, out); err != nil {
			return err
		}
		return exit
	}
	if len(list) == 0 {
		fmt.Fprintln(e.Stdout, e.t("cli.err.no-connections"))
		return nil
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATE\tEXACT USER\tCOMPANY\tDIVISION\tLAST REFRESH\tLAPSES\tNEXT REFRESH")
	var notes []string
	for _, s := range list {
		v := present.ConnectionIn(e.lang(), s, now)
		user := s.UserName
		if s.FullName != "" {
			user = s.FullName
		}
		company := s.Company
		if company == "" {
			company = "-"
		}
		next := s.NextRefresh
		if !v.CanRefresh {
			next = time.Time{} // nothing is planned until the owner acts
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", s.Name, v.State, user, company, s.Division,
			when(s.LastRefresh, now), when(s.LapsesAt, now), when(next, now))
		if v.Level != present.Fine {
			notes = append(notes, s.Name+": "+v.Headline)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Fprintln(e.Stdout, n)
	}
	return exit
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
		return e.fail("cli.run.already", map[string]any{"Dir": st.Dir})
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
	gw := startGateway(srvCtx, st, k, o.Logger) // gateway.go
	defer gw.Close()
	srv := &ipc.Server{Backend: k, Version: e.Version, Gateway: gw}
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
	perMinute := fs.Int("api-per-minute", 60, "REST API calls allowed per division per minute (try the gateway's pacing)")
	minute := fs.Duration("api-minute", time.Minute, "the length of the API's minute")
	redirect := fs.String("redirect-uri", "", "register this redirect URI for the demo app too")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg := exactsim.DemoConfig()
	cfg.AccessLifetime, cfg.RefreshIdle, cfg.Grace = *access, *idle, *grace
	cfg.APIMinutelyLimit, cfg.APIMinute = *perMinute, *minute
	if *redirect != "" {
		cfg.Apps[0].RedirectURIs = append(cfg.Apps[0].RedirectURIs, *redirect)
	}
	base, wait, err := exactsim.ListenAndServe(ctx, *addr, cfg, e.Stderr)
	if err != nil {
		return err
	}
	app, user := cfg.Apps[0], cfg.Users[0]
	fmt.Fprintln(e.Stdout, e.tf("cli.sim.at", map[string]any{"URL": base}))
	fmt.Fprintln(e.Stdout, e.tf("cli.sim.app", map[string]any{"ID": app.ClientID, "Secret": app.ClientSecret, "URIs": fmt.Sprint(app.RedirectURIs)}))
	fmt.Fprintln(e.Stdout, e.tf("cli.sim.user", map[string]any{"User": user.UserName, "Password": user.Password}))
	fmt.Fprintln(e.Stdout, e.tf("cli.sim.try", map[string]any{"Command": fmt.Sprintf("echo %s | exactkeeperctl connect --name Demo --base-url %s --client-id %s --client-secret-stdin",
		app.ClientSecret, base, app.ClientID)}))
	err = wait()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
