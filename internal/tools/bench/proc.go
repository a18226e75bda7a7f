package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// sample is one reading of a process from /proc.
type sample struct {
	at      time.Time
	rssKB   int
	dirtyKB int // Private_Dirty: what the process alone holds and cannot drop
	threads int
	ticks   int64 // utime+stime, in clock ticks (1/100 s)
	ctxt    int64 // voluntary and involuntary switches of every thread
}

// readProc takes utime+stime from /proc/PID/stat, RSS from status, and sums
// the context switches of every thread (the process's own status counts only
// its main thread).
func readProc(pid int) (sample, error) {
	s := sample{at: time.Now()}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	if len(f) < 13 {
		return s, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
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
	// Most of a Go program's RSS is clean pages of its binary, which the
	// kernel drops first under pressure; the private dirty pages are its
	// own cost.
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid)); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "Private_Dirty:"); ok {
				s.dirtyKB, _ = strconv.Atoi(strings.Fields(v)[0])
			}
		}
	}
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			for _, p := range []string{"voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:"} {
				if v, ok := strings.CutPrefix(line, p); ok {
					n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
					s.ctxt += n
				}
			}
		}
	}
	return s, nil
}

// usage is what a process cost between two samples.
type usage struct {
	rssMB, peakMB float64
	dirtyMB       float64
	cpuSec        float64 // CPU seconds used in the window
	cpuPct        float64
	csPerSec      float64
	threads       int
	secs          float64
}

func between(a, b sample, peakKB int) usage {
	secs := b.at.Sub(a.at).Seconds()
	u := usage{
		rssMB:   float64(b.rssKB) / 1024,
		peakMB:  float64(max(peakKB, b.rssKB)) / 1024,
		dirtyMB: float64(b.dirtyKB) / 1024,
		cpuSec:  float64(b.ticks-a.ticks) / 100,
		threads: b.threads,
		secs:    secs,
	}
	if secs > 0 {
		u.cpuPct = u.cpuSec / secs * 100
		u.csPerSec = float64(b.ctxt-a.ctxt) / secs
	}
	return u
}

func (u usage) String() string {
	return fmt.Sprintf("RSS %.1f MB (peak %.1f; private dirty %.1f), CPU %.3f %% (%.2f s in %.0f s), %.2f wake-ups/s, %d threads",
		u.rssMB, u.peakMB, u.dirtyMB, u.cpuPct, u.cpuSec, u.secs, u.csPerSec, u.threads)
}
