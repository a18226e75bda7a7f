package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"syscall"
	"time"
)

// programs are the binaries the run builds, baselines included.
type programs struct {
	keeper, dashboard, ctl, baretray, barehttps, barefyne, keyread, tokenBound string
}

func build(ctx context.Context, dir string) (programs, error) {
	p := programs{
		keeper: filepath.Join(dir, "exactkeeper"), dashboard: filepath.Join(dir, "exactkeeper-dashboard"),
		ctl: filepath.Join(dir, "exactkeeperctl"), baretray: filepath.Join(dir, "baretray"), barehttps: filepath.Join(dir, "barehttps"),
		barefyne: filepath.Join(dir, "barefyne"), keyread: filepath.Join(dir, "benchkeyread"),
		tokenBound: filepath.Join(dir, "benchtoken"),
	}
	goCmd := cmpOr(os.Getenv("GO"), "go")
	for _, b := range []struct {
		out, pkg string
		pureGo   bool
	}{
		{p.keeper, "./cmd/exactkeeper", false},
		{p.dashboard, "./cmd/exactkeeper-dashboard", false},
		{p.ctl, "./cmd/exactkeeperctl", true},
		{p.baretray, "./internal/tools/baretray", false},
		{p.barehttps, "./internal/tools/barehttps", false},
		{p.barefyne, "./internal/tools/barefyne", false},
		{p.keyread, "./internal/tools/benchkeyread", true},
		{p.tokenBound, "./internal/tools/benchtoken", true},
	} {
		cmd := exec.CommandContext(ctx, goCmd, "build", "-o", b.out, b.pkg)
		cmd.Env = os.Environ()
		if b.pureGo {
			// as make ctl builds it
			cmd.Env = append(cmd.Env, "CGO_ENABLED=0")
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			return p, fmt.Errorf("build %s: %v\n%s", b.pkg, err, out)
		}
	}
	return p, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// proc is a program the bench started.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
}

func startProc(name, logFile string, env []string, path string, args ...string) (*proc, error) {
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	f, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// stop ends the program the way a logout does (SIGTERM) and waits for it;
// a program that does not end in 15 s is killed.
func (p *proc) stop() {
	if !p.alive() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// window samples procs every second for d and returns what each cost.
func window(ctx context.Context, d time.Duration, procs ...*proc) ([]usage, error) {
	before := make([]sample, len(procs))
	peak := make([]int, len(procs))
	for i, p := range procs {
		s, err := readProc(p.pid())
		if err != nil {
			return nil, fmt.Errorf("%s is not running: %w", p.name, err)
		}
		before[i], peak[i] = s, s.rssKB
	}
	end := time.Now().Add(d)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for time.Now().Before(end) {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
		}
		for i, p := range procs {
			if s, err := readProc(p.pid()); err == nil && s.rssKB > peak[i] {
				peak[i] = s.rssKB
			}
		}
	}
	out := make([]usage, len(procs))
	for i, p := range procs {
		s, err := readProc(p.pid())
		if err != nil {
			return nil, fmt.Errorf("%s ended during the measurement: %w", p.name, err)
		}
		out[i] = between(before[i], s, peak[i])
	}
	return out, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// percentile of sorted durations, p in [0,1].
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted)-1) + 0.5)
	return sorted[i]
}

func sortedDurations(ds []time.Duration) []time.Duration {
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

var errStopped = errors.New("a program ended early")
