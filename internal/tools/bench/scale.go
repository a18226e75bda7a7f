package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/exactkeeper/exactkeeper/core/ipc"
)

// scaled is time shrunk by f: a simulated day lasts keepAlive, and Exact's
// lifetimes and the keeper's tick shrink alike.
type scaled struct {
	f                                  float64
	keepAlive, refreshLifetime, access time.Duration
	tick                               time.Duration
}

// Exact's budgets and the goals for the scale phase.
const (
	exactDailyCalls = 200  // token calls per app and user per day
	goalSpreadShare = 0.05 // no one tick (15 s) holds more of the refreshes
	useEvery        = 30 * time.Minute
)

// scaleRows runs one headless keeper (`exactkeeperctl run`, the same
// engine as the tray app) per size against the simulator with short
// lifetimes, started after a night off (every keep-alive overdue), for
// c.days simulated days. A program uses a tenth of the connections (at
// least one, at most five) every simulated half hour over IPC; the rest
// are only kept alive.
func scaleRows(ctx context.Context, c config, sc scaled, p programs, logs string, sim *simulator, homes []*home) []row {
	const area = "Scale"
	runFor := time.Duration(c.days) * sc.keepAlive
	progress("scale phase: %d keepers, %d simulated days of %s (tick %s, access tokens %s)", len(homes), c.days, sc.keepAlive, sc.tick, sc.access)
	t0 := time.Now()
	keepers := make([]*proc, len(homes))
	for i, h := range homes {
		var err error
		keepers[i], err = startProc(fmt.Sprintf("exactkeeperctl run, %d connections", len(h.ids)), filepath.Join(logs, fmt.Sprintf("run-%d.log", len(h.ids))),
			[]string{"EXACTKEEPER_HOME=" + h.dir}, p.ctl, "run", "--keepalive", sc.keepAlive.String(), "--tick", sc.tick.String())
		if err != nil {
			return []row{failRow(area, "start", err)}
		}
		defer keepers[i].stop()
	}
	// The program's use: a tenth of each home's connections.
	uses := make([][]int, len(homes)) // per home, per used connection: the asks answered
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i, h := range homes {
		// At most 5: shrunk 720-fold, 50 connections asked every
		// simulated half hour would be 20 refreshes a second, a load test
		// rather than an office's day.
		used := min(5, max(1, len(h.ids)/10))
		uses[i] = make([]int, used)
		wg.Add(1)
		go func() {
			defer wg.Done()
			every := time.Duration(float64(useEvery) / sc.f)
			t := time.NewTicker(every)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
				cl, err := ipc.Dial(h.dir)
				if err != nil {
					continue
				}
				for j := range used {
					tctx, tcancel := context.WithTimeout(ctx, every)
					if _, err := cl.Token(tctx, h.names[j]); err == nil {
						uses[i][j]++
					}
					tcancel()
				}
				cl.Close()
			}
		}()
	}
	u, werr := window(ctx, runFor, keepers...)
	cancel()
	wg.Wait()
	if werr != nil {
		return []row{failRow(area, "run", werr)}
	}
	calls := sim.callsSince(t0)
	var rows []row
	for i, h := range homes {
		rows = append(rows, judgeHome(sc, t0, runFor, h, calls, uses[i], u[i])...)
	}
	return rows
}

// judgeHome turns one keeper's token calls into rows.
func judgeHome(sc scaled, t0 time.Time, runFor time.Duration, h *home, calls []call, uses []int, u usage) []row {
	const area = "Scale"
	n := len(h.ids)
	tag := fmt.Sprintf("%d connection(s)", n)
	days := runFor.Seconds() / sc.keepAlive.Seconds()
	per := make([]int, n)
	var refreshes, refused int
	var times []time.Time
	first := make([]time.Time, n)
	perDay := map[[2]int]int{} // connection, simulated day → calls
	for _, c := range calls {
		j := c.conn - h.first
		if j < 0 || j >= n || !c.refresh {
			continue
		}
		per[j]++
		refreshes++
		perDay[[2]int{j, int(c.at.Sub(t0) / sc.keepAlive)}]++
		if c.status != 200 {
			refused++
		}
		// Spread and catch-up are about the keeper's own refreshes: the
		// program's asks come all at once by design of this bench.
		if j >= len(uses) {
			times = append(times, c.at)
			if first[j].IsZero() {
				first[j] = c.at
			}
		}
	}
	var rows []row
	rows = append(rows, row{area, tag + ": memory and CPU", fmt.Sprintf("%s; %d refreshes, %.1f ms CPU per refresh (tick checks included)",
		u, refreshes, u.cpuSec*1000/float64(max(1, refreshes))), "", "n/a"})

	// Calls per connection per simulated day, kept alive only, and used.
	used := len(uses)
	var idleCalls, idleMax, usedCalls, asks int
	for j := range n {
		if j < used {
			usedCalls += per[j]
			asks += uses[j]
		} else {
			idleCalls += per[j]
			idleMax = max(idleMax, per[j])
		}
	}
	busiest := 0
	for _, v := range perDay {
		busiest = max(busiest, v)
	}
	budgetOK := busiest <= exactDailyCalls && refused == 0
	if n > used {
		idle := float64(idleCalls) / float64(n-used) / days
		// One keep-alive a day, plus the catch-up of the night off.
		ok := float64(idleMax) <= days+1
		rows = append(rows, row{area, tag + ": token calls a simulated day, connection only kept alive",
			fmt.Sprintf("%.2f on average, at most %d in %.1f days", idle, idleMax, days), "the keep-alive minimum: 1 a day (+1 for the night off)", verdict(ok)})
	}
	rows = append(rows, row{area, tag + ": token calls a simulated day, connection in use",
		fmt.Sprintf("%.1f on average for %.1f asks a day", float64(usedCalls)/float64(used)/days, float64(asks)/float64(used)/days),
		"no more than the asks, + a keep-alive a day", verdict(float64(usedCalls) <= float64(asks)+float64(used)*(days+1))})
	rows = append(rows, row{area, tag + ": Exact's budgets", fmt.Sprintf("%d refused or too-early calls; busiest connection-day %d calls", refused, busiest),
		fmt.Sprintf("0 refused; ≤ %d calls per connection per day", exactDailyCalls), verdict(budgetOK)})

	// Spread: refreshes per tick (a tick is 15 s of real time).
	buckets := map[int]int{}
	most := 0
	for _, t := range times {
		b := int(t.Sub(t0) / sc.tick)
		buckets[b]++
		most = max(most, buckets[b])
	}
	if own := len(times); n >= 20 && own > 0 {
		share := float64(most) / float64(own)
		// With few refreshes one is more than 5 %: then the engine's cap
		// (maxBackground, 2 a tick) is the measure.
		spreadOK := share <= goalSpreadShare || most <= 2
		rows = append(rows, row{area, tag + ": spread of the keeper's own refreshes (connections not in use)",
			fmt.Sprintf("at most %d of %d (%.1f %%) in one tick (15 s real time)", most, own, share*100),
			fmt.Sprintf("no second holds more than %.0f %% (with under 40 refreshes: at most 2, the engine's cap)", goalSpreadShare*100), verdict(spreadOK)})
		var last time.Time
		missing := 0
		for _, f := range first[used:] {
			if f.IsZero() {
				missing++
			} else if f.After(last) {
				last = f
			}
		}
		catch := last.Sub(t0)
		// At Exact's scale a tick is 15 s and a visit takes well under
		// one, so the catch-up is bound by the cap: maxBackground (2)
		// starts a tick. Here a visit can outlast the shrunken tick.
		ticks := (n + 1) / 2
		rows = append(rows, row{area, tag + ": catch-up after a night off (all keep-alives overdue)",
			fmt.Sprintf("every chain refreshed %s after the start (%.0f ticks of %s), at most %d starts in one tick; %d never refreshed. At Exact's scale (2 starts a 15 s tick): %d ticks, %s",
				catch.Round(time.Millisecond), catch.Seconds()/sc.tick.Seconds(), sc.tick, most, missing, ticks, (time.Duration(ticks) * 15 * time.Second).Round(time.Minute)),
			"spread over ticks, not all at once; well inside the refresh lifetime", verdict(missing == 0 && spreadOK)})
	}
	return rows
}
