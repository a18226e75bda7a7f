package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/eventlog"
)

func TestLogShowsWhatHappenedInBothLanguages(t *testing.T) {
	h := newDelegationHome(t)
	l := eventlog.Open(h.dir)
	old := h.now.Add(-72 * time.Hour)
	for _, e := range []eventlog.Entry{
		{Time: old, Kind: eventlog.Refreshed, Connection: "Bakkerij", LapsesAt: old.AddDate(0, 0, 30)},
		{Time: h.now.Add(-2 * time.Hour), Kind: eventlog.Failed, Connection: "Bakkerij", Outcome: "too-early", HTTPStatus: 400,
			Code: "access_denied", Reason: "TooEarlyToRefreshTokens: Rate limit exceeded: access_token not expired"},
		{Time: h.now.Add(-time.Hour), Kind: eventlog.Reminder, Subject: "Invantive Cloud → Smit", ReminderKind: "delegation", Threshold: "today"},
	} {
		if err := l.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	out := h.mustRun("log")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "2026-11-26 09:00") || !strings.Contains(lines[0], "refreshed") ||
		!strings.Contains(lines[1], "Exact's reason: TooEarlyToRefreshTokens") || !strings.Contains(lines[2], "ends today") {
		t.Fatalf("log:\n%s", out)
	}
	h.lang = "nl_NL.UTF-8"
	out = h.mustRun("log", "--since", "24h")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 ||
		!strings.Contains(out, "29-11-2026 07:00") || !strings.Contains(out, "reden van Exact") || !strings.Contains(out, "loopt vandaag af") {
		t.Fatalf("Dutch log since 24h:\n%s", out)
	}
	out = h.mustRun("log", "--since", "28-11-2026")
	if strings.Contains(out, "vernieuwd") || !strings.Contains(out, "te vroeg") {
		t.Fatalf("since a Dutch date:\n%s", out)
	}
	var got []eventlog.Entry
	if err := json.Unmarshal([]byte(h.mustRun("log", "--json", "--since", "3h")), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Reason == "" || got[0].HTTPStatus != 400 {
		t.Fatalf("JSON: %+v", got)
	}
	if code, _, stderr := h.run("log", "--since", "gisteren"); code != 2 || !strings.Contains(stderr, "geen periode of datum") {
		t.Fatalf("bad --since: %d %q", code, stderr)
	}
}

func TestLogEmpty(t *testing.T) {
	h := newDelegationHome(t)
	if out := h.mustRun("log"); !strings.Contains(out, "Nothing has happened yet") {
		t.Fatalf("empty log: %q", out)
	}
	if out := h.mustRun("log", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("empty JSON log: %q", out)
	}
}
