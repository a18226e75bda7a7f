package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/exactkeeper/exactkeeper/core/ipc"
)

// run builds, seeds and measures every phase in turn; a phase that fails
// becomes an error row and the run goes on.
func run(ctx context.Context, c config) ([]row, error) {
	tmp, err := os.MkdirTemp("", "ekbench")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bin := c.bin
	if bin == "" {
		bin = filepath.Join(tmp, "bin")
	}
	progress("building the programs and the baselines (a cold cgo build takes minutes)")
	progs, err := build(ctx, bin)
	if err != nil {
		return nil, err
	}
	logs := filepath.Join(tmp, "logs")
	if err := os.MkdirAll(logs, 0o700); err != nil {
		return nil, err
	}

	// Exact's real lifetimes for the idle phase; for the scale phase
	// everything shrinks by f, so that c.day is a day.
	f := float64(24*time.Hour) / float64(c.day)
	real := newSimulator(simConfig(10*time.Minute, 720*time.Hour))
	defer real.close()
	sc := scaled{f: f, keepAlive: c.day, refreshLifetime: time.Duration(float64(720*time.Hour) / f),
		access: max(time.Second, time.Duration(float64(10*time.Minute)/f)), tick: max(20*time.Millisecond, time.Duration(float64(15*time.Second)/f))}
	short := newSimulator(simConfig(sc.access, sc.refreshLifetime))
	defer short.close()

	var idleHomes, scaleHomes []*home
	defer func() {
		for _, h := range append(idleHomes, scaleHomes...) {
			h.forget()
		}
	}()
	for _, n := range c.sizes {
		if !c.wants("startup") && !c.wants("idle") && !c.wants("token") {
			break
		}
		progress("seeding %d connections with Exact's lifetimes", n)
		h, err := real.seed(ctx, tmp, fmt.Sprintf("idle-%d", n), n, 0)
		if err != nil {
			return nil, err
		}
		idleHomes = append(idleHomes, h)
	}
	for _, n := range c.sizes {
		if !c.wants("scale") {
			break
		}
		progress("seeding %d connections with short lifetimes", n)
		h, err := short.seed(ctx, tmp, fmt.Sprintf("scale-%d", n), n, sc.refreshLifetime)
		if err != nil {
			return nil, err
		}
		scaleHomes = append(scaleHomes, h)
	}
	seeded := time.Now()

	var rows []row
	if c.wants("tray") {
		rows = append(rows, trayRows(c.sizes)...)
	}
	if c.wants("startup") {
		rows = append(rows, startupRows(ctx, c, progs, logs, idleHomes)...)
	}
	if c.wants("idle") {
		rows = append(rows, idleRows(ctx, c, progs, logs, idleHomes, real.srv.URL)...)
	}
	if c.wants("token") {
		rows = append(rows, tokenRows(ctx, c, progs, logs, idleHomes[0])...)
	}
	if c.wants("gateway") {
		progress("the API gateway's overhead per request (its Go benchmark)")
		rows = append(rows, gatewayRows(ctx, c)...)
	}
	if !c.wants("scale") {
		return rows, ctx.Err()
	}
	// A night off: every scale chain's keep-alive is overdue when its
	// keeper starts.
	if wait := time.Until(seeded.Add(sc.keepAlive + 2*sc.tick)); wait > 0 {
		progress("waiting %s until every chain's keep-alive is overdue (a night off)", wait.Round(time.Second))
		if err := sleep(ctx, wait); err != nil {
			return rows, err
		}
	}
	rows = append(rows, scaleRows(ctx, c, sc, progs, logs, short, scaleHomes)...)
	return rows, ctx.Err()
}

// waitToken asks the keeper of dir for a token until it answers, and
// returns when it did.
func waitToken(ctx context.Context, dir, name string, p *proc, limit time.Duration) (time.Time, error) {
	end := time.Now().Add(limit)
	for {
		if c, err := ipc.Dial(dir); err == nil {
			tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, err := c.Token(tctx, name)
			cancel()
			c.Close()
			if err == nil {
				return time.Now(), nil
			}
		}
		if !p.alive() {
			return time.Time{}, fmt.Errorf("%s: %w", p.name, errStopped)
		}
		if time.Now().After(end) {
			return time.Time{}, fmt.Errorf("no token from %s within %s", p.name, limit)
		}
		if err := sleep(ctx, 2*time.Millisecond); err != nil {
			return time.Time{}, err
		}
	}
}
