package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// row is one line of the reliability table.
type row struct {
	Area   string // Crashes, Unseen token, Faults, Time, Keychain
	Case   string
	Result string // the figures measured
	Goal   string
	Met    string // yes, NO, limit, n/a, error
	Note   string
}

func verdict(ok bool) string {
	if ok {
		return "yes"
	}
	return "NO"
}

func failRow(area, what string, err error) row {
	return row{Area: area, Case: what, Result: "could not measure: " + oneLine(err.Error(), 300), Met: "error"}
}

// Markers in docs/reliability.md between which the table is written.
const (
	beginMarker = "<!-- reliability:begin -->"
	endMarker   = "<!-- reliability:end -->"
)

// meta describes the run.
type meta struct {
	Date, Commit, Machine, Go, Mode string
	Took                            time.Duration
}

func collectMeta(mode string, took time.Duration) meta {
	m := meta{Date: time.Now().UTC().Format("2006-01-02 15:04 UTC"), Go: runtime.Version(), Mode: mode, Took: took}
	if out, err := exec.Command("git", "rev-parse", "--short=12", "HEAD").Output(); err == nil {
		m.Commit = strings.TrimSpace(string(out))
		if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
			m.Commit += " with uncommitted changes"
		}
	} else {
		m.Commit = "unknown"
	}
	var parts []string
	if out, err := exec.Command("uname", "-srm").Output(); err == nil {
		parts = append(parts, strings.TrimSpace(string(out)))
	}
	parts = append(parts, fmt.Sprintf("%d CPUs", runtime.NumCPU()))
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				parts = append(parts, strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":")))
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 3 {
			parts = append(parts, "load average at the end "+strings.Join(f[:3], " "))
		}
	}
	m.Machine = strings.Join(parts, ", ")
	return m
}

// markdown renders the table and what it was measured on.
func markdown(m meta, rows []row) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s on commit %s; %s; %s. Mode: %s; the run took %s.\n\n",
		m.Date, m.Commit, m.Machine, m.Go, m.Mode, m.Took.Round(time.Second))
	b.WriteString("| Area | Case | Measured | Goal | Met |\n|---|---|---|---|---|\n")
	var notes []string
	for _, r := range rows {
		result := r.Result
		if r.Note != "" {
			notes = append(notes, r.Note)
			result += fmt.Sprintf(" [%d]", len(notes))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", cell(r.Area), cell(r.Case), cell(result), cell(r.Goal), cell(r.Met))
	}
	if len(notes) > 0 {
		b.WriteString("\n")
		for i, n := range notes {
			fmt.Fprintf(&b, "%d. %s\n", i+1, strings.Join(strings.Fields(n), " "))
		}
	}
	return b.String()
}

func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "|", `\|`)
}

// replaceBetween puts body between the markers of doc.
func replaceBetween(doc, body string) (string, error) {
	i := strings.Index(doc, beginMarker)
	j := strings.Index(doc, endMarker)
	if i < 0 || j < 0 || j < i {
		return "", errors.New("the document has no " + beginMarker + " … " + endMarker + " markers")
	}
	return doc[:i+len(beginMarker)] + "\n" + strings.TrimRight(body, "\n") + "\n" + doc[j:], nil
}

func writeDoc(path, body string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := replaceBetween(string(b), body)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, []byte(out), 0o644)
}
