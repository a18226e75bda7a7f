package dashboard

import (
	"context"
	"time"

	"github.com/exactkeeper/exactkeeper/core/gateway"
)

// The real backend's API gateway: config.json is written here, as the CLI
// writes it, and the running keeper is asked to follow.

var _ GatewayBackend = (*realBackend)(nil)

// GatewayStatus asks the running keeper, or reads config.json.
func (b *realBackend) GatewayStatus(ctx context.Context) (gateway.Status, error) {
	if c, err := b.keeperClient(); err == nil {
		if st, err := c.GatewayStatus(ctx); err == nil {
			return st, nil
		}
	}
	cfg, err := b.st.LoadConfig()
	if err != nil {
		return gateway.Status{}, err
	}
	return gateway.Configured(cfg), nil
}

// SwitchGateway turns the gateway on (where it was, or at the per-user
// default, or at a free port when that one is taken) or off.
func (b *realBackend) SwitchGateway(ctx context.Context, on bool) (gateway.Status, error) {
	addr := ""
	if on {
		cfg, err := b.st.LoadConfig()
		if err != nil {
			return gateway.Status{}, err
		}
		var running *gateway.Status
		if st, err := b.GatewayStatus(ctx); err == nil {
			running = &st
		}
		if addr, _, err = gateway.PickAddr(cfg.Settings.Gateway, running); err != nil {
			return gateway.Status{}, err
		}
	}
	if err := gateway.Switch(b.st, on, addr); err != nil {
		return gateway.Status{}, err
	}
	if c, err := b.keeperClient(); err == nil {
		if st, err := c.GatewayApply(ctx); err == nil {
			return st, nil
		}
	}
	return b.GatewayStatus(ctx)
}

// AddGatewayKey stores a new key; it is returned only now.
func (b *realBackend) AddGatewayKey(_ context.Context, name string) (string, error) {
	return gateway.AddKey(b.st, name, time.Now())
}

// RemoveGatewayKey revokes a key; the gateway refuses it from the next
// request on, since it reads the keys on every request.
func (b *realBackend) RemoveGatewayKey(_ context.Context, name string) error {
	return gateway.RemoveKey(b.st, name)
}
