// Command measureidle measures what Exact Keeper costs while idle: RSS, CPU
// time and context switches a second of `exactkeeper` with one connection,
// of the dashboard window process, and of a bare fyne.io/systray program
// for comparison. Run it inside a desktop session (make measure does).
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exactsim"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

func main() {
	dur := flag.Duration("for", 5*time.Minute, "how long to measure")
	warm := flag.Duration("warmup", 20*time.Second, "settling time before measuring")
	flag.Parse()
	if err := run(*dur, *warm); err != nil {
		fmt.Fprintln(os.Stderr, "measureidle:", err)
		os.Exit(1)
	}
}

func run(dur, warm time.Duration) error {
	tmp, err := os.MkdirTemp("", "ekm")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	app := filepath.Join(tmp, "exactkeeper")
	bare := filepath.Join(tmp, "baretray")
	for out, pkg := range map[string]string{app: "./cmd/exactkeeper", bare: "./internal/tools/baretray"} {
		if b, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %v\n%s", pkg, err, b)
		}
	}
	home := filepath.Join(tmp, "home")
	cleanup, err := connectOne(home)
	if err != nil {
		return err
	}
	defer cleanup()

	env := append(os.Environ(), "EXACTKEEPER_HOME="+home)
	procs := []struct {
		name string
		cmd  *exec.Cmd
	}{
		{"bare fyne.io/systray", exec.Command(bare)},
		{"exactkeeper (keeper + tray, 1 connection)", exec.Command(app)},
		{"exactkeeper dashboard (window open)", exec.Command(app, "dashboard")},
	}
	for _, p := range procs {
		p.cmd.Env = env
		if err := p.cmd.Start(); err != nil {
			return err
		}
		defer p.cmd.Process.Kill()
		if strings.HasPrefix(p.name, "exactkeeper (") {
			// The dashboard needs the keeper's socket.
			<-time.After(3 * time.Second)
		}
	}
	<-time.After(warm)
	before := make([]sample, len(procs))
	for i, p := range procs {
		if before[i], err = read(p.cmd.Process.Pid); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
	}
	start := time.Now()
	peak := make([]int, len(procs))
	for t := time.NewTicker(time.Second); time.Since(start) < dur; <-t.C {
		for i, p := range procs {
			if s, err := read(p.cmd.Process.Pid); err == nil && s.rssKB > peak[i] {
				peak[i] = s.rssKB
			}
		}
	}
	secs := time.Since(start).Seconds()
	fmt.Printf("idle for %s after %s warm-up (%s)\n", dur, warm, time.Now().Format(time.RFC3339))
	fmt.Printf("%-44s %10s %10s %8s %12s %8s\n", "process", "RSS MB", "peak MB", "CPU %", "ctx sw/s", "threads")
	for i, p := range procs {
		after, err := read(p.cmd.Process.Pid)
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		cpu := float64(after.ticks-before[i].ticks) / 100 / secs * 100
		cs := float64(after.ctxt-before[i].ctxt) / secs
		fmt.Printf("%-44s %10.1f %10.1f %8.2f %12.2f %8d\n", p.name, float64(after.rssKB)/1024, float64(peak[i])/1024, cpu, cs, after.threads)
	}
	return nil
}

type sample struct {
	rssKB, threads int
	ticks, ctxt    int64
}

// read takes utime+stime from /proc/PID/stat and sums the context switches
// of every thread (the process's own status counts only its main thread).
func read(pid int) (sample, error) {
	var s sample
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	s.ticks = ut + st
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			s.rssKB, _ = strconv.Atoi(strings.Fields(v)[0])
		}
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			s.threads, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "voluntary_ctxt_switches:"); ok {
				n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				s.ctxt += n
			}
			if v, ok := strings.CutPrefix(line, "nonvoluntary_ctxt_switches:"); ok {
				n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				s.ctxt += n
			}
		}
	}
	return s, nil
}

// connectOne makes one connection against an in-process simulator with
// Exact's real lifetimes, as a user's PC would have.
func connectOne(home string) (func(), error) {
	cfg := exactsim.DemoConfig()
	redirect := "http://127.0.0.1:8765/callback"
	sim := exactsim.New(cfg)
	srv := httptest.NewServer(sim)
	st, err := store.Open(home)
	if err != nil {
		return nil, err
	}
	v := vault.NewKeyring("exactkeeper", 10*time.Second)
	code, err := sim.IssueCode(exactsim.DemoClientID, redirect, exactsim.DemoUserName, "")
	if err != nil {
		return nil, err
	}
	conn, err := keeper.Complete(context.Background(), keeper.Options{Store: st, Vault: v}, keeper.ConnectRequest{
		Name: "Bakkerij De Jong", BaseURL: srv.URL, ClientID: exactsim.DemoClientID,
		ClientSecret: exactsim.DemoClientSecret, RedirectURI: redirect}, code, "")
	if err != nil {
		return nil, err
	}
	return func() {
		for _, k := range []string{vault.RefreshTokenKey(conn.ID), vault.ClientSecretKey(conn.ID), vault.AccessTokenKey(conn.ID)} {
			_ = v.Delete(k)
		}
		srv.Close()
	}, nil
}
