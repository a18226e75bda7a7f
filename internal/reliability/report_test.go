package main

import (
	"strings"
	"testing"
	"time"
)

func TestReplaceBetween(t *testing.T) {
	doc := "intro\n" + beginMarker + "\nold table\n" + endMarker + "\noutro\n"
	got, err := replaceBetween(doc, "| new |\n\n")
	if err != nil {
		t.Fatal(err)
	}
	want := "intro\n" + beginMarker + "\n| new |\n" + endMarker + "\noutro\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if _, err := replaceBetween("no markers", "x"); err == nil {
		t.Error("a document without markers was accepted")
	}
	if _, err := replaceBetween(endMarker+beginMarker, "x"); err == nil {
		t.Error("markers in the wrong order were accepted")
	}
}

func TestWorstHour(t *testing.T) {
	t0 := time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
	at := func(min, status int) call { return call{at: t0.Add(time.Duration(min) * time.Minute), status: status} }
	calls := []call{at(0, 500), at(10, 500), at(30, 0), at(59, 500), at(60, 500), at(61, 200), at(70, 500), at(200, 400)}
	if got := worstHour(calls, failed); got != 4 {
		t.Errorf("worstHour = %d, want 4 (0, 10, 30, 59 within an hour)", got)
	}
	if got := worstHour(calls, clientErr); got != 1 {
		t.Errorf("worstHour of 4xx = %d, want 1", got)
	}
	if got := worstHour(nil, failed); got != 0 {
		t.Errorf("worstHour of nothing = %d", got)
	}
	if !failed(call{status: 200, faulted: true}) || failed(call{status: 200}) {
		t.Error("a faulted 200 must count as failed, a plain 200 not")
	}
}

func TestChainsLostLines(t *testing.T) {
	out := `=== RUN   TestKillMidRefresh
    kill_test.go:155: SIGKILL of token: chains lost: 0 of 100 (simulator: 200 refreshes, 0 old refresh tokens reused, 0 too early)
    kill_test.go:155: SIGHUP of run's process group: chains lost: 2 of 100 (simulator: …)
    kill_test.go:86: all kinds: chains lost: 2 of 200
`
	e := &e2eKills{done: make(chan error, 1)}
	e.out.WriteString(out)
	e.done <- nil
	rows := e.rows()
	if len(rows) != 2 {
		t.Fatalf("got %d rows, want 2: %+v", len(rows), rows)
	}
	if rows[0].Result != "chains lost: 0 of 100" || rows[0].Met != "yes" || !strings.HasPrefix(rows[0].Case, "SIGKILL of token") {
		t.Errorf("first row %+v", rows[0])
	}
	if rows[1].Result != "chains lost: 2 of 100" || rows[1].Met != "NO" {
		t.Errorf("second row %+v", rows[1])
	}

	none := &e2eKills{done: make(chan error, 1)}
	none.done <- nil
	if r := none.rows(); len(r) != 1 || r[0].Met != "n/a" || !strings.Contains(r[0].Result, "hook") {
		t.Errorf("without lines: %+v", r)
	}
}

func TestMarkdown(t *testing.T) {
	md := markdown(meta{Date: "d", Commit: "c", Machine: "m", Go: "go", Mode: "quick", Took: time.Minute},
		[]row{{Area: "Faults", Case: "a | b", Result: "r", Goal: "g", Met: "yes", Note: "why\nso"}})
	for _, want := range []string{"| Faults | a \\| b | r [1] | g | yes |", "1. why so", "commit c"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestSimClock(t *testing.T) {
	start := time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
	c := newSimClock(start, 600, 1)
	defer c.Close()
	c.Step(-3 * time.Hour)
	if d := c.True().Sub(c.Now()); d < 3*time.Hour-time.Second || d > 3*time.Hour+time.Second {
		t.Errorf("a step of the keeper's clock moved it %s from Exact's", d)
	}
	before := c.True()
	c.Advance(40 * 24 * time.Hour)
	if d := c.True().Sub(before); d < 40*24*time.Hour {
		t.Errorf("Advance moved Exact's time only %s", d)
	}
	// How fast the scaled clock runs in real time is measured by the
	// harness's own runs, not asserted here (no timing assertions).
}
