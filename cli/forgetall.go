package cli

import (
	"context"
	"errors"

	"github.com/exactkeeper/exactkeeper/core/keeper"
)

// forgetAllCommand is the hidden subcommand the Windows uninstaller runs
// when the owner chooses to remove the secrets too: it disconnects every
// connection (secrets out of the keychain, connections out of the
// configuration), each under its chain lock like `disconnect`. Delegations
// and settings stay. It is hidden because on the command line `disconnect`
// per connection says better what is lost.
const forgetAllCommand = "__forget-all"

func cmdForgetAll(ctx context.Context, e *Env, args []string) error {
	fs := newFlags(e, forgetAllCommand)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("%s takes no arguments", forgetAllCommand)
	}
	st, err := e.store()
	if err != nil {
		return err
	}
	cfg, err := st.LoadConfig()
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range cfg.Connections {
		// By ID: two connections may share a name.
		if err := keeper.Disconnect(ctx, e.options(st), c.ID); err != nil {
			errs = append(errs, connError{name: c.Name, err: err})
		}
	}
	e.tellKeeper(ctx, st)
	return errors.Join(errs...)
}
