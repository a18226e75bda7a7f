package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exactsim"
	"github.com/exactkeeper/exactkeeper/core/ipc"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

// crashLife is the simulator's access-token lifetime in the crash rows:
// each round waits for one token to expire before Exact allows a refresh.
const crashLife = 2 * time.Second

// realWorld is the simulator on the real clock, for the real binaries.
type realWorld struct {
	sim   *exactsim.Server
	front *front
	home  string
	st    *store.Store
	raw   vault.Vault
	conn  store.Connection
	bin   string
	proc  *exec.Cmd
	done  chan error
	log   *syncBuffer
}

func newRealWorld(bin string) (*realWorld, error) {
	cfg := simConfig(time.Now)
	cfg.AccessLifetime = crashLife
	// A lost chain is counted and logged in again; it must not get the
	// app blocked for the rounds after it.
	cfg.HourlyErrorLimit = 1 << 20
	cfg.DailyLimit = 1 << 20
	sim := exactsim.New(cfg)
	f, err := newFront(sim, time.Now, nil)
	if err != nil {
		return nil, err
	}
	home, err := os.MkdirTemp("", "ekr")
	if err != nil {
		return nil, err
	}
	st, err := store.Open(home)
	if err != nil {
		return nil, err
	}
	return &realWorld{sim: sim, front: f, home: home, st: st, raw: vault.NewKeyring(keyringName, keyringLimit), bin: bin, log: &syncBuffer{}}, nil
}

func (w *realWorld) options() keeper.Options { return keeper.Options{Store: w.st, Vault: w.raw} }

// connect logs in (or in again), as `exactkeeperctl connect` does.
func (w *realWorld) connect() error {
	code, err := w.sim.IssueCode(simClientID, simRedirect, simUser, "")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req := keeper.ConnectRequest{Name: "Bakkerij De Jong", BaseURL: w.front.URL(), ClientID: simClientID, ClientSecret: simSecret, RedirectURI: simRedirect}
	if w.conn.ID != "" {
		req = req.Reconnecting(w.conn)
		req.ClientSecret = simSecret
	}
	conn, err := keeper.Complete(ctx, w.options(), req, code, "")
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	w.conn = conn
	return nil
}

// start runs `exactkeeperctl run` and waits for its endpoint.
func (w *realWorld) start() error {
	c := exec.Command(w.bin, "run")
	c.Env = append(os.Environ(), "EXACTKEEPER_HOME="+w.home)
	c.Stdout, c.Stderr = w.log, w.log
	ownGroup(c)
	if err := c.Start(); err != nil {
		return err
	}
	w.proc, w.done = c, make(chan error, 1)
	go func() { w.done <- c.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if cl, err := ipc.Dial(w.home); err == nil {
			cl.Close()
			return nil
		}
		select {
		case err := <-w.done:
			w.proc = nil // its end is taken: nothing left to stop
			return fmt.Errorf("exactkeeperctl run exited: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	w.kill()
	return fmt.Errorf("exactkeeperctl run did not open its endpoint within 30 s")
}

func (w *realWorld) kill() {
	if w.proc == nil {
		return
	}
	_ = sigKill(w.proc.Process.Pid)
	select {
	case <-w.done:
	case <-time.After(30 * time.Second):
		// Gone, yet its output is still held open: something it started
		// outlived it. The rest of its group goes too, or the run would
		// wait here for ever (seen once under heavy load).
		fmt.Fprintf(w.log, "reliability: a process started by `exactkeeperctl run` outlived it; killing its group\n")
		_ = sigKill(-w.proc.Process.Pid)
		<-w.done
	}
	w.proc = nil
}

func (w *realWorld) stop() {
	if w.proc == nil {
		return
	}
	_ = w.proc.Process.Signal(os.Interrupt)
	select {
	case <-w.done:
	case <-time.After(time.Minute):
		w.kill()
	}
	w.proc = nil
}

func (w *realWorld) close() {
	w.stop()
	if w.conn.ID != "" {
		for _, k := range []string{vault.ChainKey(w.conn.ID), vault.RefreshTokenKey(w.conn.ID), vault.ClientSecretKey(w.conn.ID), vault.AccessTokenKey(w.conn.ID)} {
			_ = w.raw.Delete(k)
		}
	}
	w.front.close()
	_ = os.RemoveAll(w.home)
}

func (w *realWorld) refreshToken() string {
	rt, _ := keeper.StoredRefreshToken(w.raw, w.conn.ID)
	return rt
}

// lastIssued is when Exact last issued a pair (an answered 200).
func (w *realWorld) lastIssued() time.Time {
	var t time.Time
	for _, c := range w.front.allCalls() {
		if c.status == http.StatusOK && c.at.After(t) {
			t = c.at
		}
	}
	return t
}

// waitRefreshable waits until Exact accepts a refresh of the newest pair.
func (w *realWorld) waitRefreshable() {
	if d := time.Until(w.lastIssued().Add(crashLife + 100*time.Millisecond)); d > 0 {
		time.Sleep(d)
	}
}

// askRefresh asks the running keeper to refresh now; it returns at once
// and reports the outcome on the channel.
func (w *realWorld) askRefresh() <-chan error {
	out := make(chan error, 1)
	go func() {
		cl, err := ipc.Dial(w.home)
		if err != nil {
			out <- err
			return
		}
		defer cl.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out <- cl.Refresh(ctx, w.conn.ID)
	}()
	return out
}

// landing is where in a refresh a kill landed.
type landing int

const (
	landedBefore    landing = iota // the call had not reached Exact
	landedAtExact                  // Exact had the call, nothing issued yet
	landedUnsaved                  // Exact issued a pair, the keychain still held the old token
	landedSaved                    // the new refresh token was in the keychain
	landedNoRefresh                // the keeper made no call at all
)

var landingNames = []string{"before the call reached Exact", "while Exact held the call", "after Exact issued, before the keychain had it", "after the new refresh token was saved", "no refresh made"}

// crashRows kills `exactkeeperctl run` with SIGKILL in the middle of its
// refreshes.
func crashRows(bin string, kills, slowKills int, seed uint64, logf func(string, ...any)) []row {
	w, err := newRealWorld(bin)
	if err != nil {
		return []row{failRow("Crashes", "SIGKILL of `exactkeeperctl run`", err)}
	}
	defer w.close()
	if err := w.connect(); err != nil {
		return []row{failRow("Crashes", "SIGKILL of `exactkeeperctl run`", err)}
	}
	if err := w.start(); err != nil {
		return []row{failRow("Crashes", "SIGKILL of `exactkeeperctl run`", err)}
	}

	// How long one refresh visit takes here: the kills are spread over it.
	var visits []time.Duration
	for range 5 {
		w.waitRefreshable()
		began := time.Now()
		if err := <-w.askRefresh(); err != nil {
			logf("crash calibration: %v", err)
			continue
		}
		visits = append(visits, time.Since(began))
	}
	if len(visits) == 0 {
		return []row{failRow("Crashes", "SIGKILL of `exactkeeperctl run`", fmt.Errorf("no refresh succeeded without kills: %s", tail(w.log.String(), 600)))}
	}
	slices.Sort(visits)
	span := visits[len(visits)/2] * 5 / 4
	logf("crash: a refresh visit takes %s (median of %d); kills spread over 0–%s", visits[len(visits)/2].Round(time.Millisecond), len(visits), span.Round(time.Millisecond))

	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	var lost int
	var landed [5]int
	var lostAt [5]int
	for i := 0; i < kills; i++ {
		w.waitRefreshable()
		before := w.sim.Stats()
		rtBefore := w.refreshToken()
		d := time.Duration(rng.Int64N(int64(span) + 1))
		res := w.askRefresh()
		time.Sleep(d)
		w.kill()
		finished := false
		select {
		case err := <-res:
			finished = err == nil
		case <-time.After(2 * time.Second):
		}
		// Let Exact finish what it received (it goes on after the caller
		// died, as Exact does).
		time.Sleep(100 * time.Millisecond)
		after := w.sim.Stats()
		rtAfter := w.refreshToken()
		var l landing
		switch {
		case after.TokenCalls == before.TokenCalls && finished:
			l = landedNoRefresh
		case after.TokenCalls == before.TokenCalls:
			l = landedBefore
		case after.Refreshes == before.Refreshes:
			l = landedAtExact
		case rtAfter == rtBefore:
			l = landedUnsaved
		default:
			l = landedSaved
		}
		landed[l]++
		state := w.sim.RefreshTokenState(rtAfter)
		if state != exactsim.TokenCurrent {
			lost++
			lostAt[l]++
			logf("crash %d: kill after %s landed %s: chain lost (the keychain's token is %s)", i+1, d.Round(time.Microsecond), landingNames[l], state)
			if err := w.connect(); err != nil {
				return []row{failRow("Crashes", "SIGKILL of `exactkeeperctl run`", err)}
			}
		}
		if err := w.start(); err != nil {
			return []row{failRow("Crashes", "SIGKILL of `exactkeeperctl run`", fmt.Errorf("restart after kill %d: %v: %s", i+1, err, tail(w.log.String(), 600)))}
		}
	}
	var parts []string
	for l, n := range landed {
		if n > 0 {
			s := fmt.Sprintf("%d %s", n, landingNames[l])
			if lostAt[l] > 0 {
				s += fmt.Sprintf(" (%d lost)", lostAt[l])
			}
			parts = append(parts, s)
		}
	}
	rows := []row{{
		Area: "Crashes", Case: fmt.Sprintf("SIGKILL of `exactkeeperctl run` at a random moment of a refresh (0–%s after it was asked; Exact answers at once)", span.Round(time.Millisecond)),
		Result: fmt.Sprintf("chains lost: %d of %d", lost, kills), Goal: "0", Met: verdict(lost == 0),
		Note: "kills landed: " + strings.Join(parts, "; "),
	}}

	// Kills while Exact holds the call (its slow busy hour): beyond what
	// any client can save under strict rotation, unless the keeper got
	// the answer first. Counted to show where the protection ends.
	if slowKills > 0 {
		lostSlow := 0
		for i := 0; i < slowKills; i++ {
			w.waitRefreshable()
			before := w.sim.Stats()
			w.sim.Inject(exactsim.Fault{Kind: exactsim.FaultSlow, Delay: 1500 * time.Millisecond})
			res := w.askRefresh()
			deadline := time.Now().Add(30 * time.Second)
			for w.sim.Stats().TokenCalls == before.TokenCalls && time.Now().Before(deadline) {
				time.Sleep(2 * time.Millisecond)
			}
			w.kill()
			<-res
			for w.sim.Stats().Refreshes == before.Refreshes && w.sim.Stats().OldTokenReuses == before.OldTokenReuses && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if w.sim.RefreshTokenState(w.refreshToken()) != exactsim.TokenCurrent {
				lostSlow++
				if err := w.connect(); err != nil {
					return append(rows, failRow("Crashes", "SIGKILL while Exact holds the refresh", err))
				}
			}
			w.sim.ClearFaults()
			if err := w.start(); err != nil {
				return append(rows, failRow("Crashes", "SIGKILL while Exact holds the refresh", err))
			}
		}
		rows = append(rows, row{
			Area: "Crashes", Case: "SIGKILL of `exactkeeperctl run` while Exact holds its refresh (a 1.5 s answer)",
			Result: fmt.Sprintf("chains lost: %d of %d", lostSlow, slowKills), Goal: "— (no client can save it)", Met: "limit",
			Note: "strict rotation: Exact issues the pair, the killed process never receives it; see docs/killed-callers.md",
		})
	}

	// A 50 MB answer to the real keeper process: its peak RSS.
	rows = append(rows, hugeBodyRow(w, logf))
	return rows
}

// hugeBodyRow measures the peak RSS of `exactkeeperctl run` while Exact
// answers its refresh (and the retry) with 50 MB.
func hugeBodyRow(w *realWorld, logf func(string, ...any)) row {
	const area, what = "Faults", "50 MB answer to `exactkeeperctl run` (the process itself)"
	if w.proc == nil {
		if err := w.start(); err != nil {
			return failRow(area, what, err)
		}
	}
	pid := w.proc.Process.Pid
	w.waitRefreshable()
	idle := procKB(pid, "VmRSS")
	resetPeak(pid)
	w.sim.Inject(exactsim.Fault{Kind: exactsim.FaultHuge, Count: 2})
	err := <-w.askRefresh()
	peak := procKB(pid, "VmHWM")
	w.sim.ClearFaults()
	logf("huge body: the refresh said %v", err)
	state := w.sim.RefreshTokenState(w.refreshToken())
	return row{Area: area, Case: what,
		Result: fmt.Sprintf("peak RSS %s (before: %s); the chain is %s afterwards", mb(peak), mb(idle), state),
		Goal:   "bounded (well under 50 MB more)", Met: verdict(peak > 0 && peak-idle < 20<<10 && state == exactsim.TokenCurrent)}
}

// procKB reads a "kB" field of /proc/PID/status.
func procKB(pid int, field string) int {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	return 0
}

// resetPeak resets VmHWM of pid to its current RSS (Linux clear_refs 5).
func resetPeak(pid int) {
	_ = os.WriteFile(filepath.Join("/proc", strconv.Itoa(pid), "clear_refs"), []byte("5"), 0)
}

func mb(kb int) string { return fmt.Sprintf("%.1f MB", float64(kb)/1024) }

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

func tail(s string, n int) string {
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return strings.TrimSpace(s)
}
