package main

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// gatewayRows repeats the API gateway's overhead per request (issue 12's
// figure) by running its Go benchmark: the simulator called directly and
// through the gateway, over real HTTP on 127.0.0.1, medians in µs.
func gatewayRows(ctx context.Context, c config) []row {
	const what = "API gateway: overhead per request over calling the simulator directly (median)"
	n := max(c.tokens*10, 200)
	cmd := exec.CommandContext(ctx, "go", "test", "-tags", "ci", "-run", "^$", "-bench", "Overhead",
		"-benchtime", fmt.Sprintf("%dx", n), "./core/gateway/")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return []row{failRow("Gateway", what, fmt.Errorf("%v: %s", err, tailText(string(out), 300)))}
	}
	m := parseMedians(string(out))
	direct, ok1 := m["direct"]
	gw, ok2 := m["gateway"]
	file, ok3 := m["gateway-config-file"]
	if !ok1 || !ok2 || !ok3 {
		return []row{failRow("Gateway", what, fmt.Errorf("no medians in the benchmark's output: %s", tailText(string(out), 300)))}
	}
	over := file - direct // as in the keeper: config.json read per request
	return []row{{
		Area: "Gateway", Case: what,
		Measured: fmt.Sprintf("%.2f ms (direct %.2f ms, through the gateway %.2f ms; %.2f ms with the configuration in memory); %d requests each",
			over/1000, direct/1000, file/1000, (gw-direct)/1000, n),
		Goal: "≤ 1 ms", Met: verdict(over <= 1000),
	}}
}

// parseMedians reads "BenchmarkOverhead/NAME-P  N  … X median-µs" lines.
func parseMedians(out string) map[string]float64 {
	m := map[string]float64{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || !strings.HasPrefix(f[0], "BenchmarkOverhead/") {
			continue
		}
		name := strings.TrimPrefix(f[0], "BenchmarkOverhead/")
		if i := strings.LastIndex(name, "-"); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		for i := 1; i+1 < len(f); i++ {
			if f[i+1] == "median-µs" {
				if v, err := strconv.ParseFloat(f[i], 64); err == nil {
					m[name] = v
				}
			}
		}
	}
	return m
}

// tailText is the end of s, for an error that quotes a command's output.
func tailText(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return strings.Join(strings.Fields(s), " ")
}
