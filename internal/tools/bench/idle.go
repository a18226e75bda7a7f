package main

import (
	"context"
	"fmt"
	"path/filepath"
)

// Goals of issue 13 for an idle keeper.
const (
	goalIdleCPU    = 0.1 // %
	goalIdleWakeup = 1.0 // context switches a second
	goalRSSFactor  = 2.0 // 1 connection against the bare systray program
	goalScaleMB    = 30.0
)

// idleRows measures, side by side under Xvfb: the bare systray program, that
// program with an HTTP client used once against simURL (the least any
// keeper links and loads), the minimal Fyne tray app and a keeper per size
// (phase 1); the dashboard open
// over the largest keeper (phase 2); that keeper after the window closed
// (phase 3).
func idleRows(ctx context.Context, c config, p programs, logs string, homes []*home, simURL string) []row {
	const area = "Idle"
	var rows []row
	bare, err := startProc("bare fyne.io/systray", filepath.Join(logs, "baretray.log"), nil, p.baretray)
	if err != nil {
		return []row{failRow(area, "start", err)}
	}
	defer bare.stop()
	bareHTTP, err := startProc("bare systray with an HTTP client", filepath.Join(logs, "barehttps.log"), nil, p.barehttps, simURL)
	if err != nil {
		return []row{failRow(area, "start", err)}
	}
	defer bareHTTP.stop()
	fyneApp, err := startProc("minimal Fyne tray app", filepath.Join(logs, "barefyne.log"), nil, p.barefyne)
	if err != nil {
		return []row{failRow(area, "start", err)}
	}
	defer fyneApp.stop()
	keepers := make([]*proc, len(homes))
	for i, h := range homes {
		keepers[i], err = startProc(fmt.Sprintf("exactkeeper, %d connections", len(h.ids)), filepath.Join(logs, fmt.Sprintf("keeper-%d.log", len(h.ids))),
			[]string{"EXACTKEEPER_HOME=" + h.dir}, p.keeper)
		if err != nil {
			return []row{failRow(area, "start", err)}
		}
		defer keepers[i].stop()
	}
	progress("idle phase 1: %d programs side by side, %s warm-up, %s measured", 3+len(keepers), c.warm, c.idle)
	if err := sleep(ctx, c.warm); err != nil {
		return []row{failRow(area, "phase 1", err)}
	}
	all := append([]*proc{bare, fyneApp, bareHTTP}, keepers...)
	u, err := window(ctx, c.idle, all...)
	if err != nil {
		return []row{failRow(area, "phase 1", err)}
	}
	bareRSS := u[0].rssMB
	rows = append(rows,
		row{area, "bare fyne.io/systray program (baseline)", u[0].String(), "", "n/a"},
		row{area, "minimal Fyne app with a tray icon (baseline)", u[1].String(), "", "n/a"},
		row{area, "bare systray program with an HTTP client, used once (baseline: the least a keeper loads)", u[2].String(), "", "n/a"})
	oneRSS := 0.0
	for i := range keepers {
		ku := u[3+i]
		n := len(homes[i].ids)
		idleOK := ku.cpuPct <= goalIdleCPU && ku.csPerSec <= goalIdleWakeup
		goal := fmt.Sprintf("CPU ≤ %.1f %%, ≤ %.0f wake-up/s", goalIdleCPU, goalIdleWakeup)
		ok := idleOK
		switch {
		case i == 0:
			oneRSS = ku.rssMB
			goal += fmt.Sprintf("; RSS ≤ %.0f× bare systray (%.1f MB)", goalRSSFactor, goalRSSFactor*bareRSS)
			ok = ok && ku.rssMB <= goalRSSFactor*bareRSS
		default:
			goal += fmt.Sprintf("; RSS ≤ %d-connection keeper + %.0f MB (%.1f MB)", len(homes[0].ids), goalScaleMB, oneRSS+goalScaleMB)
			ok = ok && ku.rssMB <= oneRSS+goalScaleMB
		}
		rows = append(rows, row{area, fmt.Sprintf("exactkeeper, %d connection(s), window closed", n), ku.String(), goal, verdict(ok)})
	}

	big, bigHome := keepers[len(keepers)-1], homes[len(homes)-1]
	dash, err := startProc("exactkeeper-dashboard", filepath.Join(logs, "dashboard.log"), []string{"EXACTKEEPER_HOME=" + bigHome.dir}, p.dashboard)
	if err != nil {
		return append(rows, failRow(area, "dashboard", err))
	}
	defer dash.stop()
	progress("idle phase 2: the dashboard open over %d connections, %s", len(bigHome.ids), c.idle)
	if err := sleep(ctx, c.warm); err != nil {
		return append(rows, failRow(area, "dashboard", err))
	}
	if u, err = window(ctx, c.idle, dash, big); err != nil {
		return append(rows, failRow(area, "dashboard open", err))
	}
	n := len(bigHome.ids)
	rows = append(rows,
		row{area, fmt.Sprintf("exactkeeper-dashboard, window open, %d connections", n), u[0].String(), "", "n/a"},
		row{area, fmt.Sprintf("exactkeeper, %d connections, while the window is open", n), u[1].String(), "", "n/a"})

	dash.stop()
	progress("idle phase 3: the keeper after the window closed, %s", c.idle)
	if err := sleep(ctx, c.warm); err != nil {
		return append(rows, failRow(area, "after the dashboard", err))
	}
	if u, err = window(ctx, c.idle, big); err != nil {
		return append(rows, failRow(area, "after the dashboard", err))
	}
	ok := u[0].cpuPct <= goalIdleCPU && u[0].csPerSec <= goalIdleWakeup
	rows = append(rows, row{area, fmt.Sprintf("exactkeeper, %d connections, after the window closed", n), u[0].String(),
		fmt.Sprintf("back to idle: CPU ≤ %.1f %%, ≤ %.0f wake-up/s", goalIdleCPU, goalIdleWakeup), verdict(ok)})
	return rows
}
