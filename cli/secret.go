package cli

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/exactkeeper/exactkeeper/assets"
	"github.com/exactkeeper/exactkeeper/core/keeper"
)

// cmdSecret replaces a connection's client secret after Exact refused it:
// the refresh token is kept, so no browser login is needed. The new secret
// is tried at once (a refresh), because the owner wants to know now.
func cmdSecret(ctx context.Context, e *Env, args []string) error {
	fs := newFlags(e, "secret")
	secretStdin := fs.Bool("client-secret-stdin", false, "read the client secret from the first line of standard input")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	st, err := e.store()
	if err != nil {
		return err
	}
	name, err := connectionArg(st, pos)
	if err != nil {
		return err
	}
	secret, err := readSecret(e, bufio.NewReader(e.Stdin), *secretStdin)
	if err != nil {
		return err
	}
	conn, err := keeper.SetClientSecret(ctx, e.options(st), name, secret)
	if err != nil {
		return e.named(e.options(st), name, err)
	}
	c, err := keeperClient(st)
	if err != nil {
		return err
	}
	if c != nil {
		if err := c.Reload(ctx); err != nil {
			return e.fail("cli.secret.not-taken", map[string]any{"Name": fmt.Sprintf("%q", conn.Name), "Detail": sentence(err)})
		}
		err = c.Refresh(ctx, conn.ID)
	} else {
		_, err = keeper.RefreshNow(ctx, e.options(st), conn.ID)
	}
	if err != nil {
		return connError{name: conn.Name, err: err}
	}
	fmt.Fprintln(e.Stderr, e.tf("cli.secret.done", map[string]any{"Name": fmt.Sprintf("%q", conn.Name)}))
	return nil
}

// cmdRelayPage prints the relay page, byte for byte, for owners who host
// their own copy on their own HTTPS site.
func cmdRelayPage(_ context.Context, e *Env, args []string) error {
	fs := newFlags(e, "relay-page")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return e.usage("cli.relay-page.args", map[string]any{"Args": fmt.Sprintf("%q", strings.Join(pos, " "))})
	}
	_, err = e.Stdout.Write(assets.RelayPage())
	return err
}
