package eventlog

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/i18n"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func TestAppendAndReadSince(t *testing.T) {
	dir := t.TempDir()
	l := Open(dir)
	for i := range 3 {
		if err := l.Append(Entry{Time: t0.Add(time.Duration(i) * time.Hour), Kind: Refreshed, Connection: "Bakkerij"}); err != nil {
			t.Fatal(err)
		}
	}
	// A line cut off by a crash is skipped, not fatal.
	f, _ := os.OpenFile(l.Path(), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"time":"2026-12-01T`)
	f.Close()
	all, err := Read(dir, time.Time{})
	if err != nil || len(all) != 3 {
		t.Fatalf("Read = %d entries, %v; want 3", len(all), err)
	}
	later, _ := Read(dir, t0.Add(90*time.Minute))
	if len(later) != 1 || !later[0].Time.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("since: %+v", later)
	}
	if fi, _ := os.Stat(l.Path()); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if none, err := Read(t.TempDir(), time.Time{}); err != nil || len(none) != 0 {
		t.Errorf("empty folder: %v %v", none, err)
	}
}

func TestRotationKeepsOneOldFile(t *testing.T) {
	dir := t.TempDir()
	l := &Log{dir: dir, max: 1000}
	n := 0
	for i := range 60 {
		if err := l.Append(Entry{Time: t0.Add(time.Duration(i) * time.Minute), Kind: Failed, Connection: "Bakkerij", HTTPStatus: 503}); err != nil {
			t.Fatal(err)
		}
		n++
	}
	cur, err := os.Stat(l.Path())
	if err != nil {
		t.Fatal(err)
	}
	old, err := os.Stat(l.Path() + ".1")
	if err != nil {
		t.Fatalf("no rotated file: %v", err)
	}
	if cur.Size() > 1000 || old.Size() > 1000 {
		t.Errorf("sizes %d and %d, want each ≤ 1000", cur.Size(), old.Size())
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 2 {
		t.Errorf("files %v, want the log and one old one", files)
	}
	got, _ := Read(dir, time.Time{})
	if len(got) == 0 || len(got) >= n {
		t.Fatalf("read %d of %d entries: older ones should be gone, newer kept", len(got), n)
	}
	if last := got[len(got)-1]; !last.Time.Equal(t0.Add(59 * time.Minute)) {
		t.Errorf("newest entry %v lost", last.Time)
	}
	for i := 1; i < len(got); i++ {
		if got[i].Time.Before(got[i-1].Time) {
			t.Fatalf("not in order at %d", i)
		}
	}
}

func TestNoTokenOrSecretIsWritten(t *testing.T) {
	const refresh = "gAAAAABmX3k9Zq!IAAAAJ2hV8xQeR4tYuI9oP0aSdFgHjKlZxCvBnM1234567890abcdef"
	const secret = "Xy7Pq2Rs9Tu4Vw6Yz8Ab1Cd3Ef5Gh"
	dir := t.TempDir()
	l := Open(dir)
	e := Entry{Time: t0, Kind: Failed, Connection: "Bakkerij " + secret, Outcome: "needs-reconnect",
		HTTPStatus: 400, Code: "invalid_grant\n" + refresh,
		Reason:  "TooEarlyToRefreshTokens: Rate limit exceeded: access_token not expired " + refresh,
		Subject: refresh, Threshold: secret}
	if err := l.Append(e); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(l.Path())
	for _, s := range []string{refresh, secret, refresh[:30], secret[:24]} {
		if strings.Contains(string(data), s) {
			t.Fatalf("the log holds secret text %q: %s", s, data)
		}
	}
	// What is not secret stays readable for Exact support.
	for _, s := range []string{"TooEarlyToRefreshTokens: Rate limit exceeded: access_token not expired", "Bakkerij", "invalid_grant"} {
		if !strings.Contains(string(data), s) {
			t.Errorf("the log lost %q: %s", s, data)
		}
	}
	var back Entry
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatalf("not one JSON line: %v", err)
	}
}

func TestTextInBothLanguages(t *testing.T) {
	defer i18n.SetLanguage("en")
	entries := []Entry{
		{Kind: Refreshed, Connection: "Bakkerij", LapsesAt: t0.AddDate(0, 0, 30)},
		{Kind: Failed, Connection: "Bakkerij", Outcome: "too-early", HTTPStatus: 400, Code: "access_denied",
			Reason: "TooEarlyToRefreshTokens: Rate limit exceeded: access_token not expired"},
		{Kind: Failed, Connection: "Bakkerij", Outcome: "rate-limited", HTTPStatus: 429, RetryAfterSeconds: 3600, RateLimit: "Limit=200 Remaining=0"},
		{Kind: Failed, Connection: "Bakkerij", Outcome: "transient"},
		{Kind: Reconnected, Connection: "Bakkerij"},
		{Kind: State, Connection: "Bakkerij", OldStatus: "ok", Status: "needs-reconnect"},
		{Kind: Reminder, Subject: "Invantive Cloud → Smit", ReminderKind: "delegation", Threshold: "7d"},
		{Kind: Removed, Connection: "Bakkerij"},
	}
	want := map[string][]string{
		"en": {"lasts until 2026-12-31", "too early", "[HTTP 400, access_denied]", "Exact's reason: TooEarlyToRefreshTokens", "wait 1 hour", "(Exact's rate limits: Limit=200 Remaining=0)", "could not be reached", "connected again", "working → needs a new login", "within 7 days", "was removed"},
		"nl": {"geldig tot 31-12-2026", "te vroeg", "[HTTP 400, access_denied]", "reden van Exact: TooEarlyToRefreshTokens", "wacht 1 uur", "(limieten van Exact: Limit=200 Remaining=0)", "niet bereikbaar", "weer gekoppeld", "werkt → nieuwe aanmelding nodig", "binnen 7 dagen", "is verwijderd"},
	}
	for lang, parts := range want {
		i18n.SetLanguage(lang)
		var all []string
		for _, e := range entries {
			txt := Text(e)
			if strings.Contains(txt, "{{") || strings.Contains(txt, "log.") {
				t.Errorf("%s: unrendered text %q", lang, txt)
			}
			all = append(all, txt)
		}
		joined := strings.Join(all, "\n")
		for _, p := range parts {
			if !strings.Contains(joined, p) {
				t.Errorf("%s: %q missing from\n%s", lang, p, joined)
			}
		}
	}
}
