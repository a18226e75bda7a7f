package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime/metrics"
	"sync"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/exactsim"
	"github.com/exactkeeper/exactkeeper/core/keeper"
)

// The scenario clock's rates for the fault and token rows: an idle minute
// of Exact's passes in 0.1 s; a token or keychain call takes its real time.
const (
	idleRate   = 600
	activeRate = 1
)

var origin = time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)

// unseenRow: another program (or a keeper killed after it saved the
// refresh token but before it saw the access token) refreshed; the keeper
// does not know that Exact's newest access token is fresh.
func unseenRow(logf func(string, ...any)) row {
	const area, what = "Unseen token", "Exact issued an access token the keeper never saw (another program refreshed with the stored refresh token)"
	s, t0, err := connectedScenario("unseen", origin, idleRate, activeRate)
	if err != nil {
		return failRow(area, what, err)
	}
	defer s.close()
	s.consume(time.Minute)
	// As soon as Exact allows it (9.5 minutes after the login), before the
	// program's next ask makes the keeper refresh, the other program
	// refreshes and stores the new refresh token; its access token stays
	// with it.
	s.waitTrue(t0.Add(9*time.Minute + 35*time.Second))
	rt, err := keeper.StoredRefreshToken(s.raw, s.conn.ID)
	if err != nil {
		return failRow(area, what, err)
	}
	other := exact.Client{BaseURL: s.front.URL(), ClientID: simClientID, ClientSecret: simSecret, RedirectURI: simRedirect}
	done := s.clock.Busy()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	tok, err := other.Refresh(ctx, rt)
	cancel()
	if err == nil {
		err = keeper.ReplaceRefreshToken(s.raw, s.conn.ID, tok.RefreshToken)
	}
	done()
	if err != nil {
		return failRow(area, what, err)
	}
	tU := s.clock.True()
	base := s.sim.Stats()
	s.waitTrue(tU.Add(time.Hour))
	s.stopConsuming()
	st := s.sim.Stats()

	calls := s.front.callsBetween(tU, s.clock.True())
	tooEarly, success := 0, time.Time{}
	for _, c := range calls {
		if !failed(c) {
			success = c.at
			break
		}
		tooEarly++
	}
	gap := longestGap(s.consumedBetween(tU, s.clock.True()))
	res := fmt.Sprintf("%d too-early answers before the next success", tooEarly)
	if success.IsZero() {
		res += " (no success within the hour)"
	} else {
		res += fmt.Sprintf(" (%s after the unseen one)", success.Sub(tU).Round(time.Second))
	}
	res += fmt.Sprintf("; blocked: %d; programs without a working token for %s at most", st.Blocked-base.Blocked, gap.Round(time.Second))
	ok := tooEarly <= 1 && st.Blocked == base.Blocked && !success.IsZero() && s.chain() == exactsim.TokenCurrent
	logf("unseen: %s; chain %s; %d token calls in the hour", res, s.chain(), len(calls))
	return row{Area: area, Case: what, Result: res, Goal: "≤ 1 too-early, never blocked", Met: verdict(ok)}
}

// longestGap is the longest stretch of Exact's time in which the asks got
// no token Exact accepted.
func longestGap(cs []consumed) time.Duration {
	var worst time.Duration
	var since time.Time
	for _, c := range cs {
		if c.ok && c.accepted {
			if !since.IsZero() {
				worst = max(worst, c.at.Sub(since))
				since = time.Time{}
			}
			continue
		}
		if since.IsZero() {
			since = c.at
		}
	}
	if !since.IsZero() && len(cs) > 0 {
		worst = max(worst, cs[len(cs)-1].at.Sub(since))
	}
	return worst
}

// faultCase is one fault, injected by count.
type faultCase struct {
	name   string
	fault  exactsim.Fault
	refuse bool // the listener is closed instead
	once   bool // one call only (the slow answer), not an hour's outage
	quick  bool // part of the CI subset
}

var faultCases = []faultCase{
	{name: "connection refused", refuse: true, quick: true},
	{name: "timeout: no answer (the connection closes after 3 s)", fault: exactsim.Fault{Kind: exactsim.FaultHang, Delay: 3 * time.Second}},
	{name: "a 40 s answer (real seconds; Exact issues the pair when it answers)", fault: exactsim.Fault{Kind: exactsim.FaultSlow, Delay: 40 * time.Second}, once: true},
	{name: "500 with Exact's gateway fault JSON", fault: exactsim.Fault{Kind: exactsim.FaultGatewayFault}, quick: true},
	{name: "500 with an HTML page", fault: exactsim.Fault{Kind: exactsim.FaultServerError}},
	{name: "502", fault: exactsim.Fault{Kind: exactsim.FaultBadGateway}},
	{name: "503", fault: exactsim.Fault{Kind: exactsim.FaultUnavailable}},
	{name: "429 with Retry-After: 60", fault: exactsim.Fault{Kind: exactsim.FaultTooMany}, quick: true},
	{name: "429 without Retry-After", fault: exactsim.Fault{Kind: exactsim.FaultTooManyBare}},
	{name: "truncated JSON (200)", fault: exactsim.Fault{Kind: exactsim.FaultTruncated}, quick: true},
	{name: "an HTML error page (200)", fault: exactsim.Fault{Kind: exactsim.FaultHTMLPage}},
	{name: "a 50 MB body (200)", fault: exactsim.Fault{Kind: exactsim.FaultHuge}},
}

// outage is how long a fault lasts (it hits every token call meanwhile),
// and recoverWithin how long after it the keeper has to recover.
const (
	outage        = time.Hour
	recoverWithin = 75 * time.Minute
)

// faultRow runs one fault against an in-process keeper with a program
// asking for a token every minute.
func faultRow(fc faultCase, logf func(string, ...any)) row {
	const area = "Faults"
	s, t0, err := connectedScenario("fault", origin, idleRate, activeRate)
	if err != nil {
		return failRow(area, fc.name, err)
	}
	defer s.close()
	s.consume(time.Minute)
	// One ordinary refresh first, so the fault meets a keeper in its stride.
	s.waitTrue(t0.Add(12 * time.Minute))

	peak := newPeakMeter()
	tStart := s.clock.True()
	base := s.sim.Stats()
	switch {
	case fc.refuse:
		s.front.refuse()
	case fc.once:
		f := fc.fault
		f.Count = 1
		s.sim.Inject(f)
	default:
		f := fc.fault
		f.Count = 1 << 20 // every call within the outage
		s.sim.Inject(f)
	}
	if fc.once {
		// Until the slow call was made and answered.
		for s.sim.PendingFaults() > 0 && s.clock.True().Before(tStart.Add(outage)) {
			s.clock.Sleep(time.Minute)
		}
		for len(s.front.callsBetween(tStart, s.clock.True())) == 0 {
			s.clock.Sleep(time.Minute)
		}
	} else {
		s.waitTrue(tStart.Add(outage))
	}
	if fc.refuse {
		if err := s.front.reopen(); err != nil {
			return failRow(area, fc.name, err)
		}
	}
	s.sim.ClearFaults()
	tEnd := s.clock.True()

	// Recovery: the first issued pair after the fault ended.
	var recovered time.Time
	for s.clock.True().Before(tEnd.Add(recoverWithin)) {
		for _, c := range s.front.callsBetween(tEnd, s.clock.True()) {
			if !failed(c) {
				recovered = c.at
				break
			}
		}
		if !recovered.IsZero() {
			break
		}
		s.clock.Sleep(time.Minute)
	}
	// A few more minutes, to see the programs served again.
	s.waitTrue(s.clock.True().Add(5 * time.Minute))
	s.stopConsuming()
	tStop := s.clock.True()
	rss, heap := peak.stop()

	calls := s.front.callsBetween(tStart, tStop)
	st := s.sim.Stats()
	status := s.status()
	chain := s.chain()
	s.mu.Lock()
	reconnects := s.reconnects
	s.mu.Unlock()
	falseReconnect := 0
	if reconnects > 0 || status.Status == keeper.StatusNeedsReconnect || chain != exactsim.TokenCurrent {
		falseReconnect = 1
	}
	bad := failed
	if fc.once {
		// The slow answer is a real one: only a call without a token fails.
		bad = func(c call) bool { return c.status != http.StatusOK }
	}
	worst := worstHour(calls, bad)
	worst4xx := worstHour(calls, clientErr)
	blocked := st.Blocked - base.Blocked
	after := "not within 75 min"
	if !recovered.IsZero() {
		after = recovered.Sub(tEnd).Round(time.Second).String()
	}
	if fc.once {
		after = "—"
		if !recovered.IsZero() {
			after = "at once"
		}
	}
	lastOK := lastAccepted(s.consumedBetween(tEnd, tStop))
	res := fmt.Sprintf("false needs-reconnect: %d; failed token calls in the worst hour: %d (4xx: %d); blocked: %d; recovered after the fault: %s; peak RSS %s (Go heap %s)",
		falseReconnect, worst, worst4xx, blocked, after, mb(rss), mb(heap))
	if fc.refuse {
		res = fmt.Sprintf("false needs-reconnect: %d; token calls that reached Exact during the outage: %d; blocked: %d; recovered after the fault: %s; peak RSS %s (Go heap %s)",
			falseReconnect, len(s.front.callsBetween(tStart, tEnd)), blocked, after, mb(rss), mb(heap))
	}
	note := ""
	if falseReconnect > 0 {
		note = fmt.Sprintf("%s: status %s, chain %s, last error %q", fc.name, status.Status, chain, oneLine(status.LastError, 200))
	}
	ok := falseReconnect == 0 && worst <= 8 && blocked == 0 && !recovered.IsZero() && lastOK
	logf("fault %s: %s; %d calls; status %s; chain %s", fc.name, res, len(calls), status.Status, chain)
	return row{Area: area, Case: fc.name, Result: res, Goal: "0 false reconnects; ≤ 8 errors an hour; bounded memory", Met: verdict(ok), Note: note}
}

// lastAccepted reports whether the last ask got a token Exact accepted.
func lastAccepted(cs []consumed) bool {
	return len(cs) > 0 && cs[len(cs)-1].ok && cs[len(cs)-1].accepted
}

// peakMeter follows the process's peak RSS (reset at start) and Go heap.
type peakMeter struct {
	stopCh chan struct{}
	wg     sync.WaitGroup
	heap   uint64
}

func newPeakMeter() *peakMeter {
	resetPeak(os.Getpid())
	p := &peakMeter{stopCh: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value; v.Kind() == metrics.KindUint64 && v.Uint64() > p.heap {
				p.heap = v.Uint64()
			}
			select {
			case <-p.stopCh:
				return
			case <-t.C:
			}
		}
	}()
	return p
}

// stop returns the peak RSS and heap in kB.
func (p *peakMeter) stop() (rssKB, heapKB int) {
	close(p.stopCh)
	p.wg.Wait()
	return procKB(os.Getpid(), "VmHWM"), int(p.heap >> 10)
}
