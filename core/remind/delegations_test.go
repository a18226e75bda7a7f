package remind

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/exactkeeper/exactkeeper/core/store"
)

func TestValidate(t *testing.T) {
	ok := store.Delegation{Platform: "Invantive Cloud", Grantee: "Smit", Starts: date("2026-01-01"), Ends: date("2026-03-31")}
	tests := []struct {
		name    string
		edit    func(*store.Delegation)
		wantErr string // a word the sentence must contain; "" means valid
	}{
		{"valid", func(*store.Delegation) {}, ""},
		{"no start", func(d *store.Delegation) { d.Starts = store.Date{} }, ""},
		{"one day", func(d *store.Delegation) { d.Ends = d.Starts }, ""},
		{"no platform", func(d *store.Delegation) { d.Platform = "  " }, "platform"},
		{"no grantee", func(d *store.Delegation) { d.Grantee = "" }, "grantee"},
		{"no end", func(d *store.Delegation) { d.Ends = store.Date{} }, "end date"},
		{"end before start", func(d *store.Delegation) { d.Ends = date("2025-12-31") }, "before the start"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := ok
			tc.edit(&d)
			err := Validate(d)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Validate = %v, want an error about %s", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

func TestLongerThanUsual(t *testing.T) {
	today := date("2026-11-01")
	tests := []struct {
		starts, ends string
		want         bool
	}{
		{"2026-11-01", "2027-01-30", false}, // exactly 90 days
		{"2026-11-01", "2027-01-31", true},
		{"", "2027-01-30", false}, // from today
		{"", "2027-01-31", true},
		{"2026-01-01", "2026-12-31", true},
		{"", "", false},
	}
	for _, tc := range tests {
		var d store.Delegation
		if tc.starts != "" {
			d.Starts = date(tc.starts)
		}
		if tc.ends != "" {
			d.Ends = date(tc.ends)
		}
		if got := LongerThanUsualAt(d, today); got != tc.want {
			t.Errorf("%s..%s: %v, want %v", tc.starts, tc.ends, got, tc.want)
		}
	}
}

func TestAddRenewRemove(t *testing.T) {
	cfg := &store.Config{Connections: []store.Connection{{ID: "c1", Name: "Bakkerij"}}}
	a, err := Add(cfg, store.Delegation{Platform: " Invantive Cloud ", Grantee: "Smit", Ends: date("2026-12-06"), ConnectionID: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{12}$`).MatchString(a.ID) || a.Platform != "Invantive Cloud" {
		t.Errorf("added %+v", a)
	}
	b, err := Add(cfg, store.Delegation{Platform: "P", Grantee: "G", Ends: date("2026-10-01")})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == b.ID || len(cfg.Delegations) != 2 {
		t.Fatalf("IDs %s %s, %d delegations", a.ID, b.ID, len(cfg.Delegations))
	}
	if _, err := Add(cfg, store.Delegation{Platform: "P", Grantee: "G", Ends: date("2026-10-01"), ConnectionID: "nope"}); err == nil {
		t.Error("Add accepted an unknown connection")
	}
	if _, err := Add(cfg, store.Delegation{Platform: "P", Ends: date("2026-10-01")}); err == nil {
		t.Error("Add accepted a delegation without grantee")
	}
	if len(cfg.Delegations) != 2 {
		t.Fatalf("failed Adds changed the config: %d delegations", len(cfg.Delegations))
	}

	if err := Renew(cfg, a.ID, date("2027-03-06")); err != nil {
		t.Fatal(err)
	}
	if cfg.Delegations[0].Ends != date("2027-03-06") {
		t.Errorf("renewed end %v", cfg.Delegations[0].Ends)
	}
	cfg.Delegations[1].Starts = date("2026-09-01")
	if err := Renew(cfg, b.ID, date("2026-08-01")); err == nil || cfg.Delegations[1].Ends != date("2026-10-01") {
		t.Errorf("Renew before the start: err %v, end %v", err, cfg.Delegations[1].Ends)
	}

	err = Renew(cfg, "dffffff", date("2027-01-01"))
	if !errors.Is(err, ErrUnknownDelegation) || !strings.Contains(err.Error(), a.ID) || !strings.Contains(err.Error(), b.ID) {
		t.Errorf("unknown ID error %q should name the known IDs", err)
	}
	if err := Remove(cfg, "dffffff"); !errors.Is(err, ErrUnknownDelegation) {
		t.Errorf("Remove unknown: %v", err)
	}
	if err := Remove(cfg, a.ID); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Delegations) != 1 || cfg.Delegations[0].ID != b.ID {
		t.Errorf("after remove: %+v", cfg.Delegations)
	}
	if err := Remove(cfg, b.ID); err != nil {
		t.Fatal(err)
	}
	if err := Remove(cfg, b.ID); err == nil || !strings.Contains(err.Error(), "no delegations yet") {
		t.Errorf("Remove from empty: %v", err)
	}
}

func TestSortByEnd(t *testing.T) {
	dels := []store.Delegation{
		{ID: "a", Platform: "P", Grantee: "B", Ends: date("2026-12-06")},
		{ID: "b", Platform: "P", Grantee: "Z"},
		{ID: "c", Platform: "P", Grantee: "A", Ends: date("2026-12-06")},
		{ID: "d", Platform: "P", Grantee: "A", Ends: date("2026-01-06")},
		{ID: "e", Platform: "P", Grantee: "A", Ends: date("2027-01-01")},
	}
	SortByEnd(dels)
	var got []string
	for _, d := range dels {
		got = append(got, d.ID)
	}
	if want := "d c a e b"; strings.Join(got, " ") != want {
		t.Errorf("order %v, want %s", got, want)
	}
}

func TestAddRefusesExactDuplicates(t *testing.T) {
	cfg := &store.Config{}
	d := store.Delegation{Platform: "Invantive Cloud", Grantee: "Smit", Starts: date("2026-01-01"), Ends: date("2026-03-31")}
	first, err := Add(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	again := d
	again.Platform, again.Grantee = " invantive  cloud", "SMIT "
	_, err = Add(cfg, again)
	var de *DuplicateError
	if !errors.Is(err, ErrDuplicate) || !errors.As(err, &de) || de.Existing.ID != first.ID {
		t.Fatalf("Add of the same record = %v, want ErrDuplicate naming %s", err, first.ID)
	}
	// Another period or another environment is another record.
	other := d
	other.Ends = date("2026-04-01")
	if _, err := Add(cfg, other); err != nil {
		t.Fatalf("other end date refused: %v", err)
	}
	other = d
	other.Environment = "Productie"
	if _, err := Add(cfg, other); err != nil {
		t.Fatalf("other environment refused: %v", err)
	}
	if len(cfg.Delegations) != 3 {
		t.Fatalf("%d records, want 3", len(cfg.Delegations))
	}
}

func TestFindByGranteeOrPlatform(t *testing.T) {
	cfg := &store.Config{Delegations: []store.Delegation{
		{ID: "a1", Platform: "Invantive Cloud", Grantee: "Smit", Ends: date("2026-03-31")},
		{ID: "b2", Platform: "Invantive Cloud", Grantee: "Jansen", Ends: date("2026-03-31")},
		{ID: "c3", Platform: "Twinfield Sync", Grantee: "Jansen", Ends: date("2026-03-31")},
	}}
	for ref, want := range map[string]string{"a1": "a1", "smit": "a1", "Twinfield Sync": "c3", "Invantive Cloud → Jansen": "b2"} {
		if got, err := Find(cfg, ref); err != nil || got != want {
			t.Errorf("Find(%q) = %q, %v; want %s", ref, got, err, want)
		}
	}
	_, err := Find(cfg, "Jansen")
	var ae *AmbiguousError
	if !errors.As(err, &ae) || strings.Join(ae.IDs(), ",") != "b2,c3" {
		t.Errorf("Find(Jansen) = %v, want ambiguous b2, c3", err)
	}
	if _, err := Find(cfg, "invantive cloud"); !errors.Is(err, ErrAmbiguous) {
		t.Errorf("Find(platform of two) = %v, want ambiguous", err)
	}
	if _, err := Find(cfg, "Nobody"); !errors.Is(err, ErrUnknownDelegation) {
		t.Errorf("Find(Nobody) = %v", err)
	}
}

func TestRenewPeriodStartsANewPeriod(t *testing.T) {
	cfg := &store.Config{Delegations: []store.Delegation{
		{ID: "a1", Platform: "Invantive Cloud", Grantee: "Smit", Starts: date("2026-01-01"), Ends: date("2026-03-31")}}}
	today := date("2026-03-30")
	if err := RenewPeriod(cfg, "a1", today, today.AddDays(UsualMaxDays)); err != nil {
		t.Fatal(err)
	}
	d := cfg.Delegations[0]
	if d.Starts != today || d.Ends != date("2026-06-28") {
		t.Fatalf("renewed to %s – %s", d.Starts, d.Ends)
	}
	// Its own default is within the usual maximum: no warning.
	if LongerThanUsualAt(d, today) {
		t.Error("the default renewal counts as longer than usual")
	}
	if err := RenewPeriod(cfg, "a1", today, date("2026-03-01")); err == nil {
		t.Error("an end before the new start was accepted")
	}
}
