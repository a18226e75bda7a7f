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

	"github.com/exactkeeper/exactkeeper/core/i18n"
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
		return e.usage("cli.delegation.needs-sub", nil)
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(e.Stderr, e.t("cli.delegation.help"))
		return nil
	}
	run, ok := subs[args[0]]
	if !ok {
		return e.usage("cli.delegation.unknown-sub", map[string]any{"Sub": args[0]})
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
	allowPast := fs.Bool("allow-past", false, "record a delegation whose end date has passed")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return e.usage("cli.delegation.add.no-args", map[string]any{"Arg": pos[0]})
	}
	switch {
	case strings.TrimSpace(*platform) == "":
		return e.usage("cli.delegation.add.needs-platform", nil)
	case strings.TrimSpace(*grantee) == "":
		return e.usage("cli.delegation.add.needs-grantee", nil)
	case *ends == "":
		return e.usage("cli.delegation.add.needs-ends", map[string]any{"Hint": i18n.DateHintIn(e.lang())})
	}
	d := store.Delegation{Platform: *platform, Grantee: *grantee, Environment: *env, Note: *note}
	if d.Ends, err = e.parseDateFlag("--ends", *ends); err != nil {
		return err
	}
	if *starts != "" {
		if d.Starts, err = e.parseDateFlag("--starts", *starts); err != nil {
			return err
		}
	}
	if !d.Starts.IsZero() && d.Starts.DaysUntil(d.Ends) < 0 {
		return e.usage("cli.delegation.ends-before-starts", map[string]any{"Ends": e.date(d.Ends), "Starts": e.date(d.Starts)})
	}
	today := todayLocal(e)
	if today.DaysUntil(d.Ends) < 0 && !*allowPast {
		return e.usage("cli.delegation.add.past", map[string]any{"Ends": e.date(d.Ends)})
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
	var dup *remind.DuplicateError
	if errors.As(err, &dup) {
		return errors.New(e.tf("cli.delegation.add.duplicate", map[string]any{"Name": remind.DelegationName(dup.Existing), "ID": dup.Existing.ID}))
	}
	if err != nil {
		return err
	}
	if remind.LongerThanUsualAt(added, today) {
		fmt.Fprintln(e.Stderr, e.tf("cli.delegation.longer-than-usual", map[string]any{"Days": remind.UsualMaxDays}))
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
		return e.usage("cli.delegation.list.no-args", map[string]any{"Arg": pos[0]})
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
		fmt.Fprintln(e.Stdout, e.t("cli.delegation.list.empty"))
		return nil
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, e.t("cli.delegation.list.header"))
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", r.ID, tableCell(r.Platform), tableCell(r.Grantee), e.date(r.Ends), r.DaysLeft)
	}
	return tw.Flush()
}

// delegationRenew records that the owner renewed the grant on the
// platform: a new period from --starts (default today) to --ends (default
// that start + 90 days).
func delegationRenew(e *Env, args []string) error {
	fs := newFlags(e, "delegation renew")
	starts := fs.String("starts", "", "first day of the new period, YYYY-MM-DD (default today)")
	ends := fs.String("ends", "", fmt.Sprintf("last day of the new period, YYYY-MM-DD (default the start + %d days)", renewDays))
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	ref, err := e.delegationRef("renew", pos)
	if err != nil {
		return err
	}
	start := todayLocal(e)
	if *starts != "" {
		if start, err = e.parseDateFlag("--starts", *starts); err != nil {
			return err
		}
	}
	end := start.AddDays(renewDays)
	if *ends != "" {
		if end, err = e.parseDateFlag("--ends", *ends); err != nil {
			return err
		}
	}
	if start.DaysUntil(end) < 0 {
		return e.usage("cli.delegation.ends-before-starts", map[string]any{"Ends": e.date(end), "Starts": e.date(start)})
	}
	s, err := e.store()
	if err != nil {
		return err
	}
	var renewed store.Delegation
	err = s.UpdateConfig(func(cfg *store.Config) error {
		id, err := remind.Find(cfg, ref)
		if err != nil {
			return err
		}
		if err := remind.RenewPeriod(cfg, id, start, end); err != nil {
			return err
		}
		renewed = *cfg.Delegation(id)
		return nil
	})
	if err != nil {
		return e.delegationError(ref, err)
	}
	if remind.LongerThanUsualAt(renewed, start) {
		fmt.Fprintln(e.Stderr, e.tf("cli.delegation.renew.longer-than-usual", map[string]any{"Days": remind.UsualMaxDays}))
	}
	fmt.Fprintln(e.Stdout, e.tf("cli.delegation.renewed", map[string]any{"ID": renewed.ID, "Name": remind.DelegationName(renewed),
		"Starts": e.date(renewed.Starts), "Ends": e.date(renewed.Ends)}))
	return nil
}

func delegationRemove(e *Env, args []string) error {
	fs := newFlags(e, "delegation remove")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	ref, err := e.delegationRef("remove", pos)
	if err != nil {
		return err
	}
	s, err := e.store()
	if err != nil {
		return err
	}
	var removed store.Delegation
	err = s.UpdateConfig(func(cfg *store.Config) error {
		id, err := remind.Find(cfg, ref)
		if err != nil {
			return err
		}
		removed = *cfg.Delegation(id)
		return remind.Remove(cfg, id)
	})
	if err != nil {
		return e.delegationError(ref, err)
	}
	fmt.Fprintln(e.Stdout, e.tf("cli.delegation.removed", map[string]any{"ID": removed.ID, "Name": remind.DelegationName(removed)}))
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
		return e.usage("cli.delegation.export.no-args", map[string]any{"Arg": pos[0]})
	}
	if *file == "" {
		return e.usage("cli.delegation.export.needs-ics", nil)
	}
	cfg, err := loadConfigOnly(e)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := remind.WriteICSIn(&buf, e.lang(), cfg.Delegations, e.Now(), zoneForDates(e)); err != nil {
		if errors.Is(err, remind.ErrNothingToExport) {
			return errors.New(e.t("cli.delegation.export.nothing"))
		}
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
		return errors.New(e.tf("cli.delegation.export.write-failed", map[string]any{"File": *file, "Reason": err.Error()}))
	}
	fmt.Fprintln(e.Stdout, e.tf("cli.delegation.exported", map[string]any{"N": datedCount(cfg.Delegations), "File": *file}))
	return nil
}

// delegationError says a delegation lookup's failure in the user's language.
func (e *Env) delegationError(ref string, err error) error {
	var amb *remind.AmbiguousError
	switch {
	case errors.As(err, &amb):
		return errors.New(e.tf("cli.delegation.ambiguous", map[string]any{"Ref": amb.Ref, "N": len(amb.Matches), "IDs": strings.Join(amb.IDs(), ", ")}))
	case errors.Is(err, remind.ErrUnknownDelegation):
		cfg, _ := loadConfigOnly(e)
		if len(cfg.Delegations) == 0 {
			return errors.New(e.tf("cli.delegation.unknown-none", map[string]any{"Ref": ref}))
		}
		ids := make([]string, len(cfg.Delegations))
		for i, d := range cfg.Delegations {
			ids[i] = d.ID
		}
		return errors.New(e.tf("cli.delegation.unknown", map[string]any{"Ref": ref, "IDs": strings.Join(ids, ", ")}))
	}
	return err
}

// date is a day in the user's language for text output; JSON keeps ISO.
func (e *Env) date(d store.Date) string {
	if d.IsZero() {
		return "—"
	}
	return i18n.FormatDateIn(e.lang(), d.In(time.UTC))
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
	at := fs.String("at", "", "the day or moment to look at (default now): a date, or RFC 3339 such as 2026-12-01T09:00:00+01:00")
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
		if now, err = e.atMoment(*at); err != nil {
			return err
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
		fmt.Fprintln(e.Stdout, e.t("cli.reminders.none"))
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

// parseDateFlag reads a date as the user writes it: ISO in every language,
// and dd-mm-jjjj in Dutch.
func (e *Env) parseDateFlag(name, v string) (store.Date, error) {
	t, err := i18n.ParseDateIn(e.lang(), v)
	if err != nil {
		return store.Date{}, e.usage("cli.delegation.bad-date", map[string]any{"Flag": name, "Value": v,
			"Hint": i18n.DateHintIn(e.lang()), "Example": i18n.FormatDateIn(e.lang(), time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC))})
	}
	return store.DateOf(t), nil
}

// delegationRef is the one delegation argument: an ID, or a grantee or
// platform that only one delegation has.
func (e *Env) delegationRef(sub string, pos []string) (string, error) {
	switch len(pos) {
	case 0:
		return "", e.usage("cli.delegation.needs-ref", map[string]any{"Sub": sub})
	case 1:
		return pos[0], nil
	}
	return "", e.usage("cli.delegation.one-ref", map[string]any{"Sub": sub, "N": len(pos)})
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
