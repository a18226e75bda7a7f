//go:build linux

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/exactsim"
	"github.com/exactkeeper/exactkeeper/core/ipc"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

// killLife is the simulator's access-token lifetime in the kill tests: each
// round waits twice for a token to expire before Exact allows a refresh.
// A token is handed out only while half of it is left, and a loaded
// machine may take a second between Exact's answer and that check.
const killLife = 3 * time.Second

// killSlow is how long the simulator holds a refresh it received before it
// answers (Exact's slow token calls in its busy hour): the kill lands inside.
const killSlow = 1500 * time.Millisecond

// A kill is one way a caller dies while its refresh is at Exact.
type kill struct {
	name string
	// keeper: the victim is `exactkeeperctl run`, made to refresh by a
	// token asked over IPC, instead of a one-shot `token`.
	keeper bool
	sig    syscall.Signal
	group  bool // the victim's whole process group, as a shell, cron or a closed terminal does
}

var kills = []kill{
	{name: "SIGKILL of token", sig: syscall.SIGKILL},
	{name: "SIGKILL of token's process group", sig: syscall.SIGKILL, group: true},
	{name: "SIGHUP of token's process group", sig: syscall.SIGHUP, group: true},
	{name: "SIGHUP of run's process group", keeper: true, sig: syscall.SIGHUP, group: true},
}

// TestKillMidRefresh kills callers while Exact is answering their refresh
// and checks that no chain is lost. Exact (strict rotation, no grace) has
// issued the new pair by the time its answer comes, so a caller that dies
// before it saved the new refresh token breaks the chain for good. A
// one-shot refresh runs in a helper process of its own that outlives the
// caller; a keeper (run) finishes its refresh before it obeys SIGHUP.
//
// EXACTKEEPER_KILLS sets the kills of each kind (default 10; the
// reliability run uses 100, -parallel 4 and a -timeout of 30m: a round
// takes some 8 s, the kinds run side by side). EXACTKEEPER_KILL_CTL runs another build of
// exactkeeperctl instead, to measure one without the helper.
func TestKillMidRefresh(t *testing.T) {
	if testing.Short() {
		t.Skip("kills callers for minutes; not with -short")
	}
	n := 10
	if v := os.Getenv("EXACTKEEPER_KILLS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			t.Fatalf("EXACTKEEPER_KILLS=%q is not a positive number", v)
		}
	}
	if p := os.Getenv("EXACTKEEPER_KILL_CTL"); p != "" {
		ctlBin = p
	}
	var mu sync.Mutex
	total, totalLost := 0, 0
	t.Run("kinds", func(t *testing.T) {
		for _, k := range kills {
			t.Run(k.name, func(t *testing.T) {
				t.Parallel()
				lost := killRounds(t, k, n)
				mu.Lock()
				total, totalLost = total+n, totalLost+lost
				mu.Unlock()
			})
		}
	})
	t.Logf("all kinds: chains lost: %d of %d", totalLost, total)
}

// killRounds kills n callers of one kind mid-refresh and returns how many
// chains were lost.
func killRounds(t *testing.T, k kill, n int) int {
	w := newWorld(t, func(c *exactsim.Config) {
		c.AccessLifetime = killLife
		// Lost chains (a build without the helper) must not get the app
		// blocked, and a reliability run makes more than a day's calls.
		c.HourlyErrorLimit, c.DailyLimit = 10000, 10000
	})
	const name = "Bakkerij De Jong"
	w.connect(name)
	id := w.config().Connections[0].ID
	lost := 0
	for round := 1; round <= n; round++ {
		// Exact refuses a refresh while the access token is fresh.
		waitPast(w.cachedAccess(id).Expiry)
		before := w.sim.Stats()
		w.sim.Inject(exactsim.Fault{Kind: exactsim.FaultSlow, Delay: killSlow})

		var victim, asker *proc
		if k.keeper {
			victim = w.startGroup("run")
			sock := ipc.Endpoint(w.home)
			until(t, 30*time.Second, "the keeper's socket", func() bool {
				_, err := os.Stat(sock)
				return err == nil
			})
			// The keeper refreshes for this caller, which is not killed.
			asker = w.startGroup("token")
		} else {
			victim = w.startGroup("token", "--json")
		}
		until(t, 30*time.Second, "the simulator to receive the refresh", func() bool {
			return w.sim.Stats().TokenCalls > before.TokenCalls
		})
		pid := victim.cmd.Process.Pid
		if k.group {
			pid = -pid
		}
		if err := syscall.Kill(pid, k.sig); err != nil {
			t.Fatalf("round %d: kill: %v", round, err)
		}
		if err := victim.wait(t); k.keeper && err != nil {
			t.Errorf("round %d: the keeper did not end cleanly on %s: %v: %s", round, k.sig, err, victim.out)
		}

		// The chain settles once Exact answered and no refresh helper of
		// this world runs any more: it saved, or died.
		until(t, 30*time.Second, "the simulator to answer the refresh", func() bool {
			s := w.sim.Stats()
			return s.Refreshes > before.Refreshes || s.OldTokenReuses > before.OldTokenReuses || s.InvalidGrant > before.InvalidGrant
		})
		until(t, time.Minute, "the refresh helper to end", func() bool { return w.helpersRunning(id) == 0 })
		if asker != nil {
			// A stopping keeper still answers those waiting for its refresh.
			if err := asker.wait(t); err != nil {
				t.Errorf("round %d: the token asked of the stopping keeper: %v: %s", round, err, strings.TrimSpace(asker.out.String()))
			}
		}

		if !w.chainWhole(t, id, round) {
			lost++
			w.connect(name) // log in again, so the next rounds count on their own
		}
	}
	s := w.sim.Stats()
	t.Logf("%s: chains lost: %d of %d (simulator: %d refreshes, %d old refresh tokens reused, %d too early)",
		k.name, lost, n, s.Refreshes, s.OldTokenReuses, s.TooEarly)
	if lost > 0 || s.OldTokenReuses > 0 {
		t.Errorf("%s: %d of %d chains lost, %d old refresh tokens reused; want none", k.name, lost, n, s.OldTokenReuses)
	}
	if s.TooEarly > 0 {
		t.Errorf("%s: %d refreshes were too early; want none", k.name, s.TooEarly)
	}
	return lost
}

// chainWhole reports whether the chain's saved refresh token still
// refreshes (the access token just saved must expire first) and Exact
// takes the result. Only Exact's refusal counts as a lost chain: a token
// that came too late to be handed out (a stalled machine) is asked again.
func (w *world) chainWhole(t *testing.T, id string, round int) bool {
	t.Helper()
	for try := 1; ; try++ {
		waitPast(w.cachedAccess(id).Expiry)
		res := w.run("", "token", "--json")
		var tj tokenJSON
		if res.code == 0 && json.Unmarshal([]byte(res.stdout), &tj) == nil && w.me(tj.AccessToken) {
			return true
		}
		if res.code == 3 || try == 3 {
			t.Logf("round %d: chain lost: token exited %d: %s", round, res.code, strings.TrimSpace(res.stderr))
			return false
		}
		t.Logf("round %d: asking again: token exited %d: %s", round, res.code, strings.TrimSpace(res.stderr))
	}
}

// cachedAccess is the access token the CLI shares through the keychain.
func (w *world) cachedAccess(id string) exact.Token {
	w.t.Helper()
	raw, err := w.keyring().Get(vault.AccessTokenKey(id))
	if err != nil {
		w.t.Fatalf("no cached access token: %v", err)
	}
	var tok exact.Token
	if err := json.Unmarshal([]byte(raw), &tok); err != nil {
		w.t.Fatalf("cached access token: %v", err)
	}
	return tok
}

// helpersRunning counts the refresh helpers (`exactkeeperctl __refresh …
// ID`) of connection id that are alive.
func (w *world) helpersRunning(id string) int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		w.t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue // gone meanwhile
		}
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		if len(args) > 2 && args[0] == ctlBin && args[1] == "__refresh" && args[len(args)-1] == id {
			n++
		}
	}
	return n
}

// proc is an exactkeeperctl started by startGroup.
type proc struct {
	cmd  *exec.Cmd
	out  *bytes.Buffer
	done chan error
}

// startGroup starts exactkeeperctl in a process group of its own, so the
// test can kill that group without killing itself.
func (w *world) startGroup(args ...string) *proc {
	w.t.Helper()
	c := w.cmd(context.Background(), args...)
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &proc{cmd: c, out: &bytes.Buffer{}, done: make(chan error, 1)}
	c.Stdout, c.Stderr = p.out, p.out
	if err := c.Start(); err != nil {
		w.t.Fatal(err)
	}
	go func() { p.done <- c.Wait() }()
	return p
}

// wait waits for the process's end and returns how it ended.
func (p *proc) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-p.done:
		return err
	case <-time.After(time.Minute):
		_ = p.cmd.Process.Kill()
		t.Fatalf("%v did not end", p.cmd.Args)
		return nil
	}
}
