package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/exactkeeper/exactkeeper/core/remind"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// renewDays is how far `delegation renew` moves the end without --ends: the
// usual maximum a platform grants.
const renewDays = remind.UsualMaxDays

func cmdDelegation(ctx context.Context, e *Env, args []string) error {
	subs := map[string]func(*Env, []string) error{
		"add":    delegationAdd,
		"list":   delegationList,
		"renew":  delegationRenew,
		"remove": delegationRemove,
		"export": delegationExport,
	}
	if len(args) == 0 {
		return usagef("delegation needs a subcommand: add, list, renew, remove or export")
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(e.Stderr, "Usage: exactkeeperctl delegation add|list|renew|remove|export; add -h to a subcommand for its flags.")
		return nil
	}
	run, ok := subs[args[0]]
	if !ok {
		return usagef("unknown delegation subcommand %q: use add, list, renew, remove or export", args[0])
	}
	return run(e, args[1:])
}

func delegationAdd(e *Env, args []string) error {
	fs := newFlags(e, "delegation add")
	platform := fs.String("platform", "", "where the delegation was granted, e.g. \"Invantive Cloud\" (required)")
	grantee := fs.String("grantee", "", "who received it, e.g. the accounting office (required)")
	ends := fs.String("ends", "", "last day of the delegation, YYYY-MM-DD (required)")
	starts := fs.String("starts", "", "first day, YYYY-MM-DD")
	conn := fs.String("connection", "", "name or ID of the connection it belongs to")
	env := fs.String("environment", "", "environment or company on the platform")
	note := fs.String("note", "", "a note for yourself")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("delegation add takes only flags, not %q", pos[0])
	}
	switch {
	case strings.TrimSpace(*platform) == "":
		return usagef("delegation add needs --platform, for example --platform \"Invantive Cloud\"")
	case strings.TrimSpace(*grantee) == "":
		return usagef("delegation add needs --grantee, for example --grantee \"Accountantskantoor Smit\"")
	case *ends == "":
		return usagef("delegation add needs --ends with the last day as YYYY-MM-DD")
	}
	d := store.Delegation{Platform: *platform, Grantee: *grantee, Environment: *env, Note: *note}
	if d.Ends, err = parseDateFlag("--ends", *ends); err != nil {
		return err
	}
	if *starts != "" {
		if d.Starts, err = parseDateFlag("--starts", *starts); err != nil {
			return err
		}
	}
	if err := remind.Validate(d); err != nil {
		return usageError{err.Error()}
	}
	s, err := e.store()
	if err != nil {
		return err
	}
	var added store.Delegation
	err = s.UpdateConfig(func(cfg *store.Config) error {
		if *conn != "" {
			c, err := cfg.Connection(*conn)
			if err != nil {
				return err
			}
			d.ConnectionID = c.ID
		}
		added, err = remind.Add(cfg, d)
		return err
	})
	if err != nil {
		return err
	}
	if remind.LongerThanUsualAt(added, todayLocal(e)) {
		fmt.Fprintf(e.Stderr, "Note: this delegation runs longer than the usual %d days; check the end date with the platform.\n", remind.UsualMaxDays)
	}
	fmt.Fprintln(e.Stdout, added.ID)
	return nil
}

// delegationRow is one delegation in `delegation list --json`.
type delegationRow struct {
	store.Delegation
	DaysLeft int `json:"days_left"`
}

func delegationList(e *Env, args []string) error {
	fs := newFlags(e, "delegation list")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("delegation list takes no arguments, not %q", pos[0])
	}
	cfg, err := loadConfigOnly(e)
	if err != nil {
		return err
	}
	dels := append([]store.Delegation(nil), cfg.Delegations...)
	remind.SortByEnd(dels)
	now := todayLocal(e)
	rows := make([]delegationRow, len(dels))
	for i, d := range dels {
		rows[i] = delegationRow{d, now.DaysUntil(d.Ends)}
	}
	if *asJSON {
		return encodeJSONTo(e.Stdout, rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(e.Stdout, "No delegations yet; add one with 'exactkeeperctl delegation add'.")
		return nil
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPLATFORM\tGRANTEE\tENDS\tDAYS LEFT")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", r.ID, tableCell(r.Platform), tableCell(r.Grantee), r.Ends, r.DaysLeft)
	}
	return tw.Flush()
}

func delegationRenew(e *Env, args []string) error {
	fs := newFlags(e, "delegation renew")
	ends := fs.String("ends", "", fmt.Sprintf("new last day, YYYY-MM-DD (default today + %d days)", renewDays))
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := delegationIDArg("renew", pos)
	if err != nil {
		return err
	}
	end := todayLocal(e).AddDays(renewDays)
	if *ends != "" {
		if end, err = parseDateFlag("--ends", *ends); err != nil {
			return err
		}
	}
	s, err := e.store()
	if err != nil {
		return err
	}
	if err := s.UpdateConfig(func(cfg *store.Config) error { return remind.Renew(cfg, id, end) }); err != nil {
		return err
	}
	// A renewal is a new grant, so the usual maximum counts from today.
	if remind.LongerThanUsualAt(store.Delegation{Ends: end}, todayLocal(e)) {
		fmt.Fprintf(e.Stderr, "Note: %s is more than the usual %d days from today; check the end date with the platform.\n", end, remind.UsualMaxDays)
	}
	fmt.Fprintf(e.Stdout, "Delegation %s now ends on %s.\n", id, end)
	return nil
}

func delegationRemove(e *Env, args []string) error {
	fs := newFlags(e, "delegation remove")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := delegationIDArg("remove", pos)
	if err != nil {
		return err
	}
	s, err := e.store()
	if err != nil {
		return err
	}
	if err := s.UpdateConfig(func(cfg *store.Config) error { return remind.Remove(cfg, id) }); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "Delegation %s removed.\n", id)
	return nil
}

func delegationExport(e *Env, args []string) error {
	fs := newFlags(e, "delegation export")
	file := fs.String("ics", "", "write an iCalendar file here (- for standard output)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("delegation export takes only --ics FILE, not %q", pos[0])
	}
	if *file == "" {
		return usagef("delegation export needs --ics FILE, for example --ics delegations.ics")
	}
	cfg, err := loadConfigOnly(e)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := remind.WriteICS(&buf, cfg.Delegations, e.Now(), zoneForDates(e)); err != nil {
		return err
	}
	if *file == "-" {
		_, err := e.Stdout.Write(buf.Bytes())
		return err
	}
	if err := replaceFile(*file, buf.Bytes()); err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("could not write the calendar file %s: %w", *file, err)
	}
	fmt.Fprintf(e.Stdout, "Wrote %d delegation end(s) to %s.\n", datedCount(cfg.Delegations), *file)
	return nil
}

// reminderRow is one reminder in `reminders --json`.
type reminderRow struct {
	remind.Reminder
	Message string `json:"message"`
	Due     bool   `json:"due"` // false: the next threshold, from --upcoming
}

func cmdReminders(ctx context.Context, e *Env, args []string) error {
	fs := newFlags(e, "reminders")
	asJSON := fs.Bool("json", false, "print JSON")
	at := fs.String("at", "", "the moment to look at, RFC 3339 (default now), e.g. 2026-12-01T09:00:00+01:00")
	upcoming := fs.Bool("upcoming", false, "also show the next threshold of every connection and delegation")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("reminders takes no arguments, not %q", pos[0])
	}
	now := e.Now()
	if *at != "" {
		if now, err = time.Parse(time.RFC3339, *at); err != nil {
			return usagef("--at %q is not a moment: use RFC 3339, for example 2026-12-01T09:00:00+01:00", *at)
		}
	}
	s, err := e.store()
	if err != nil {
		return err
	}
	cfg, err := s.LoadConfig()
	if err != nil {
		return err
	}
	st, err := s.LoadState()
	if err != nil {
		return err
	}
	rules := remind.RulesFrom(cfg.Settings, zoneForDates(e))
	conns := remind.ConnsFrom(cfg, st)
	rows := []reminderRow{}
	for _, r := range remind.Due(now, conns, cfg.Delegations, rules) {
		rows = append(rows, reminderRow{r, r.Message(), true})
	}
	if *upcoming {
		for _, r := range remind.Upcoming(now, conns, cfg.Delegations, rules) {
			rows = append(rows, reminderRow{r, r.Message(), false})
		}
	}
	if *asJSON {
		return encodeJSONTo(e.Stdout, rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(e.Stdout, "Nothing is due.")
		return nil
	}
	for _, r := range rows {
		if r.Due {
			fmt.Fprintf(e.Stdout, "%-8s  %s\n", r.Severity, r.Message)
		} else {
			fmt.Fprintf(e.Stdout, "%-8s  %s: %s (%s, %s)\n", "next", r.DueAt.Format("2006-01-02 15:04"), r.SubjectName, r.Threshold, r.Severity)
		}
	}
	return nil
}

// zoneForDates is the user's calendar zone. Go reads TZ at start-up into
// time.Local; an Env may carry its own TZ (tests run commands in-process).
func zoneForDates(e *Env) *time.Location {
	if tz := strings.TrimPrefix(e.Getenv("TZ"), ":"); tz != "" {
		if loc, err := time.LoadLocation(tz); err == nil {
			return loc
		}
	}
	return time.Local
}

func todayLocal(e *Env) store.Date { return store.DateOf(e.Now().In(zoneForDates(e))) }

func parseDateFlag(name, v string) (store.Date, error) {
	d, err := store.ParseDate(v)
	if err != nil {
		return store.Date{}, usagef("%s %q is not a date: use YYYY-MM-DD, for example 2026-03-31", name, v)
	}
	return d, nil
}

func delegationIDArg(sub string, pos []string) (string, error) {
	switch len(pos) {
	case 0:
		return "", usagef("delegation %s needs the delegation's ID; 'exactkeeperctl delegation list' shows them", sub)
	case 1:
		return pos[0], nil
	}
	return "", usagef("delegation %s takes one ID, not %d", sub, len(pos))
}

func loadConfigOnly(e *Env) (store.Config, error) {
	s, err := e.store()
	if err != nil {
		return store.Config{}, err
	}
	return s.LoadConfig()
}

func encodeJSONTo(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// tableCell keeps a table row on one line whatever the user typed.
func tableCell(s string) string { return strings.Join(strings.Fields(s), " ") }

func datedCount(dels []store.Delegation) int {
	n := 0
	for _, d := range dels {
		if !d.Ends.IsZero() {
			n++
		}
	}
	return n
}

// replaceFile replaces path with data, so an interrupted export never
// leaves half a calendar for the calendar app to import.
func replaceFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".exactkeeper-*.ics")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
