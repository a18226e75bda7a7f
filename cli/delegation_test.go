package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	ical "github.com/emersion/go-ical"

	"github.com/exactkeeper/exactkeeper/cli"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// delegationHome is a temporary EXACTKEEPER_HOME with one connection, and a
// command runner at a fixed moment in Amsterdam.
type delegationHome struct {
	t    *testing.T
	dir  string
	now  time.Time
	lang string // LANG; "" is English
}

func newDelegationHome(t *testing.T) *delegationHome {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	h := &delegationHome{t: t, dir: t.TempDir(), now: time.Date(2026, 11, 29, 9, 0, 0, 0, loc)}
	s, err := store.Open(h.dir)
	if err != nil {
		t.Fatal(err)
	}
	err = s.UpdateConfig(func(c *store.Config) error {
		c.Connections = []store.Connection{{ID: "c1", Name: "Bakkerij", Created: h.now.Add(-40 * 24 * time.Hour)}}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.UpdateState(func(st *store.State) error {
		// The login lapses on 2026-12-02 at 10:00.
		st.Connections = map[string]store.ConnState{"c1": {Status: "ok", LastRefresh: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *delegationHome) run(args ...string) (code int, stdout, stderr string) {
	h.t.Helper()
	var out, errb bytes.Buffer
	env := cli.Env{
		Stdin:  strings.NewReader(""),
		Stdout: &out,
		Stderr: &errb,
		Getenv: func(k string) string {
			switch k {
			case "EXACTKEEPER_HOME":
				return h.dir
			case "TZ":
				return "Europe/Amsterdam"
			case "LANG":
				return h.lang
			}
			return ""
		},
		Now: func() time.Time { return h.now },
	}
	code = cli.Main(context.Background(), env, args)
	return code, out.String(), errb.String()
}

func (h *delegationHome) mustRun(args ...string) string {
	h.t.Helper()
	code, out, errs := h.run(args...)
	if code != 0 {
		h.t.Fatalf("%v: exit %d, stderr %q", args, code, errs)
	}
	return out
}

func (h *delegationHome) file(name string) []byte {
	h.t.Helper()
	b, err := os.ReadFile(filepath.Join(h.dir, name))
	if err != nil {
		h.t.Fatal(err)
	}
	return b
}

type listedDelegation struct {
	ID           string `json:"id"`
	Platform     string `json:"platform"`
	Grantee      string `json:"grantee"`
	Environment  string `json:"environment"`
	Starts       string `json:"starts"`
	Ends         string `json:"ends"`
	ConnectionID string `json:"connection_id"`
	Note         string `json:"note"`
	DaysLeft     int    `json:"days_left"`
}

func (h *delegationHome) list() []listedDelegation {
	h.t.Helper()
	var got []listedDelegation
	if err := json.Unmarshal([]byte(h.mustRun("delegation", "list", "--json")), &got); err != nil {
		h.t.Fatal(err)
	}
	return got
}

var idPattern = regexp.MustCompile(`^[0-9a-f]{12}\n$`)

func TestDelegationLifecycle(t *testing.T) {
	h := newDelegationHome(t)

	code, out, errs := h.run("delegation", "add", "--platform", "Invantive Cloud", "--grantee", "Accountantskantoor Smit",
		"--ends", "2026-12-06", "--starts", "2026-09-07", "--connection", "bakkerij", "--environment", "Bakkerij B.V.", "--note", "ask Jan")
	if code != 0 || !idPattern.MatchString(out) || errs != "" {
		t.Fatalf("add: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	smit := strings.TrimSpace(out)

	code, out, errs = h.run("delegation", "add", "--platform", "Other", "--grantee", "Long", "--ends", "2027-06-01")
	if code != 0 || !idPattern.MatchString(out) || !strings.Contains(errs, "longer than the usual 90 days") {
		t.Fatalf("long add: exit %d, stdout %q, stderr %q; want the ID and a note", code, out, errs)
	}
	long := strings.TrimSpace(out)
	h.mustRun("delegation", "add", "--platform", "Soon", "--grantee", "G", "--ends", "2026-11-30")

	got := h.list()
	if len(got) != 3 || got[0].Platform != "Soon" || got[1].ID != smit || got[2].ID != long {
		t.Fatalf("list not sorted by end date: %+v", got)
	}
	want := listedDelegation{ID: smit, Platform: "Invantive Cloud", Grantee: "Accountantskantoor Smit", Environment: "Bakkerij B.V.",
		Starts: "2026-09-07", Ends: "2026-12-06", ConnectionID: "c1", Note: "ask Jan", DaysLeft: 7}
	if got[1] != want {
		t.Errorf("listed %+v\nwant    %+v", got[1], want)
	}
	if got[0].DaysLeft != 1 {
		t.Errorf("days left %d, want 1", got[0].DaysLeft)
	}

	text := h.mustRun("delegation", "list")
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[0], "DAYS LEFT") ||
		!strings.Contains(lines[2], smit) || !strings.Contains(lines[2], "2026-12-06") || !strings.HasSuffix(lines[2], " 7") {
		t.Errorf("table:\n%s", text)
	}

	// Renew without --ends: today + 90 days.
	out = h.mustRun("delegation", "renew", smit)
	if !strings.Contains(out, "2027-02-27") {
		t.Errorf("renew said %q, want the new end 2027-02-27", out)
	}
	h.mustRun("delegation", "renew", "--ends", "2027-01-15", long)
	got = h.list()
	if got[1].ID != long || got[1].Ends != "2027-01-15" || got[2].ID != smit || got[2].Ends != "2027-02-27" || got[2].DaysLeft != 90 {
		t.Errorf("after renew: %+v", got)
	}

	ics := filepath.Join(t.TempDir(), "delegations.ics")
	h.mustRun("delegation", "export", "--ics", ics)
	f, err := os.Open(ics)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cal, err := ical.NewDecoder(f).Decode()
	if err != nil {
		t.Fatalf("exported calendar does not parse: %v", err)
	}
	if n := len(cal.Events()); n != 3 {
		t.Errorf("%d events, want 3", n)
	}

	h.mustRun("delegation", "remove", long)
	got = h.list()
	if len(got) != 2 || got[0].ID == long || got[1].ID == long {
		t.Errorf("after remove: %+v", got)
	}
}

func TestDelegationErrorsChangeNothing(t *testing.T) {
	h := newDelegationHome(t)
	id := strings.TrimSpace(h.mustRun("delegation", "add", "--platform", "P", "--grantee", "G", "--ends", "2026-12-06"))
	before := h.file("config.json")
	tests := []struct {
		args    []string
		code    int
		stderr  string
		oneLine bool
	}{
		{[]string{"delegation", "add", "--platform", "P", "--grantee", "G", "--ends", "2026-02-30"}, 2, `"2026-02-30" is not a date`, true},
		{[]string{"delegation", "add", "--platform", "P", "--grantee", "G", "--ends", "6-12-2026"}, 2, "YYYY-MM-DD", true},
		{[]string{"delegation", "add", "--platform", "P", "--grantee", "G", "--ends", "2026-12-06", "--starts", "tomorrow"}, 2, "--starts", true},
		{[]string{"delegation", "add", "--platform", "P", "--ends", "2026-12-06"}, 2, "--grantee", true},
		{[]string{"delegation", "add", "--grantee", "G", "--ends", "2026-12-06"}, 2, "--platform", true},
		{[]string{"delegation", "add", "--platform", "P", "--grantee", "G"}, 2, "--ends", true},
		{[]string{"delegation", "add", "--platform", "P", "--grantee", "G", "--ends", "2026-01-01", "--starts", "2026-02-01"}, 2, "before the start", true},
		{[]string{"delegation", "add", "--platform", "P", "--grantee", "G", "--ends", "2026-12-06", "--connection", "Nope"}, 1, "Bakkerij", true},
		{[]string{"delegation", "add", "--platform", "P", "--grantee", "G", "--ends", "2026-12-06", "--bogus"}, 2, "bogus", false},
		{[]string{"delegation", "renew", "ffffffffffff"}, 1, id, true},
		{[]string{"delegation", "renew", id, "--ends", "2026-13-01"}, 2, "not a date", true},
		{[]string{"delegation", "renew"}, 2, "ID", true},
		{[]string{"delegation", "remove", "ffffffffffff"}, 1, "known IDs are " + id, true},
		{[]string{"delegation", "remove", id, "another"}, 2, "one ID", true},
		{[]string{"delegation", "export"}, 2, "--ics", true},
		{[]string{"delegation"}, 2, "subcommand", true},
		{[]string{"delegation", "frobnicate"}, 2, "frobnicate", true},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errs := h.run(tc.args...)
			if code != tc.code || !strings.Contains(errs, tc.stderr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errs, tc.code, tc.stderr)
			}
			if tc.oneLine && strings.Count(errs, "\n") != 1 {
				t.Errorf("stderr is not one line: %q", errs)
			}
			if out != "" {
				t.Errorf("stdout %q on failure", out)
			}
			if !bytes.Equal(h.file("config.json"), before) {
				t.Fatal("config.json changed")
			}
		})
	}
}

func TestExportNothing(t *testing.T) {
	h := newDelegationHome(t)
	target := filepath.Join(t.TempDir(), "d.ics")
	code, _, errs := h.run("delegation", "export", "--ics", target)
	if code != 1 || !strings.Contains(errs, "no delegations") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
	if _, err := os.Stat(target); !os.IsNotExist(err) {
		t.Errorf("a file was written: %v", err)
	}
}

type listedReminder struct {
	Key         string    `json:"key"`
	Kind        string    `json:"kind"`
	SubjectID   string    `json:"subject_id"`
	SubjectName string    `json:"subject_name"`
	Threshold   string    `json:"threshold"`
	Deadline    time.Time `json:"deadline"`
	DueAt       time.Time `json:"due_at"`
	DaysLeft    int       `json:"days_left"`
	Severity    string    `json:"severity"`
	Message     string    `json:"message"`
	Due         bool      `json:"due"`
}

func TestReminders(t *testing.T) {
	h := newDelegationHome(t)
	id := strings.TrimSpace(h.mustRun("delegation", "add", "--platform", "Invantive Cloud", "--grantee", "Smit", "--ends", "2026-12-06"))
	stateBefore := h.file("state.json")

	reminders := func(args ...string) []listedReminder {
		t.Helper()
		var got []listedReminder
		if err := json.Unmarshal([]byte(h.mustRun(append([]string{"reminders", "--json"}, args...)...)), &got); err != nil {
			t.Fatal(err)
		}
		return got
	}
	tests := []struct {
		at   string
		up   bool
		want []string // key/due
	}{
		{"2026-11-20T12:00:00+01:00", false, nil},
		{"2026-11-20T12:00:00+01:00", true, []string{"delegation:" + id + ":14d/false", "refresh-token:c1:7d/false"}},
		{"2026-11-29T12:00:00+01:00", false, []string{"refresh-token:c1:3d/true", "delegation:" + id + ":7d/true"}},
		{"2026-12-01T12:00:00+01:00", false, []string{"refresh-token:c1:1d/true", "delegation:" + id + ":7d/true"}},
		{"2026-12-01T12:00:00+01:00", true, []string{"refresh-token:c1:1d/true", "delegation:" + id + ":7d/true",
			"refresh-token:c1:lapsed/false", "delegation:" + id + ":1d/false"}},
		{"2026-12-07T00:30:00+01:00", false, []string{"refresh-token:c1:lapsed/true", "delegation:" + id + ":ended/true"}},
	}
	for _, tc := range tests {
		args := []string{"--at", tc.at}
		if tc.up {
			args = append(args, "--upcoming")
		}
		got := reminders(args...)
		var keys []string
		for _, r := range got {
			keys = append(keys, r.Key+"/"+map[bool]string{true: "true", false: "false"}[r.Due])
			if r.Message == "" || r.Severity == "" || r.SubjectName == "" || r.Deadline.IsZero() {
				t.Errorf("%s: incomplete %+v", tc.at, r)
			}
		}
		if strings.Join(keys, " ") != strings.Join(tc.want, " ") {
			t.Errorf("at %s upcoming=%v: %v, want %v", tc.at, tc.up, keys, tc.want)
		}
	}

	// The same moment twice gives the same answer: reminders marks nothing.
	first := reminders("--at", "2026-11-29T12:00:00+01:00")
	second := reminders("--at", "2026-11-29T12:00:00+01:00")
	if len(first) != 2 || len(second) != 2 || first[1].DaysLeft != 7 || first[1].Severity != "warning" || first[1].Key != second[1].Key {
		t.Errorf("repeat: %+v / %+v", first, second)
	}
	if !bytes.Equal(h.file("state.json"), stateBefore) {
		t.Error("reminders changed state.json")
	}

	// Default moment: Env.Now; plain text with the message.
	text := h.mustRun("reminders")
	if !strings.Contains(text, "Invantive Cloud → Smit: the delegation ends in 7 days (2026-12-06)") || !strings.Contains(text, "warning") {
		t.Errorf("text output:\n%s", text)
	}
	text = h.mustRun("reminders", "--upcoming", "--at", "2026-12-01T12:00:00+01:00")
	if !strings.Contains(text, "next      2026-12-05 00:00: Invantive Cloud → Smit (1d, critical)") {
		t.Errorf("upcoming text output:\n%s", text)
	}
	if out := h.mustRun("reminders", "--at", "2026-11-01T00:00:00Z"); !strings.Contains(out, "Nothing is due") {
		t.Errorf("nothing due: %q", out)
	}
	if out := h.mustRun("reminders", "--json", "--at", "2026-11-01T00:00:00Z"); strings.TrimSpace(out) != "[]" {
		t.Errorf("nothing due as JSON: %q, want []", out)
	}
	code, _, errs := h.run("reminders", "--at", "tomorrow")
	if code != 2 || !strings.Contains(errs, "RFC 3339") {
		t.Errorf("bad --at: exit %d, %q", code, errs)
	}
}

func TestDelegationAddRefusesDuplicatesAndPastEnds(t *testing.T) {
	for _, lang := range []string{"", "nl_NL.UTF-8"} {
		t.Run("LANG="+lang, func(t *testing.T) {
			h := newDelegationHome(t)
			h.lang = lang
			nl := lang != ""
			pick := func(en, nlText string) string {
				if nl {
					return nlText
				}
				return en
			}
			id := strings.TrimSpace(h.mustRun("delegation", "add", "--platform", "Invantive Cloud", "--grantee", "Smit", "--ends", pick("2026-12-06", "06-12-2026")))
			before := h.file("config.json")
			code, out, errs := h.run("delegation", "add", "--platform", "invantive cloud", "--grantee", "SMIT", "--ends", "2026-12-06")
			if code != 1 || out != "" || !strings.Contains(errs, id) || !strings.Contains(errs, pick("already recorded", "al vastgelegd")) {
				t.Fatalf("duplicate: exit %d, stdout %q, stderr %q", code, out, errs)
			}
			code, _, errs = h.run("delegation", "add", "--platform", "P", "--grantee", "G", "--ends", "2026-11-28")
			if code != 2 || !strings.Contains(errs, "--allow-past") || !strings.Contains(errs, pick("2026-11-28", "28-11-2026")) ||
				!strings.Contains(errs, pick("has passed", "al voorbij")) {
				t.Fatalf("past end: exit %d, stderr %q", code, errs)
			}
			if !bytes.Equal(h.file("config.json"), before) {
				t.Fatal("a refused add changed config.json")
			}
			// Today is not past; --allow-past records an ended one.
			h.mustRun("delegation", "add", "--platform", "P", "--grantee", "Today", "--ends", "2026-11-29")
			h.mustRun("delegation", "add", "--platform", "P", "--grantee", "G", "--ends", "2026-11-28", "--allow-past")
			if n := len(h.list()); n != 3 {
				t.Fatalf("%d delegations, want 3", n)
			}
			text := h.mustRun("delegation", "list")
			if !strings.Contains(text, pick("2026-12-06", "06-12-2026")) || !strings.Contains(text, pick("DAYS LEFT", "DAGEN OVER")) {
				t.Errorf("list:\n%s", text)
			}
		})
	}
}

func TestDelegationRenewStartsANewPeriodByGranteeOrPlatform(t *testing.T) {
	h := newDelegationHome(t)
	smit := strings.TrimSpace(h.mustRun("delegation", "add", "--platform", "Invantive Cloud", "--grantee", "Smit", "--starts", "2026-09-07", "--ends", "2026-12-06"))
	jansen := strings.TrimSpace(h.mustRun("delegation", "add", "--platform", "Invantive Cloud", "--grantee", "Jansen", "--ends", "2026-12-20"))

	// By grantee, without dates: today (2026-11-29) + 90 days, and no
	// "longer than usual" note about its own default.
	code, out, errs := h.run("delegation", "renew", "smit")
	if code != 0 || errs != "" || !strings.Contains(out, smit) || !strings.Contains(out, "from 2026-11-29 to 2027-02-27") {
		t.Fatalf("renew by grantee: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	got := h.list()
	var renewed listedDelegation
	for _, d := range got {
		if d.ID == smit {
			renewed = d
		}
	}
	if renewed.Starts != "2026-11-29" || renewed.Ends != "2027-02-27" {
		t.Fatalf("renewed to %s – %s, want a new period from today", renewed.Starts, renewed.Ends)
	}

	// A given start: the end follows it.
	h.lang = "nl_NL.UTF-8"
	out = h.mustRun("delegation", "renew", "Jansen", "--starts", "01-12-2026")
	if !strings.Contains(out, "loopt nu van 01-12-2026 tot en met 01-03-2027") || !strings.Contains(out, jansen) {
		t.Fatalf("Dutch renew with --starts: %q", out)
	}
	// The platform is shared by both: ambiguous, in Dutch, naming the IDs.
	code, _, errs = h.run("delegation", "remove", "Invantive Cloud")
	if code != 1 || !strings.Contains(errs, "past bij 2 machtigingen") || !strings.Contains(errs, smit) || !strings.Contains(errs, jansen) {
		t.Fatalf("ambiguous remove: exit %d, stderr %q", code, errs)
	}
	code, _, errs = h.run("delegation", "renew", "jansen", "--starts", "2026-12-10", "--ends", "2026-12-01")
	if code != 2 || !strings.Contains(errs, "vóór de begindatum") {
		t.Fatalf("end before start: exit %d, stderr %q", code, errs)
	}
	code, _, errs = h.run("delegation", "remove", "Niemand")
	if code != 1 || !strings.Contains(errs, "geen machtiging \"Niemand\"") {
		t.Fatalf("unknown: exit %d, stderr %q", code, errs)
	}
	out = h.mustRun("delegation", "remove", "Smit")
	if !strings.Contains(out, "is verwijderd") {
		t.Fatalf("remove by grantee: %q", out)
	}
	if got := h.list(); len(got) != 1 || got[0].ID != jansen {
		t.Fatalf("after remove: %+v", got)
	}
}
