package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

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
		return e.usage("cli.connect.positional", map[string]any{"Arg": fmt.Sprintf("%q", pos[0])})
	}
	if *name == "" {
		return e.usage("cli.connect.need-name", nil)
	}
	if *region != "" && *baseURL != "" {
		return e.usage("cli.connect.region-and-url", nil)
	}
	if *baseURL != "" && !isWebAddress(*baseURL) {
		return e.usage("cli.connect.bad-base-url", map[string]any{"Value": fmt.Sprintf("%q", *baseURL)})
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
		// Never silently: say it is this connection again, not a new one.
		fmt.Fprintln(e.Stderr, e.tf("cli.connect.existing-name", map[string]any{"Name": fmt.Sprintf("%q", old.Name)}))
	}
	if req.Region == "" && req.BaseURL == "" {
		return e.usage("cli.connect.need-region", nil)
	}
	if req.ClientID == "" {
		return e.usage("cli.connect.need-client-id", nil)
	}
	if req.RedirectURI == "" {
		req.RedirectURI = login.DefaultRedirectURI
	}
	if err := login.ValidateRedirectURI(req.RedirectURI); err != nil {
		if e.lang() == "en" {
			return usagef("%s", sentence(err))
		}
		return e.usage("cli.connect.bad-redirect", map[string]any{"Value": fmt.Sprintf("%q", req.RedirectURI)})
	}
	host := req.BaseURL
	if req.Region != "" {
		if host, err = exact.BaseURL(req.Region); err != nil {
			return e.usage("cli.connect.bad-region", map[string]any{"Value": fmt.Sprintf("%q", req.Region)})
		}
	}
	// A mistyped host would otherwise show as a browser error page, after
	// the owner typed the secret and switched windows; say it here instead.
	if err := e.hostAnswers(ctx, host); err != nil {
		return err
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
		fmt.Fprintln(e.Stderr, e.tf("cli.connect.opening", map[string]any{"URL": l.URL()}))
	}
	switch {
	case l.Relay():
		fmt.Fprintln(e.Stderr, e.t("cli.connect.waiting-relay"))
		go readPastes(ctx, e, in, l)
	case l.Loopback():
		fmt.Fprintln(e.Stderr, e.t("cli.connect.waiting"))
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
	company := e.tf("cli.connect.division", map[string]any{"N": conn.Division})
	if conn.DivisionName != "" {
		company = e.tf("cli.connect.division-named", map[string]any{"Company": conn.DivisionName, "N": company})
	}
	if err != nil {
		return connError{name: conn.Name, err: err}
	}
	fmt.Fprintln(e.Stderr, e.tf("cli.connect.done", map[string]any{"Name": fmt.Sprintf("%q", conn.Name), "Who": who, "Company": company}))
	return nil
}

// isWebAddress reports whether s is an absolute http(s) address with a host.
func isWebAddress(s string) bool {
	u, err := url.Parse(strings.TrimSpace(s))
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.Opaque == ""
}

// hostCheckTimeout bounds the look at the Exact host before the browser opens.
const hostCheckTimeout = 15 * time.Second

// hostAnswers checks that the Exact Online host answers at all: any HTTP
// answer will do (a 404 too); no answer or no such host is refused.
func (e *Env) hostAnswers(ctx context.Context, base string) error {
	ctx, cancel := context.WithTimeout(ctx, hostCheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/", nil)
	if err != nil {
		return e.usage("cli.connect.bad-base-url", map[string]any{"Value": fmt.Sprintf("%q", base)})
	}
	// No redirects: the first answer is proof enough, and a redirect to
	// a login page elsewhere is not worth following.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled) {
			return ctx.Err()
		}
		return e.fail("cli.connect.unreachable", map[string]any{"URL": base, "Why": e.netWhy(err)})
	}
	resp.Body.Close()
	return nil
}

// netWhy says in a few words why a host did not answer.
func (e *Env) netWhy(err error) string {
	var dns *net.DNSError
	var ne net.Error
	switch {
	case errors.As(err, &dns):
		return e.t("cli.net.no-such-host")
	case errors.Is(err, syscall.ECONNREFUSED):
		return e.t("cli.net.refused")
	case errors.As(err, &ne) && ne.Timeout():
		return e.t("cli.net.timeout")
	}
	return e.t("cli.net.other")
}

// readSecret takes the client secret from stdin or a no-echo prompt; never
// from a flag, where it would show in the process list.
func readSecret(e *Env, in *bufio.Reader, fromStdin bool) (string, error) {
	if fromStdin {
		line, err := in.ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && line != "") {
			return "", e.usage("cli.secret.no-stdin", nil)
		}
		s := strings.TrimSpace(line)
		if s == "" {
			return "", e.usage("cli.secret.empty-line", nil)
		}
		return s, nil
	}
	f, ok := e.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", e.usage("cli.secret.need-stdin", nil)
	}
	fmt.Fprint(e.Stderr, e.t("cli.secret.prompt"))
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(e.Stderr)
	if err != nil {
		return "", e.fail("cli.secret.read-failed", map[string]any{"Detail": err.Error()})
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", e.usage("cli.secret.empty", nil)
	}
	return s, nil
}

// readPastes feeds pasted addresses to the login until one is accepted.
func readPastes(ctx context.Context, e *Env, in *bufio.Reader, sess *keeper.Login) {
	for ctx.Err() == nil {
		line, err := in.ReadString('\n')
		if s := strings.TrimSpace(line); s != "" {
			if perr := sess.Paste(s); perr != nil {
				fmt.Fprintln(e.Stderr, e.tf("cli.connect.paste-again", map[string]any{"Detail": e.errSentence(perr)}))
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
		return e.usage("cli.disconnect.need-name", nil)
	}
	st, err := e.store()
	if err != nil {
		return err
	}
	if err := keeper.Disconnect(ctx, e.options(st), pos[0]); err != nil {
		return connError{name: pos[0], err: err}
	}
	e.tellKeeper(ctx, st)
	fmt.Fprintln(e.Stderr, e.tf("cli.disconnect.done", map[string]any{"Name": fmt.Sprintf("%q", pos[0])}))
	return nil
}

// connectionArg resolves an optional NAME: with one connection it may be
// left out.
func connectionArg(st *store.Store, pos []string) (string, error) {
	if len(pos) > 1 {
		return "", usageKey("cli.conn.too-many", nil)
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
	return "", usageKey("cli.conn.which", map[string]any{"N": len(names), "Names": strings.Join(names, ", ")})
}
