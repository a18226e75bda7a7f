package main

import (
	"strings"
	"testing"
	"time"
)

func TestReplaceBetweenKeepsTheRest(t *testing.T) {
	doc := "# Title\n\nintro\n" + beginMarker + "\nold table\n" + endMarker + "\n\nafter\n"
	out, err := replaceBetween(doc, "| new |\n")
	if err != nil {
		t.Fatal(err)
	}
	want := "# Title\n\nintro\n" + beginMarker + "\n| new |\n" + endMarker + "\n\nafter\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	if _, err := replaceBetween("no markers here", "x"); err == nil {
		t.Error("a document without markers was accepted")
	}
}

func TestCellEscapesPipesAndNewlines(t *testing.T) {
	if got := cell("a | b\n c"); got != `a \| b c` {
		t.Errorf("cell = %q", got)
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	s := sortedDurations(ds)
	if p := percentile(s, 0.5); p != 51*time.Millisecond && p != 50*time.Millisecond {
		t.Errorf("median = %v", p)
	}
	if p := percentile(s, 0.99); p != 99*time.Millisecond {
		t.Errorf("p99 = %v", p)
	}
	if p := percentile(nil, 0.5); p != 0 {
		t.Errorf("percentile of nothing = %v", p)
	}
}

// judgeHome's verdicts: a keeper that keeps 40 idle connections alive once
// a simulated day, two per tick, passes; one that fires the catch-up at
// once, or spends a too-early call, or calls a connection 201 times in a
// day, fails.
func TestJudgeHomeVerdicts(t *testing.T) {
	sc := scaled{f: 720, keepAlive: 2 * time.Minute, tick: 20 * time.Millisecond}
	t0 := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	const n = 40
	h := &home{first: 100, ids: make([]string, n)}
	uses := []int{3} // connection 0 is in use
	spread := func() []call {
		var cs []call
		for j := range n {
			cs = append(cs, call{at: t0.Add(time.Duration(j/2)*sc.tick + time.Millisecond), conn: h.first + j, refresh: true, status: 200})
		}
		return cs
	}
	verdicts := func(cs []call) map[string]string {
		out := map[string]string{}
		for _, r := range judgeHome(sc, t0, sc.keepAlive, h, cs, uses, usage{}) {
			for _, k := range []string{"spread", "catch-up", "budgets", "kept alive", "in use"} {
				if strings.Contains(r.Case, k) {
					out[k] = r.Met
				}
			}
		}
		return out
	}
	good := verdicts(spread())
	for _, k := range []string{"spread", "catch-up", "budgets", "kept alive", "in use"} {
		if good[k] != "yes" {
			t.Errorf("a well-spread keeper: %s row Met %q, want yes", k, good[k])
		}
	}

	burst := spread()
	for i := range burst {
		burst[i].at = t0.Add(time.Millisecond) // every chain in one tick
	}
	if v := verdicts(burst); v["spread"] != "NO" || v["catch-up"] != "NO" {
		t.Errorf("all at once: spread %q, catch-up %q; want NO", v["spread"], v["catch-up"])
	}

	early := append(spread(), call{at: t0.Add(time.Second), conn: h.first + 5, refresh: true, status: 400})
	if v := verdicts(early); v["budgets"] != "NO" {
		t.Errorf("a refused call: budgets %q, want NO", v["budgets"])
	}

	greedy := spread()
	for i := range 201 {
		greedy = append(greedy, call{at: t0.Add(time.Duration(i) * 100 * time.Millisecond), conn: h.first + 7, refresh: true, status: 200})
	}
	if v := verdicts(greedy); v["budgets"] != "NO" || v["kept alive"] != "NO" {
		t.Errorf("201 calls of one connection in a day: budgets %q, kept alive %q; want NO", v["budgets"], v["kept alive"])
	}
}

func TestParseMedians(t *testing.T) {
	out := `goos: linux
BenchmarkOverhead/direct-2         	    2000	    210455 ns/op	       205.0 median-µs
BenchmarkOverhead/gateway-2        	    2000	    301234 ns/op	       290.0 median-µs
BenchmarkOverhead/gateway-config-file-2   2000	    390000 ns/op	       380.0 median-µs
PASS`
	m := parseMedians(out)
	if m["direct"] != 205 || m["gateway"] != 290 || m["gateway-config-file"] != 380 || len(m) != 3 {
		t.Fatalf("parseMedians = %v", m)
	}
}
