package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/exactkeeper/exactkeeper/core/eventlog"
	"github.com/exactkeeper/exactkeeper/core/i18n"
)

// cmdLog prints the keeper's lasting event log: what happened while no
// window was open, in the reader's language or as JSON for support.
func cmdLog(_ context.Context, e *Env, args []string) error {
	fs := newFlags(e, "log")
	asJSON := fs.Bool("json", false, "print the entries as JSON")
	since := fs.String("since", "", "only entries from then on: a span back (24h, 7d) or a date")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return e.usage("cli.log.no-args", map[string]any{"Arg": pos[0]})
	}
	from, err := e.parseSince(*since)
	if err != nil {
		return err
	}
	s, err := e.store()
	if err != nil {
		return err
	}
	entries, err := eventlog.Read(s.Dir, from)
	if err != nil {
		return err
	}
	if *asJSON {
		if entries == nil {
			entries = []eventlog.Entry{}
		}
		return encodeJSONTo(e.Stdout, entries)
	}
	if len(entries) == 0 {
		fmt.Fprintln(e.Stdout, e.t("log.empty"))
		return nil
	}
	for _, en := range entries {
		fmt.Fprintln(e.Stdout, eventlog.LineIn(e.lang(), zoneForDates(e), en))
	}
	return nil
}

// parseSince reads --since: empty (everything), a span back from now
// ("90m", "24h", "7d"), a date in the user's language (from its start in
// the user's zone), or an RFC 3339 moment.
func (e *Env) parseSince(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if n, ok := strings.CutSuffix(v, "d"); ok {
		if days, err := strconv.Atoi(n); err == nil && days >= 0 {
			return e.Now().AddDate(0, 0, -days), nil
		}
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return e.Now().Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if day, err := i18n.ParseDateIn(e.lang(), v); err == nil {
		return time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, zoneForDates(e)), nil
	}
	return time.Time{}, e.usage("cli.log.bad-since", map[string]any{"Value": v, "Date": i18n.FormatDateIn(e.lang(), e.Now())})
}
