package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"time"
)

// The kills of one-shot callers (`exactkeeperctl token` and its process
// group, SIGKILL and SIGHUP) are internal/e2e/kill_test.go's: it runs here
// in a private session of its own (its keychain is not the one the
// keychain rows break), side by side with the other rows, and its
// "KIND: chains lost: N of M" lines become rows.
const killTest = "internal/e2e/kill_test.go"

var chainsLost = regexp.MustCompile(`kill_test\.go:\d+: (.+?): chains lost: (\d+) of (\d+)`)

// e2eKills is the kill test running in the background.
type e2eKills struct {
	out  bytes.Buffer
	done chan error
	took time.Duration
}

func startE2EKills(kills int) *e2eKills {
	e := &e2eKills{done: make(chan error, 1)}
	if _, err := os.Stat(killTest); err != nil {
		e.done <- fmt.Errorf("%s is not there", killTest)
		return e
	}
	timeout := time.Duration(kills)*12*time.Second + 5*time.Minute
	c := exec.Command("env", "-u", "DBUS_SESSION_BUS_ADDRESS", "-u", "XDG_DATA_HOME",
		"scripts/with-session.sh", "go", "test", "-tags", "ci", "-count=1", "-run", "^TestKillMidRefresh$",
		"-parallel", "4", "-timeout", timeout.String(), "-v", "./internal/e2e/")
	c.Env = append(os.Environ(), "EXACTKEEPER_TEST_REAL=1", "EXACTKEEPER_KILLS="+strconv.Itoa(kills))
	c.Stdout, c.Stderr = &e.out, &e.out
	began := time.Now()
	if err := c.Start(); err != nil {
		e.done <- err
		return e
	}
	go func() {
		err := c.Wait()
		e.took = time.Since(began)
		e.done <- err
	}()
	return e
}

// rows waits for the kill test and turns its lines into rows.
func (e *e2eKills) rows() []row {
	err := <-e.done
	const area = "Crashes"
	var rows []row
	for _, m := range chainsLost.FindAllStringSubmatch(e.out.String(), -1) {
		if m[1] == "all kinds" {
			continue
		}
		lost, _ := strconv.Atoi(m[2])
		rows = append(rows, row{Area: area, Case: m[1] + " mid-refresh (" + killTest + ")",
			Result: fmt.Sprintf("chains lost: %s of %s", m[2], m[3]), Goal: "0", Met: verdict(lost == 0)})
	}
	if len(rows) == 0 {
		what := "kills of `exactkeeperctl token` (" + killTest + ")"
		if err == nil {
			err = fmt.Errorf("no \"chains lost: N of M\" line in its output: %s", tail(e.out.String(), 400))
		}
		return []row{{Area: area, Case: what, Result: "not measured: " + oneLine(err.Error(), 300) + " — hook: the rows come from its \"KIND: chains lost: N of M\" log lines", Met: "n/a"}}
	}
	if err != nil {
		rows[0].Note = fmt.Sprintf("the kill test itself failed (%v): %s", err, oneLine(failLines(e.out.String()), 400))
	}
	return rows
}

var failLine = regexp.MustCompile(`(?m)^\s*(--- FAIL.*|kill_test\.go:\d+: .*(want none|lost).*)$`)

func failLines(out string) string {
	var b bytes.Buffer
	for _, m := range failLine.FindAllString(out, 6) {
		b.WriteString(m)
		b.WriteString("; ")
	}
	return b.String()
}
