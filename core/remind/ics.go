package remind

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// ErrNothingToExport means there is no delegation with an end date to put
// in a calendar.
var ErrNothingToExport = errors.New("there are no delegations with an end date to put in a calendar; add one first")

// WriteICS writes an iCalendar file (RFC 5545) with one all-day event on the
// end day of each delegation and an alarm a week before, for owners who live
// in their calendar. The events are floating dates, so every calendar shows
// them on the user's own calendar day; loc is the zone those dates are in
// and only names it in the description. Delegations without an end date are
// left out; with none left it writes nothing and returns ErrNothingToExport,
// because RFC 5545 has no empty calendar.
func WriteICS(w io.Writer, dels []store.Delegation, now time.Time, loc *time.Location) error {
	return WriteICSIn(w, i18n.Language(), dels, now, loc)
}

// WriteICSIn is WriteICS with the events' texts in lang ("en", "nl" or a
// tag such as "nl_NL.UTF-8"): the command line speaks its environment's
// language, not the app's.
func WriteICSIn(w io.Writer, lang string, dels []store.Delegation, now time.Time, loc *time.Location) error {
	if loc == nil {
		loc = time.Local
	}
	if !slices.ContainsFunc(dels, func(d store.Delegation) bool { return !d.Ends.IsZero() }) {
		return ErrNothingToExport
	}
	sorted := append([]store.Delegation(nil), dels...)
	SortByEnd(sorted)
	bw := bufio.NewWriter(w)
	line := func(name, value string) { writeFolded(bw, name+":"+value) }
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", "-//Exact Keeper//Delegations//EN")
	line("CALSCALE", "GREGORIAN")
	line("METHOD", "PUBLISH")
	stamp := now.UTC().Format("20060102T150405Z")
	for _, d := range sorted {
		if d.Ends.IsZero() {
			continue
		}
		name := DelegationName(d)
		line("BEGIN", "VEVENT")
		line("UID", escapeText(d.ID)+"@exactkeeper")
		line("DTSTAMP", stamp)
		line("DTSTART;VALUE=DATE", icsDate(d.Ends))
		line("DTEND;VALUE=DATE", icsDate(d.Ends.AddDays(1)))
		line("SUMMARY", escapeText(i18n.TfIn(lang, "ics.summary", map[string]any{"Name": name})))
		line("DESCRIPTION", escapeText(describe(lang, d, loc)))
		// A reminder in the calendar must not make the owner look busy.
		line("TRANSP", "TRANSPARENT")
		line("BEGIN", "VALARM")
		line("ACTION", "DISPLAY")
		line("DESCRIPTION", escapeText(i18n.TfIn(lang, "ics.alarm", map[string]any{"Name": name})))
		line("TRIGGER", "-P7D")
		line("END", "VALARM")
		line("END", "VEVENT")
	}
	line("END", "VCALENDAR")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("could not write the calendar file: %w", err)
	}
	return nil
}

func describe(lang string, d store.Delegation, loc *time.Location) string {
	var b strings.Builder
	add := func(key string, args map[string]any) { b.WriteString(i18n.TfIn(lang, key, args) + "\n") }
	date := func(x store.Date) string { return i18n.FormatDateIn(lang, x.In(time.UTC)) }
	add("ics.grantee", map[string]any{"Value": d.Grantee})
	add("ics.platform", map[string]any{"Value": d.Platform})
	if d.Environment != "" {
		add("ics.environment", map[string]any{"Value": d.Environment})
	}
	if !d.Starts.IsZero() {
		add("ics.starts", map[string]any{"Date": date(d.Starts)})
	}
	if zone := loc.String(); zone != "Local" {
		add("ics.ends-zone", map[string]any{"Date": date(d.Ends), "Zone": zone})
	} else {
		add("ics.ends", map[string]any{"Date": date(d.Ends)})
	}
	if d.Note != "" {
		add("ics.note", map[string]any{"Value": d.Note})
	}
	b.WriteString(i18n.TIn(lang, "ics.renew"))
	return b.String()
}

func icsDate(d store.Date) string { return fmt.Sprintf("%04d%02d%02d", d.Year, d.Month, d.Day) }

// escapeText applies RFC 5545 TEXT escaping (section 3.3.11).
func escapeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.NewReplacer(`\`, `\\`, `;`, `\;`, `,`, `\,`, "\n", `\n`).Replace(s)
}

// maxLine is RFC 5545's limit on a content line, in octets, without the CRLF.
const maxLine = 75

// writeFolded writes one content line, folded so that no physical line
// exceeds 75 octets and no UTF-8 sequence is split (section 3.1).
func writeFolded(w *bufio.Writer, s string) {
	limit := maxLine
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.WriteString(s[:cut])
		w.WriteString("\r\n ")
		s = s[cut:]
		limit = maxLine - 1 // the leading space of a continuation line counts
	}
	w.WriteString(s)
	w.WriteString("\r\n")
}
