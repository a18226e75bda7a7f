package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/godbus/dbus/v5"
)

// startupRows times, for the smallest and the largest home, how long
// exactkeeper takes from exec to its tray item on the session bus and to
// the first token served over IPC. The first start of a home is "cold"
// (just built, its keychain items never read by a keeper); the median of
// the next c.starts is "warm".
func startupRows(ctx context.Context, c config, p programs, logs string, homes []*home) []row {
	const area = "Start-up"
	bus, err := dbus.ConnectSessionBus()
	if err != nil {
		return []row{failRow(area, "session bus", err)}
	}
	defer bus.Close()
	var rows []row
	for _, h := range []*home{homes[0], homes[len(homes)-1]} {
		n := len(h.ids)
		progress("start-up with %d connections: 1 cold and %d warm starts", n, c.starts)
		var trays, tokens []time.Duration
		for i := 0; i <= c.starts; i++ {
			tray, tok, err := startOnce(ctx, bus, p, logs, h)
			if err != nil {
				rows = append(rows, failRow(area, fmt.Sprintf("%d connection(s)", n), err))
				break
			}
			trays, tokens = append(trays, tray), append(tokens, tok)
		}
		if len(trays) == 0 {
			continue
		}
		rows = append(rows, row{area, fmt.Sprintf("%d connection(s), cold (first start)", n),
			fmt.Sprintf("tray item published after %s; first token served after %s", ms(trays[0]), ms(tokens[0])), "", "n/a"})
		if len(trays) > 1 {
			st, sk := sortedDurations(trays[1:]), sortedDurations(tokens[1:])
			rows = append(rows, row{area, fmt.Sprintf("%d connection(s), warm (median of %d)", n, len(st)),
				fmt.Sprintf("tray item published after %s; first token served after %s", ms(percentile(st, 0.5)), ms(percentile(sk, 0.5))), "", "n/a"})
		}
	}
	return rows
}

// startOnce starts the keeper and waits for its tray item
// (org.kde.StatusNotifierItem-PID-1, published even with no tray host) and
// its first token, then stops it.
func startOnce(ctx context.Context, bus *dbus.Conn, p programs, logs string, h *home) (tray, tok time.Duration, err error) {
	t0 := time.Now()
	k, err := startProc("exactkeeper", filepath.Join(logs, "startup.log"), []string{"EXACTKEEPER_HOME=" + h.dir}, p.keeper)
	if err != nil {
		return 0, 0, err
	}
	defer k.stop()
	name := fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", k.pid())
	trayCh := make(chan time.Duration, 1)
	go func() {
		for time.Since(t0) < time.Minute && k.alive() {
			var has bool
			if bus.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has) == nil && has {
				trayCh <- time.Since(t0)
				return
			}
			time.Sleep(2 * time.Millisecond) // polling an outside process, not synchronising the bench's own code
		}
		trayCh <- -1
	}()
	at, err := waitToken(ctx, h.dir, h.names[0], k, time.Minute)
	if err != nil {
		return 0, 0, err
	}
	tray = <-trayCh
	if tray < 0 {
		return 0, 0, fmt.Errorf("no tray item %s within a minute", name)
	}
	return tray, at.Sub(t0), nil
}
