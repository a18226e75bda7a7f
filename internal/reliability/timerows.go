package main

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exactsim"
	"github.com/exactkeeper/exactkeeper/core/keeper"
)

// jumpRow steps the keeper's wall clock (not Exact's) while a program asks
// for a token every minute, and watches the hour after.
func jumpRow(what string, step time.Duration, logf func(string, ...any)) row {
	const area = "Time"
	s, t0, err := connectedScenario("jump", origin, idleRate, activeRate)
	if err != nil {
		return failRow(area, what, err)
	}
	defer s.close()
	s.consume(time.Minute)
	s.waitTrue(t0.Add(3 * time.Minute))
	tJ := s.clock.True()
	base := s.sim.Stats()
	s.clock.Step(step)
	s.waitTrue(tJ.Add(time.Hour))
	s.stopConsuming()
	return timeVerdict(s, area, what, tJ, base, logf)
}

// timeVerdict sums up the hour after a time event.
func timeVerdict(s *scenario, area, what string, from time.Time, base exactsim.Stats, logf func(string, ...any)) row {
	to := s.clock.True()
	calls := s.front.callsBetween(from, to)
	st := s.sim.Stats()
	cons := s.consumedBetween(from, to)
	refused, failedAsks := 0, 0
	for _, c := range cons {
		switch {
		case !c.ok:
			failedAsks++
		case !c.accepted:
			refused++
		}
	}
	status := s.status()
	chain := s.chain()
	s.mu.Lock()
	seen := strings.Join(s.statuses, " → ")
	s.mu.Unlock()
	res := fmt.Sprintf("token calls in the hour after: %d (failed %d, too early %d, blocked %d); asks without a token: %d of %d; tokens Exact refused: %d; state now %s (seen: %s); chain %s",
		len(calls), countCalls(calls, failed), st.TooEarly-base.TooEarly, st.Blocked-base.Blocked, failedAsks, len(cons), refused, status.Status, orDash(seen), chain)
	ok := refused == 0 && failedAsks <= 1 && worstHour(calls, failed) <= 2 && st.Blocked == base.Blocked &&
		status.Status == keeper.StatusOK && chain == exactsim.TokenCurrent && len(calls) <= 8
	logf("%s: %s", what, res)
	return row{Area: area, Case: what, Result: res, Goal: "one clear state, no burst, no refused token", Met: verdict(ok)}
}

func countCalls(cs []call, f func(call) bool) int {
	n := 0
	for _, c := range cs {
		if f(c) {
			n++
		}
	}
	return n
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

var amsterdam = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
}()

// nightRow connects at last (local Amsterdam time) and lets the keeper,
// with nobody asking for tokens, keep the chain alive with its default
// 24-hour keep-alive through the next night.
func nightRow(what string, last time.Time, logf func(string, ...any)) row {
	const area = "Time"
	// An idle day passes in a few seconds; calls keep their real length.
	s, t0, err := connectedScenario("night", last.UTC(), 20000, activeRate)
	if err != nil {
		return failRow(area, what, err)
	}
	defer s.close()
	end := t0.Add(27 * time.Hour)
	s.waitTrue(end)
	calls := s.front.callsBetween(t0.Add(time.Minute), end)
	var at []string
	busy := 0
	for _, c := range calls {
		l := c.at.In(amsterdam)
		if l.Hour() == 1 {
			busy++
		}
		mark := ""
		if c.status != http.StatusOK {
			mark = fmt.Sprintf(" (%d)", c.status)
		}
		at = append(at, l.Format("Mon 15:04 MST")+mark)
	}
	status := s.status()
	res := fmt.Sprintf("keep-alive calls: %d, at %s; in 01:00–02:00 Amsterdam: %d; state %s; chain %s",
		len(calls), orDash(strings.Join(at, ", ")), busy, status.Status, s.chain())
	ok := busy == 0 && len(calls) >= 1 && len(calls) <= 2 && countCalls(calls, failed) == 0 && s.chain() == exactsim.TokenCurrent
	logf("%s: %s", what, res)
	return row{Area: area, Case: what, Result: res, Goal: "no keep-alive in 01:00–02:00 Amsterdam, no burst", Met: verdict(ok)}
}

// offRow: the PC was off for 40 days; the refresh token lapsed after 30.
func offRow(logf func(string, ...any)) row {
	const area, what = "Time", "40 days off (the refresh token lapsed after 30): the keeper starts again"
	s, t0, err := connectedScenario("off", origin, idleRate, activeRate)
	if err != nil {
		return failRow(area, what, err)
	}
	defer s.close()
	s.waitTrue(t0.Add(5 * time.Minute))
	s.stopKeeper()
	s.clock.Advance(40 * 24 * time.Hour)
	tOn := s.clock.True()
	base := s.sim.Stats()
	if err := s.startKeeper(); err != nil {
		return failRow(area, what, err)
	}
	s.consume(time.Minute)
	s.waitTrue(tOn.Add(time.Hour))
	s.stopConsuming()
	calls := s.front.callsBetween(tOn, s.clock.True())
	st := s.sim.Stats()
	status := s.status()
	s.mu.Lock()
	seen := strings.Join(s.statuses, " → ")
	reconnects := s.reconnects
	s.mu.Unlock()
	cons := s.consumedBetween(tOn, s.clock.True())
	said := ""
	if len(cons) > 0 {
		said = cons[len(cons)-1].err
	}
	res := fmt.Sprintf("token calls after the start: %d (blocked %d); state %s (seen: %s; needs-reconnect announced %d×); programs are told: %q",
		len(calls), st.Blocked-base.Blocked, status.Status, orDash(seen), reconnects, oneLine(said, 160))
	ok := len(calls) <= 1 && status.Status == keeper.StatusNeedsReconnect && reconnects <= 1 && st.Blocked == base.Blocked
	logf("%s: %s", what, res)
	return row{Area: area, Case: what, Result: res, Goal: "≤ 1 call, one clear needs-reconnect", Met: verdict(ok)}
}
