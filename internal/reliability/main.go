// Command reliability measures how Exact Keeper holds up: SIGKILLs of
// `exactkeeperctl run` mid-refresh, an access token it never saw, Exact's
// faults one by one, clock jumps and daylight saving, and keychain outages.
// Everything runs against the simulator (core/exactsim: strict rotation,
// no grace, Exact's limits) over real HTTP on 127.0.0.1 and the real
// keychain; faults are injected by count, and time is scaled (an idle
// minute of Exact's passes in a tenth of a second, while token and keychain
// calls take their real time). It prints a markdown table and, with -doc,
// writes it into docs/reliability.md.
//
// Run it with `make reliability` (or scripts/reliability.sh), which gives
// it a private D-Bus session and keyring: the keychain rows stop, lock and
// restart that keyring's daemon.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

func main() {
	kills := flag.Int("kills", 100, "SIGKILLs of `exactkeeperctl run`, and kills of each kind in "+killTest)
	slowKills := flag.Int("slow-kills", 0, "kills while Exact holds the refresh (default 10, quick 3)")
	quick := flag.Bool("quick", false, "the CI subset (about 10 kills of each kind, a few faults; < 3 minutes)")
	doc := flag.String("doc", "", "write the table into this file between its reliability markers")
	only := flag.String("only", "", "run only the areas matching this regular expression (Crashes, Unseen, Faults, Time, Keychain)")
	seed := flag.Uint64("seed", 9, "seed of the kill moments")
	e2e := flag.Bool("e2e", true, "run "+killTest+" for the kills of `token`")
	verbose := flag.Bool("v", false, "log each measurement")
	strict := flag.Bool("strict", false, "exit with code 2 when a row misses its goal")
	flag.Parse()
	if *slowKills == 0 {
		*slowKills = 10
		if *quick {
			*slowKills = 3
		}
	}
	began := time.Now()
	logf := func(format string, args ...any) {
		if *verbose {
			fmt.Fprintf(os.Stderr, "%6.1fs "+format+"\n", append([]any{time.Since(began).Seconds()}, args...)...)
		}
	}
	area := func(name string) bool {
		if *only == "" {
			return true
		}
		ok, _ := regexp.MatchString("(?i)"+*only, name)
		return ok
	}
	if err := chdirRoot(); err != nil {
		fatal(err)
	}
	bin, cleanup, err := buildCtl()
	if err != nil {
		fatal(err)
	}
	defer cleanup()

	var e2eRun *e2eKills
	if *e2e && area("Crashes") {
		e2eRun = startE2EKills(*kills)
	}
	var rows []row
	step := func(name string, f func() []row) {
		if !area(name) {
			return
		}
		t := time.Now()
		rs := f()
		logf("%s: %d rows in %s", name, len(rs), time.Since(t).Round(time.Second))
		rows = append(rows, rs...)
	}
	step("Crashes", func() []row { return crashRows(bin, *kills, *slowKills, *seed, logf) })
	step("Unseen", func() []row { return []row{unseenRow(logf)} })
	step("Faults", func() []row {
		var rs []row
		for _, fc := range faultCases {
			if !*quick || fc.quick {
				rs = append(rs, faultRow(fc, logf))
			}
		}
		return rs
	})
	step("Time", func() []row {
		rs := []row{
			jumpRow("the PC's clock jumps 3 hours forward", 3*time.Hour, logf),
			jumpRow("the PC's clock jumps 3 hours back", -3*time.Hour, logf),
		}
		if !*quick {
			rs = append(rs,
				nightRow("an ordinary night: last refresh Tuesday 01:20 CET, the keep-alive falls due in the busy hour", time.Date(2026, 11, 10, 1, 20, 0, 0, amsterdam), logf),
				nightRow("DST ends: last refresh Sun 25 Oct 2026 02:30 CEST (before the clocks go back); +24 h is Monday 01:30 CET", time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), logf),
				nightRow("DST starts: last refresh Sun 29 Mar 2026 00:30 CET (before the clocks go forward); +24 h is Monday 01:30 CEST", time.Date(2026, 3, 28, 23, 30, 0, 0, time.UTC), logf))
		}
		return append(rs, offRow(logf))
	})
	step("Keychain", func() []row {
		var rs []row
		for _, m := range keychainModes {
			if !*quick || m.quick {
				rs = append(rs, keychainRow(m, logf))
			}
		}
		return rs
	})
	if e2eRun != nil {
		logf("waiting for %s", killTest)
		rows = append(rows, e2eRun.rows()...)
	}
	// One block per area, in this order, each in the order measured.
	rank := map[string]int{"Crashes": 0, "Unseen token": 1, "Faults": 2, "Time": 3, "Keychain": 4}
	slices.SortStableFunc(rows, func(a, b row) int { return rank[a.Area] - rank[b.Area] })

	mode := fmt.Sprintf("full, %d kills of each kind", *kills)
	if *quick {
		mode = fmt.Sprintf("quick (CI subset), %d kills of each kind", *kills)
	}
	table := markdown(collectMeta(mode, time.Since(began)), rows)
	fmt.Print(table)
	if *doc != "" {
		if err := writeDoc(*doc, table); err != nil {
			fatal(err)
		}
		fmt.Fprintf(os.Stderr, "reliability: the table is in %s\n", *doc)
	}
	missed := 0
	for _, r := range rows {
		switch r.Met {
		case "error":
			fmt.Fprintf(os.Stderr, "reliability: %s: %s could not be measured\n", r.Area, r.Case)
			os.Exit(1)
		case "NO":
			missed++
		}
	}
	if *strict && missed > 0 {
		fmt.Fprintf(os.Stderr, "reliability: %d rows missed their goal\n", missed)
		os.Exit(2)
	}
}

// chdirRoot moves to the module's root, where scripts/ and internal/ are.
func chdirRoot() error {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return err
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return fmt.Errorf("run the harness inside the exactkeeper module")
	}
	return os.Chdir(filepath.Dir(mod))
}

// buildCtl builds exactkeeperctl as the user gets it (pure Go).
func buildCtl() (string, func(), error) {
	dir, err := os.MkdirTemp("", "ekr-bin")
	if err != nil {
		return "", nil, err
	}
	bin := filepath.Join(dir, "exactkeeperctl")
	c := exec.Command("go", "build", "-o", bin, "./cmd/exactkeeperctl")
	c.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := c.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("building exactkeeperctl: %v\n%s", err, out)
	}
	return bin, func() { os.RemoveAll(dir) }, nil
}

func fatal(err error) {
	fmt.Fprintf(os.Stderr, "reliability: %v\n", err)
	os.Exit(1)
}
