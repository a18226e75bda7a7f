package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/login"
	"github.com/exactkeeper/exactkeeper/core/store"
)

func cmdConnect(ctx context.Context, e *Env, args []string) error {
	fs := newFlags(e, "connect")
	name := fs.String("name", "", "a name for this connection, e.g. the company (required)")
	region := fs.String("region", "", "Exact Online region: nl, be, de, fr, es, uk or us")
	baseURL := fs.String("base-url", "", "custom Exact Online base URL instead of --region")
	clientID := fs.String("client-id", "", "client ID of your app registration in the Exact Online App Center")
	redirect := fs.String("redirect-uri", "", "redirect URI exactly as registered (default: the relay page "+login.DefaultRedirectURI+")")
	noBrowser := fs.Bool("no-browser", false, "print the login address instead of opening the browser")
	lifetime := fs.Duration("refresh-lifetime", 0, "how long Exact keeps an unused refresh token (default 720h)")
	secretStdin := fs.Bool("client-secret-stdin", false, "read the client secret from the first line of standard input")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("connect takes no positional arguments (got %q); use --name", pos[0])
	}
	if *name == "" {
		return usagef("connect needs --name, for example --name \"Bakkerij De Jong\"")
	}
	if *region != "" && *baseURL != "" {
		return usagef("give either --region or --base-url, not both")
	}
	st, err := e.store()
	if err != nil {
		return err
	}
	cfg, err := st.LoadConfig()
	if err != nil {
		return err
	}
	req := keeper.ConnectRequest{Name: *name, Region: *region, BaseURL: *baseURL, ClientID: *clientID,
		RedirectURI: *redirect, RefreshLifetime: *lifetime}
	// Connecting under an existing name is a reconnect: it keeps that
	// connection's settings unless flags override them.
	if old, err := cfg.Connection(*name); err == nil {
		req = req.Reconnecting(*old)
	}
	if req.Region == "" && req.BaseURL == "" {
		return usagef("connect needs --region (nl, be, de, fr, es, uk, us) or --base-url")
	}
	if req.ClientID == "" {
		return usagef("connect needs --client-id: the client ID of your app in the Exact Online App Center")
	}
	if req.RedirectURI == "" {
		req.RedirectURI = login.DefaultRedirectURI
	}
	if err := login.ValidateRedirectURI(req.RedirectURI); err != nil {
		return usagef("%s", sentence(err))
	}
	if req.Region != "" {
		if _, err := exact.BaseURL(req.Region); err != nil {
			return usagef("%s", sentence(err))
		}
	}
	in := bufio.NewReader(e.Stdin)
	// A reconnect keeps the stored client secret unless a new one is given.
	if req.ExistingID == "" || *secretStdin {
		secret, err := readSecret(e, in, *secretStdin)
		if err != nil {
			return err
		}
		req.ClientSecret = secret
	}

	p := keeper.LoginParams{Lang: e.lang()}
	if !*noBrowser {
		p.Opener = e.opener()
	}
	l, err := keeper.StartLogin(ctx, e.options(st), req, p)
	if err != nil {
		return err
	}
	defer l.Close()
	if *noBrowser {
		fmt.Fprintln(e.Stdout, l.URL())
	} else {
		fmt.Fprintf(e.Stderr, "Opening your browser to log in to Exact Online. If it does not open, visit:\n%s\n", l.URL())
	}
	switch {
	case l.Relay():
		fmt.Fprintln(e.Stderr, "Waiting for the login to finish in the browser. If the browser does not come back to Exact Keeper by itself, copy the address the relay page shows (or the browser's address bar) and paste it here:")
		go readPastes(ctx, e, in, l)
	case l.Loopback():
		fmt.Fprintln(e.Stderr, "Waiting for the login to finish in the browser…")
	}
	conn, err := l.Wait(ctx)
	if err != nil && !errors.Is(err, keeper.ErrAPIRefused) {
		return err
	}
	e.tellKeeper(ctx, st)
	who := conn.User.FullName
	if who == "" {
		who = conn.User.UserName
	}
	company := fmt.Sprintf("division %d", conn.Division)
	if conn.DivisionName != "" {
		company = fmt.Sprintf("%s (division %d)", conn.DivisionName, conn.Division)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stderr, "Connected %q: %s, %s. Exact Keeper keeps this login alive.\n", conn.Name, who, company)
	return nil
}

// readSecret takes the client secret from stdin or a no-echo prompt; never
// from a flag, where it would show in the process list.
func readSecret(e *Env, in *bufio.Reader, fromStdin bool) (string, error) {
	if fromStdin {
		line, err := in.ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && line != "") {
			return "", usagef("--client-secret-stdin: no client secret on standard input")
		}
		s := strings.TrimSpace(line)
		if s == "" {
			return "", usagef("--client-secret-stdin: the first line of standard input is empty")
		}
		return s, nil
	}
	f, ok := e.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", usagef("give the client secret on standard input with --client-secret-stdin (it is never accepted as a flag)")
	}
	fmt.Fprint(e.Stderr, "Client secret (not shown): ")
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(e.Stderr)
	if err != nil {
		return "", fmt.Errorf("could not read the client secret: %w", err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", usagef("the client secret is empty")
	}
	return s, nil
}

// readPastes feeds pasted addresses to the login until one is accepted.
func readPastes(ctx context.Context, e *Env, in *bufio.Reader, sess *keeper.Login) {
	for ctx.Err() == nil {
		line, err := in.ReadString('\n')
		if s := strings.TrimSpace(line); s != "" {
			if perr := sess.Paste(s); perr != nil {
				fmt.Fprintf(e.Stderr, "%s\nPaste the address again:\n", sentence(perr))
			} else {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func cmdDisconnect(ctx context.Context, e *Env, args []string) error {
	fs := newFlags(e, "disconnect")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: exactkeeperctl disconnect NAME")
	}
	st, err := e.store()
	if err != nil {
		return err
	}
	if err := keeper.Disconnect(ctx, e.options(st), pos[0]); err != nil {
		return err
	}
	e.tellKeeper(ctx, st)
	fmt.Fprintf(e.Stderr, "Disconnected %q; its secrets were removed from the keychain.\n", pos[0])
	return nil
}

// connectionArg resolves an optional NAME: with one connection it may be
// left out.
func connectionArg(st *store.Store, pos []string) (string, error) {
	if len(pos) > 1 {
		return "", usagef("give at most one connection name")
	}
	if len(pos) == 1 {
		return pos[0], nil
	}
	cfg, err := st.LoadConfig()
	if err != nil {
		return "", err
	}
	switch len(cfg.Connections) {
	case 0:
		return "", keeper.ErrNoConnections
	case 1:
		return cfg.Connections[0].ID, nil
	}
	names := make([]string, len(cfg.Connections))
	for i, c := range cfg.Connections {
		names[i] = c.Name
	}
	return "", usagef("there are %d connections; name one: %s", len(names), strings.Join(names, ", "))
}
