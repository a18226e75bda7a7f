package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"text/tabwriter"

	"github.com/exactkeeper/exactkeeper/core/gateway"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// startGateway is the API gateway of `exactkeeperctl run`; it listens when
// config.json says so.
func startGateway(ctx context.Context, st *store.Store, tokens gateway.Tokens, log *slog.Logger) *gateway.Runner {
	r := gateway.ForKeeper(st, tokens, log)
	if s := r.Apply(ctx); s.Error != "" {
		log.Warn("API gateway not started", "error", s.Error)
	}
	return r
}

// cmdGateway is `exactkeeperctl gateway on [--addr A] | off | status [--json]
// | key add NAME | key list [--json] | key remove NAME`.
func cmdGateway(ctx context.Context, e *Env, args []string) error {
	fs := newFlags(e, "gateway")
	addr := fs.String("addr", "", "with on: the loopback address to listen on, such as 127.0.0.1:41234 (default: a port of your own)")
	asJSON := fs.Bool("json", false, "with status or key list: print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("%s", e.t("gateway.usage"))
	}
	st, err := e.store()
	if err != nil {
		return err
	}
	switch {
	case pos[0] == "on" && len(pos) == 1:
		return gatewayOn(ctx, e, st, *addr)
	case pos[0] == "off" && len(pos) == 1:
		if err := gateway.Switch(st, false, ""); err != nil {
			return err
		}
		applyGateway(ctx, e, st)
		fmt.Fprintln(e.Stderr, e.t("gateway.off"))
		return nil
	case pos[0] == "status" && len(pos) == 1:
		return gatewayStatus(ctx, e, st, *asJSON)
	case pos[0] == "key" && len(pos) == 3 && pos[1] == "add":
		return keyAdd(ctx, e, st, pos[2])
	case pos[0] == "key" && len(pos) == 2 && pos[1] == "list":
		return keyList(ctx, e, st, *asJSON)
	case pos[0] == "key" && len(pos) == 3 && pos[1] == "remove":
		return keyRemove(ctx, e, st, pos[2])
	}
	return usagef("%s", e.t("gateway.usage"))
}

// gatewayOn switches the gateway on. Without --addr it keeps the address
// it had, or takes the per-user default; when that port is taken (another
// user's gateway on a terminal server, another program), a free one is
// picked and shown.
func gatewayOn(ctx context.Context, e *Env, st *store.Store, addr string) error {
	cfg, err := st.LoadConfig()
	if err != nil {
		return err
	}
	if addr == "" {
		picked, moved, err := gateway.PickAddr(cfg.Settings.Gateway, currentGateway(ctx, st))
		if err != nil {
			return err
		}
		if moved {
			fmt.Fprintln(e.Stderr, e.tf("gateway.port-taken", map[string]any{"Addr": gateway.Addr(cfg.Settings.Gateway), "New": picked}))
		}
		addr = picked
	}
	if err := gateway.CheckAddr(addr); err != nil {
		return usagef("%s", err.Error())
	}
	if err := gateway.Switch(st, true, addr); err != nil {
		return err
	}
	s := applyGateway(ctx, e, st)
	switch {
	case s == nil:
		fmt.Fprintln(e.Stderr, e.tf("gateway.on.later", map[string]any{"URL": "http://" + addr}))
	case s.Error != "":
		return errors.New(s.Error)
	default:
		fmt.Fprintln(e.Stderr, e.tf("gateway.on", map[string]any{"URL": "http://" + s.Addr}))
	}
	if len(cfg.Settings.Gateway.Keys) == 0 {
		fmt.Fprintln(e.Stderr, e.t("gateway.no-keys"))
	}
	return nil
}

// currentGateway is the running keeper's gateway, nil when no keeper runs
// (or it has none).
func currentGateway(ctx context.Context, st *store.Store) *gateway.Status {
	c, err := keeperClient(st)
	if err != nil || c == nil {
		return nil
	}
	defer c.Close()
	s, err := c.GatewayStatus(ctx)
	if err != nil {
		return nil
	}
	return &s
}

// applyGateway makes the running keeper follow config.json; nil when no
// keeper runs (it follows the file when it starts).
func applyGateway(ctx context.Context, e *Env, st *store.Store) *gateway.Status {
	c, err := keeperClient(st)
	if err != nil || c == nil {
		return nil
	}
	defer c.Close()
	s, err := c.GatewayApply(ctx)
	if err != nil {
		fmt.Fprintln(e.Stderr, e.tf("gateway.keeper-old", map[string]any{"Error": sentence(err)}))
		return nil
	}
	return &s
}

// gatewayState is the gateway's state from the running keeper, or from
// config.json alone when none runs.
func gatewayState(ctx context.Context, st *store.Store) (gateway.Status, bool, error) {
	if s := currentGateway(ctx, st); s != nil {
		return *s, true, nil
	}
	cfg, err := st.LoadConfig()
	if err != nil {
		return gateway.Status{}, false, err
	}
	return gateway.Configured(cfg), false, nil
}

func gatewayStatus(ctx context.Context, e *Env, st *store.Store, asJSON bool) error {
	s, live, err := gatewayState(ctx, st)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(e, s)
	}
	url := map[string]any{"URL": "http://" + s.Addr}
	switch {
	case !s.Enabled:
		fmt.Fprintln(e.Stdout, e.t("gateway.status.off"))
	case s.Running:
		fmt.Fprintln(e.Stdout, e.tf("gateway.status.running", url))
	case !live:
		fmt.Fprintln(e.Stdout, e.tf("gateway.status.no-keeper", url))
	default:
		fmt.Fprintln(e.Stdout, e.tf("gateway.status.failed", map[string]any{"URL": "http://" + s.Addr, "Error": s.Error}))
	}
	return printKeys(e, s.Keys)
}

func printKeys(e *Env, keys []gateway.KeyStats) error {
	if len(keys) == 0 {
		fmt.Fprintln(e.Stdout, e.t("gateway.keys.none"))
		return nil
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, e.t("gateway.keys.header"))
	for _, k := range keys {
		last := "-"
		if !k.LastRequest.IsZero() {
			last = k.LastRequest.Local().Format("2006-01-02 15:04:05")
		}
		created := "-"
		if !k.Created.IsZero() {
			created = k.Created.Local().Format("2006-01-02")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\n", k.Name, created, last, k.RequestsToday, k.RefusalsToday)
	}
	return tw.Flush()
}

// keyAdd prints the new key alone on stdout's first line; it is shown only
// this once.
func keyAdd(ctx context.Context, e *Env, st *store.Store, name string) error {
	key, err := gateway.AddKey(st, name, e.Now())
	switch {
	case errors.Is(err, gateway.ErrKeyName):
		return usagef("%s", e.tf("gateway.key.bad-name", map[string]any{"Name": name}))
	case errors.Is(err, gateway.ErrKeyExists):
		return errors.New(e.tf("gateway.key.exists", map[string]any{"Name": name}))
	case err != nil:
		return err
	}
	fmt.Fprintln(e.Stdout, key)
	fmt.Fprintln(e.Stderr, e.tf("gateway.key.added", map[string]any{"Name": name}))
	return nil
}

func keyList(ctx context.Context, e *Env, st *store.Store, asJSON bool) error {
	s, _, err := gatewayState(ctx, st)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(e, s.Keys)
	}
	return printKeys(e, s.Keys)
}

// keyRemove revokes a key, from the next request on.
func keyRemove(ctx context.Context, e *Env, st *store.Store, name string) error {
	err := gateway.RemoveKey(st, name)
	if errors.Is(err, gateway.ErrNoSuchKey) {
		return errors.New(e.tf("gateway.key.unknown", map[string]any{"Name": name}))
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Stderr, e.tf("gateway.key.removed", map[string]any{"Name": name}))
	return nil
}
