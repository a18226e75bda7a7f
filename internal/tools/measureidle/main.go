// Command measureidle measures what Exact Keeper costs while idle: RSS, CPU
// time and context switches a second of `exactkeeper` with one connection,
// of the dashboard window process, and of a bare fyne.io/systray program and
// a minimal Fyne tray app for comparison. Run it inside a desktop session
// (make measure does). For 50 and 500 connections, token latency and
// start-up, see internal/tools/bench (make bench).
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exactsim"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

func main() {
	dur := flag.Duration("for", 5*time.Minute, "how long to measure")
	flag.BoolVar(&showMaps, "maps", false, "also list where each process's resident memory is (smaps)")
	warm := flag.Duration("warmup", 20*time.Second, "settling time before measuring")
	hold := flag.String("hold", "", "only make one connection in this home directory and serve the simulator until interrupted (for strace and friends)")
	flag.Parse()
	if *hold != "" {
		cleanup, err := connectOne(*hold)
		if err != nil {
			fmt.Fprintln(os.Stderr, "measureidle:", err)
			os.Exit(1)
		}
		fmt.Println("ready")
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		<-ctx.Done()
		stop()
		cleanup()
		return
	}
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
	dash := filepath.Join(tmp, "exactkeeper-dashboard")
	bare := filepath.Join(tmp, "baretray")
	bareFyne := filepath.Join(tmp, "barefyne")
	for out, pkg := range map[string]string{app: "./cmd/exactkeeper", dash: "./cmd/exactkeeper-dashboard", bare: "./internal/tools/baretray", bareFyne: "./internal/tools/barefyne"} {
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
	bareP := &proc{name: "bare fyne.io/systray", cmd: exec.Command(bare)}
	fyneP := &proc{name: "minimal Fyne tray app", cmd: exec.Command(bareFyne)}
	keeperP := &proc{name: "exactkeeper (keeper + tray, 1 connection)", cmd: exec.Command(app)}
	dashP := &proc{name: "exactkeeper-dashboard (window open)", cmd: exec.Command(dash)}
	for _, p := range []*proc{bareP, fyneP, keeperP} {
		if err := p.start(env); err != nil {
			return err
		}
		defer p.cmd.Process.Kill()
	}
	fmt.Printf("Phase 1: the keeper alone, window closed (%s)\n", time.Now().Format(time.RFC3339))
	if err := measure(dur, warm, bareP, fyneP, keeperP); err != nil {
		return err
	}
	if err := dashP.start(env); err != nil {
		return err
	}
	defer dashP.cmd.Process.Kill()
	keeperP.name = "exactkeeper (while the window is open)"
	fmt.Printf("\nPhase 2: the dashboard window open (%s)\n", time.Now().Format(time.RFC3339))
	return measure(dur, warm, dashP, keeperP)
}

type proc struct {
	name string
	cmd  *exec.Cmd
}

func (p *proc) start(env []string) error {
	p.cmd.Env = env
	return p.cmd.Start()
}

// measure reads the processes before and after dur (after a warm-up) and
// prints a line each.
func measure(dur, warm time.Duration, procs ...*proc) error {
	<-time.After(warm)
	before := make([]sample, len(procs))
	for i, p := range procs {
		var err error
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
	fmt.Printf("idle for %s after %s warm-up\n", dur, warm)
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
	if showMaps {
		for _, p := range procs {
			fmt.Printf("\nresident memory of %s, largest first:\n", p.name)
			printMaps(p.cmd.Process.Pid)
		}
	}
	return nil
}

var showMaps bool

// printMaps sums /proc/PID/smaps Rss by mapping name.
func printMaps(pid int) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		return
	}
	sums := map[string]int{}
	var cur string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 5 && strings.Contains(f[0], "-"):
			cur = "[anonymous]"
			if len(f) >= 6 {
				cur = f[5]
			}
		case len(f) >= 2 && f[0] == "Rss:":
			n, _ := strconv.Atoi(f[1])
			sums[cur] += n
		}
	}
	type kv struct {
		name string
		kb   int
	}
	var list []kv
	for k, v := range sums {
		list = append(list, kv{k, v})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].kb > list[j].kb })
	for i, e := range list {
		if i == 8 {
			break
		}
		fmt.Printf("  %8.1f MB  %s\n", float64(e.kb)/1024, e.name)
	}
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
		for _, k := range []string{vault.ChainKey(conn.ID), vault.RefreshTokenKey(conn.ID), vault.ClientSecretKey(conn.ID), vault.AccessTokenKey(conn.ID)} {
			_ = v.Delete(k)
		}
		srv.Close()
	}, nil
}
