package remind

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ical "github.com/emersion/go-ical"

	"github.com/exactkeeper/exactkeeper/core/store"
)

func icsFixture() []store.Delegation {
	return []store.Delegation{
		{ID: "d2", Platform: "Invantive Cloud", Grantee: "Accountantskantoor Smit", Environment: "Bakkerij B.V.",
			Starts: date("2026-09-07"), Ends: date("2026-12-06"),
			Note: "Contact: Jan; phone 020-1234567, ask for \\renewal\\\nSecond line with ünïcödé → and € signs repeated € € € € € € € € € € € € € € € € € € € €"},
		{ID: "d1", Platform: "Platform, Inc.", Grantee: "Grantee; Ltd", Ends: date("2026-10-31")},
		{ID: "d0", Platform: "No end", Grantee: "Skipped"},
	}
}

func writeFixture(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	now := time.Date(2026, 11, 29, 8, 30, 0, 0, amsterdam(t))
	if err := WriteICSIn(&buf, "en", icsFixture(), now, amsterdam(t)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestICSParses(t *testing.T) {
	out := writeFixture(t)
	cal, err := ical.NewDecoder(bytes.NewReader(out)).Decode()
	if err != nil {
		t.Fatalf("a real parser rejects the file: %v\n%s", err, out)
	}
	// Re-encoding runs the library's checks of required and single properties.
	if err := ical.NewEncoder(io.Discard).Encode(cal); err != nil {
		t.Errorf("the parsed calendar is not valid: %v", err)
	}
	for prop, want := range map[string]string{ical.PropVersion: "2.0", ical.PropCalendarScale: "GREGORIAN"} {
		if p := cal.Props.Get(prop); p == nil || p.Value != want {
			t.Errorf("%s = %+v, want %s", prop, p, want)
		}
	}
	if cal.Props.Get(ical.PropProductID) == nil {
		t.Error("no PRODID")
	}
	events := cal.Events()
	if len(events) != 2 {
		t.Fatalf("%d events, want 2 (the undated delegation left out)", len(events))
	}
	tests := []struct {
		uid, summary   string
		start, end     string
		descWants      []string
		alarmDescWants string
	}{
		{"d1@exactkeeper", "Delegation ends: Platform, Inc. → Grantee; Ltd", "20261031", "20261101",
			[]string{"Grantee: Grantee; Ltd", "Platform: Platform, Inc."}, "Platform, Inc. → Grantee; Ltd"},
		{"d2@exactkeeper", "Delegation ends: Invantive Cloud → Accountantskantoor Smit", "20261206", "20261207",
			[]string{"Environment: Bakkerij B.V.", "Note: " + icsFixture()[0].Note, "Europe/Amsterdam"}, "ends in 7 days"},
	}
	for i, tc := range tests {
		ev := events[i]
		text := func(c *ical.Component, name string) string {
			t.Helper()
			p := c.Props.Get(name)
			if p == nil {
				t.Errorf("%s: no %s", tc.uid, name)
				return ""
			}
			s, err := p.Text()
			if err != nil {
				t.Errorf("%s: %s: %v", tc.uid, name, err)
			}
			return s
		}
		if got := ev.Props.Get(ical.PropUID).Value; got != tc.uid {
			t.Errorf("UID %q, want %q", got, tc.uid)
		}
		if got := text(ev.Component, ical.PropSummary); got != tc.summary {
			t.Errorf("SUMMARY %q, want %q", got, tc.summary)
		}
		desc := text(ev.Component, ical.PropDescription)
		for _, w := range tc.descWants {
			if !strings.Contains(desc, w) {
				t.Errorf("%s: DESCRIPTION %q lacks %q", tc.uid, desc, w)
			}
		}
		for prop, want := range map[string]string{ical.PropDateTimeStart: tc.start, ical.PropDateTimeEnd: tc.end} {
			p := ev.Props.Get(prop)
			if p == nil || p.Value != want || p.ValueType() != ical.ValueDate {
				t.Errorf("%s: %s = %+v, want the date %s", tc.uid, prop, p, want)
			}
		}
		start, err := ev.DateTimeStart(time.UTC)
		if err != nil || start.Format("20060102") != tc.start {
			t.Errorf("%s: start %v, %v", tc.uid, start, err)
		}
		stamp := ev.Props.Get(ical.PropDateTimeStamp)
		if stamp == nil || stamp.Value != "20261129T073000Z" {
			t.Errorf("%s: DTSTAMP %+v, want 20261129T073000Z (UTC)", tc.uid, stamp)
		}
		if len(ev.Children) != 1 || ev.Children[0].Name != ical.CompAlarm {
			t.Fatalf("%s: want one VALARM, got %+v", tc.uid, ev.Children)
		}
		alarm := ev.Children[0]
		if got := alarm.Props.Get(ical.PropAction); got == nil || got.Value != "DISPLAY" {
			t.Errorf("%s: ACTION %+v", tc.uid, got)
		}
		trig := alarm.Props.Get(ical.PropTrigger)
		if trig == nil {
			t.Fatalf("%s: no TRIGGER", tc.uid)
		}
		if d, err := trig.Duration(); err != nil || d != -7*24*time.Hour {
			t.Errorf("%s: TRIGGER %q = %v, %v; want -7 days", tc.uid, trig.Value, d, err)
		}
		if got := text(alarm, ical.PropDescription); !strings.Contains(got, tc.alarmDescWants) {
			t.Errorf("%s: alarm DESCRIPTION %q lacks %q", tc.uid, got, tc.alarmDescWants)
		}
	}
}

func TestICSLines(t *testing.T) {
	out := writeFixture(t)
	if !bytes.HasSuffix(out, []byte("END:VCALENDAR\r\n")) || !bytes.HasPrefix(out, []byte("BEGIN:VCALENDAR\r\n")) {
		t.Errorf("not a calendar from begin to end:\n%s", out)
	}
	if n, m := bytes.Count(out, []byte("\n")), bytes.Count(out, []byte("\r\n")); n != m {
		t.Errorf("%d bare line feeds: every line must end in CRLF", n-m)
	}
	folded := 0
	for i, line := range bytes.Split(bytes.TrimSuffix(out, []byte("\r\n")), []byte("\r\n")) {
		if len(line) > 75 {
			t.Errorf("line %d has %d octets, more than 75: %q", i+1, len(line), line)
		}
		if !utf8.Valid(line) {
			t.Errorf("line %d splits a UTF-8 sequence: %q", i+1, line)
		}
		if bytes.HasPrefix(line, []byte(" ")) {
			folded++
		}
	}
	if folded == 0 {
		t.Error("the long note was not folded")
	}
	for _, want := range []string{`Platform\, Inc.`, `Grantee\; Ltd`, `\\renewal\\`, `\n`} {
		if !bytes.Contains(unfold(out), []byte(want)) {
			t.Errorf("escaped text %q not found", want)
		}
	}
}

func unfold(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\r\n "), nil) }

func TestWriteFolded(t *testing.T) {
	tests := []string{
		strings.Repeat("a", 75),
		strings.Repeat("a", 76),
		strings.Repeat("a", 300),
		"X:" + strings.Repeat("€", 60), // 3-octet runes straddle every boundary
		"X:" + strings.Repeat("é", 80),
		"X:" + strings.Repeat("😀", 40),
	}
	for _, in := range tests {
		var buf bytes.Buffer
		w := bufio.NewWriter(&buf)
		writeFolded(w, in)
		w.Flush()
		out := buf.Bytes()
		if string(unfold(bytes.TrimSuffix(out, []byte("\r\n")))) != in {
			t.Errorf("unfolding does not give back %q", in)
		}
		for _, line := range bytes.Split(bytes.TrimSuffix(out, []byte("\r\n")), []byte("\r\n")) {
			if len(line) > 75 || !utf8.Valid(line) {
				t.Errorf("bad physical line %q (%d octets)", line, len(line))
			}
		}
	}
}

func TestEscapeText(t *testing.T) {
	tests := map[string]string{
		`plain`:          `plain`,
		`a,b;c\d`:        `a\,b\;c\\d`,
		"one\ntwo\r\nx":  `one\ntwo\nx`,
		`already \n lit`: `already \\n lit`,
	}
	for in, want := range tests {
		if got := escapeText(in); got != want {
			t.Errorf("escapeText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestICSNothingToExport(t *testing.T) {
	var buf bytes.Buffer
	err := WriteICS(&buf, []store.Delegation{{ID: "x", Platform: "P", Grantee: "G"}}, time.Now(), time.UTC)
	if !errors.Is(err, ErrNothingToExport) || buf.Len() != 0 {
		t.Errorf("err %v, %d bytes written; want ErrNothingToExport and nothing", err, buf.Len())
	}
}

// The calendar speaks the language it is asked for, dates included.
func TestICSInDutch(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteICSIn(&buf, "nl_NL.UTF-8", icsFixture(), time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC), amsterdam(t)); err != nil {
		t.Fatal(err)
	}
	unfolded := strings.ReplaceAll(buf.String(), "\r\n ", "")
	for _, want := range []string{
		"SUMMARY:Machtiging loopt af: Invantive Cloud → Accountantskantoor Smit",
		`Gemachtigde: Accountantskantoor Smit\nPlatform: Invantive Cloud\nOmgeving: Bakkerij B.V.\nBegint: 07-09-2026\nLoopt af: 06-12-2026 (einde van de dag\, Europe/Amsterdam)`,
		"de machtiging loopt over 7 dagen af",
		"Markeren als verlengd…",
	} {
		if !strings.Contains(unfolded, want) {
			t.Errorf("the Dutch calendar lacks %q:\n%s", want, unfolded)
		}
	}
	for _, english := range []string{"Delegation ends", "Grantee:", "Ends:", "renew it"} {
		if strings.Contains(unfolded, english) {
			t.Errorf("English %q in the Dutch calendar", english)
		}
	}
}
