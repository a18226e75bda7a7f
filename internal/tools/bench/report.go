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

// row is one line of the performance table.
type row struct {
	Area     string // Idle, Scale, Token, Start-up, Tray
	Case     string
	Measured string
	Goal     string
	Met      string // yes, NO, n/a, error
}

func verdict(ok bool) string {
	if ok {
		return "yes"
	}
	return "NO"
}

func failRow(area, what string, err error) row {
	return row{Area: area, Case: what, Measured: "could not measure: " + strings.Join(strings.Fields(err.Error()), " "), Met: "error"}
}

// Markers in docs/performance.md between which the table is written.
const (
	beginMarker = "<!-- bench:begin -->"
	endMarker   = "<!-- bench:end -->"
)

// header says what the table was measured on, so figures from different
// machines are never compared unawares.
func header(mode string, took time.Duration) string {
	commit := "unknown"
	if out, err := exec.Command("git", "rev-parse", "--short=12", "HEAD").Output(); err == nil {
		commit = strings.TrimSpace(string(out))
		if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
			commit += " with uncommitted changes"
		}
	}
	parts := []string{}
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
		if f := strings.Fields(string(b)); len(f) >= 3 {
			parts = append(parts, "load average at the end "+strings.Join(f[:3], " "))
		}
	}
	return fmt.Sprintf("Measured %s on commit %s; %s; %s. Mode: %s; the run took %s.\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), commit, strings.Join(parts, ", "), runtime.Version(), mode, took.Round(time.Second))
}

func markdown(head string, rows []row) string {
	var b strings.Builder
	b.WriteString(head + "\n")
	b.WriteString("| Area | Case | Measured | Goal | Met |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", cell(r.Area), cell(r.Case), cell(r.Measured), cell(r.Goal), cell(r.Met))
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
