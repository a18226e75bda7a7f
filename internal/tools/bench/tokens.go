package main

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/exactkeeper/exactkeeper/core/ipc"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

// goalTokenFactor: `exactkeeperctl token` with a running keeper is at
// least this many times faster than reading the keychain directly.
const goalTokenFactor = 4.0

// tokenRows times c.tokens token requests each way, one after the other,
// with a running keeper holding one connection: the whole
// `exactkeeperctl token` process, a raw IPC request from a process already
// running, and the direct keychain reads a program could do instead
// (`secret-tool lookup`, and a Go program with go-keyring).
func tokenRows(ctx context.Context, c config, p programs, logs string, h *home) []row {
	const area = "Token"
	k, err := startProc("exactkeeper", filepath.Join(logs, "token-keeper.log"), []string{"EXACTKEEPER_HOME=" + h.dir}, p.keeper)
	if err != nil {
		return []row{failRow(area, "start", err)}
	}
	defer k.stop()
	if _, err := waitToken(ctx, h.dir, h.names[0], k, time.Minute); err != nil {
		return []row{failRow(area, "start", err)}
	}
	key := vault.ChainKey(h.ids[0])
	env := []string{"EXACTKEEPER_HOME=" + h.dir}
	// Each returns the CPU time of the process it ran (0 in-process):
	// on a busy machine the wall time of a short process is mostly waiting
	// for a CPU, its CPU time much less so.
	cases := []struct {
		name, short string
		once        func() (time.Duration, error)
	}{
		{"exactkeeperctl token (whole process, keeper running)", "exactkeeperctl token", func() (time.Duration, error) {
			return runQuiet(ctx, env, p.ctl, "token", h.names[0])
		}},
		{"raw IPC request (dial + token, in a running process)", "raw IPC request", func() (time.Duration, error) {
			cl, err := ipc.Dial(h.dir)
			if err != nil {
				return 0, err
			}
			defer cl.Close()
			_, err = cl.Token(ctx, h.names[0])
			return 0, err
		}},
		{"minimal IPC client, one hand-written request (whole process; the bound of a small token binary)", "a small token binary (bound)", func() (time.Duration, error) {
			return runQuiet(ctx, nil, p.tokenBound, ipc.Endpoint(h.dir), h.names[0])
		}},
		{"a small Go program that only starts and exits (the floor of any Go token program)", "any Go program (floor)", func() (time.Duration, error) {
			return runQuiet(ctx, nil, p.tokenBound, "-start")
		}},
		{"secret-tool lookup (direct keychain read, whole process)", "secret-tool lookup", func() (time.Duration, error) {
			return runQuiet(ctx, nil, "secret-tool", "lookup", "service", "exactkeeper", "username", key)
		}},
		{"Go program reading with go-keyring (whole process)", "a go-keyring read", func() (time.Duration, error) {
			return runQuiet(ctx, nil, p.keyread, "exactkeeper", key)
		}},
	}
	progress("token latency: %d requests each way", c.tokens)
	medians := make([]time.Duration, len(cases))
	var rows []row
	for i, tc := range cases {
		var ds, cpu []time.Duration
		var err error
		for range c.tokens {
			t0 := time.Now()
			var used time.Duration
			if used, err = tc.once(); err != nil {
				break
			}
			ds, cpu = append(ds, time.Since(t0)), append(cpu, used)
		}
		if err != nil {
			rows = append(rows, failRow(area, tc.name, err))
			continue
		}
		s := sortedDurations(ds)
		medians[i] = percentile(s, 0.5)
		what := fmt.Sprintf("median %s, p99 %s (%d requests)", ms(medians[i]), ms(percentile(s, 0.99)), len(s))
		if sc := sortedDurations(cpu); percentile(sc, 0.5) > 0 {
			what += fmt.Sprintf("; CPU time of the process: median %s", ms(percentile(sc, 0.5)))
		}
		rows = append(rows, row{area, tc.name, what, "", "n/a"})
	}
	// The goal is for exactkeeperctl token (case 0); the bound of a small
	// token binary (case 2) and the floor of any Go program (case 3) are
	// shown against the same keychain reads (cases 4 and 5), for the plan.
	for _, i := range []int{0, 2, 3} {
		for _, j := range []int{4, 5} {
			if medians[i] == 0 || medians[j] == 0 {
				continue
			}
			f := float64(medians[j]) / float64(medians[i])
			r := row{area, cases[i].short + " against " + cases[j].short,
				fmt.Sprintf("%.1f× faster (median %s against %s)", f, ms(medians[i]), ms(medians[j])),
				fmt.Sprintf("≥ %.0f× faster", goalTokenFactor), verdict(f >= goalTokenFactor)}
			if i > 0 {
				r.Goal, r.Met = "", "n/a"
			}
			rows = append(rows, r)
		}
	}
	return rows
}

// runQuiet runs a program to its end, its output discarded (it is a
// secret), and reports its CPU time (user + system), or a failure with its
// exit status only.
func runQuiet(ctx context.Context, env []string, path string, args ...string) (time.Duration, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	if env != nil {
		cmd.Env = append(cmd.Environ(), env...)
	}
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%s %s: %v", filepath.Base(path), args[0], err)
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}
