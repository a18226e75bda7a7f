// Command bench measures Exact Keeper at an office's scale and writes the
// table of docs/performance.md: idle cost with 1, 50 and 500 connections
// against a bare fyne.io/systray program and a minimal Fyne tray app, the
// refreshes of hundreds of chains against the simulator with short
// lifetimes, token latency against a direct keychain read, and start-up.
// Every baseline is built from this repository in the same run. Run it in a
// private session (scripts/bench.sh does; make bench runs that).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type config struct {
	idle, warm time.Duration
	day        time.Duration // a simulated day in the scale phase
	days       int
	sizes      []int
	tokens     int
	starts     int
	mode       string
	bin        string
	only       map[string]bool // phases to run; nil: all
}

// phases names what -only can pick, in the order a run measures them.
var phases = []string{"tray", "startup", "idle", "token", "gateway", "scale"}

// wants reports whether phase p runs.
func (c config) wants(p string) bool { return c.only == nil || c.only[p] }

func main() {
	var c config
	flag.DurationVar(&c.idle, "idle", 3*time.Minute, "how long each idle phase measures")
	flag.DurationVar(&c.warm, "warmup", 20*time.Second, "settling time before each idle phase")
	flag.DurationVar(&c.day, "day", 2*time.Minute, "real length of a simulated day in the scale phase")
	flag.IntVar(&c.days, "days", 2, "simulated days the scale phase runs")
	sizes := flag.String("sizes", "1,50,500", "connection counts measured")
	flag.IntVar(&c.tokens, "tokens", 200, "token requests per latency case")
	flag.IntVar(&c.starts, "starts", 5, "warm starts measured")
	smoke := flag.Bool("smoke", false, "seconds-long run with few connections, to check the tooling (figures meaningless)")
	doc := flag.String("doc", "", "write the table between the markers of this file (docs/performance.md)")
	flag.StringVar(&c.bin, "bin", "", "build the programs into this folder (default: a temporary one)")
	only := flag.String("only", "", "run only these phases, comma-separated: "+strings.Join(phases, ","))
	flag.Parse()
	c.mode = fmt.Sprintf("idle %s per phase, scale %d simulated days of %s, sizes %s", c.idle, c.days, c.day, *sizes)
	if *only != "" {
		c.only = map[string]bool{}
		for _, p := range strings.Split(*only, ",") {
			if p = strings.TrimSpace(p); !slices.Contains(phases, p) {
				fmt.Fprintf(os.Stderr, "bench: unknown phase %q in -only (phases: %s)\n", p, strings.Join(phases, ","))
				os.Exit(2)
			}
			c.only[p] = true
		}
		c.mode += ", only " + *only
	}
	if *smoke {
		c.idle, c.warm, c.day, c.days, c.tokens, c.starts = 8*time.Second, 2*time.Second, 20*time.Second, 1, 20, 2
		*sizes = "1,5,20"
		c.mode = "SMOKE (tooling check only; the figures mean nothing)"
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "bench: bad -sizes %q\n", *sizes)
			os.Exit(2)
		}
		c.sizes = append(c.sizes, n)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	rows, err := run(ctx, c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	out := markdown(header(c.mode, time.Since(start)), rows)
	fmt.Print("\n" + out)
	if *doc != "" {
		if err := writeDoc(*doc, out); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		fmt.Fprintln(os.Stderr, "bench: table written to", *doc)
	}
	for _, r := range rows {
		if r.Met == "error" {
			fmt.Fprintln(os.Stderr, "bench: some rows could not be measured (Met: error)")
			os.Exit(1)
		}
	}
}

// progress tells the person waiting what the run is doing.
func progress(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "%s bench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
}
