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
	fs.Usage = func() {
		fmt.Fprintln(e.Stderr, "Usage: exactkeeperctl secret NAME --client-secret-stdin\n\nEnter the client secret of a connection again (when Exact Online refused it); the login itself is kept.")
		fs.PrintDefaults()
	}
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
		return err
	}
	c, err := keeperClient(st)
	if err != nil {
		return err
	}
	if c != nil {
		if err := c.Reload(ctx); err != nil {
			return fmt.Errorf("the new client secret of %s is saved, but the running keeper did not take it (%s); restart Exact Keeper", conn.Name, sentence(err))
		}
		err = c.Refresh(ctx, conn.ID)
	} else {
		_, err = keeper.RefreshNow(ctx, e.options(st), conn.ID)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stderr, "The new client secret of %q works; Exact Keeper keeps the connection alive.\n", conn.Name)
	return nil
}

// cmdRelayPage prints the relay page, byte for byte, for owners who host
// their own copy on their own HTTPS site.
func cmdRelayPage(_ context.Context, e *Env, args []string) error {
	fs := newFlags(e, "relay-page")
	fs.Usage = func() {
		fmt.Fprintln(e.Stderr, "Usage: exactkeeperctl relay-page > login.html\n\nPrint the login relay page, to host on your own HTTPS site; register that exact address as the redirect URI.")
	}
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("relay-page takes no arguments (got %q)", strings.Join(pos, " "))
	}
	_, err = e.Stdout.Write(assets.RelayPage())
	return err
}
