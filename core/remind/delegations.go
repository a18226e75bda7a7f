package remind

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/exactkeeper/exactkeeper/core/store"
)

// UsualMaxDays is the longest delegation platforms such as Invantive Cloud
// usually grant.
const UsualMaxDays = 90

// ErrUnknownDelegation is returned (wrapped) for an ID that names no delegation.
var ErrUnknownDelegation = errors.New("no such delegation")

// ErrDuplicate is returned (wrapped in a *DuplicateError) by Add for a
// record that is already kept: same platform, grantee, environment and dates.
var ErrDuplicate = errors.New("this delegation is already recorded")

// ErrAmbiguous is returned (wrapped in an *AmbiguousError) by Find for a
// grantee or platform that more than one delegation has.
var ErrAmbiguous = errors.New("more than one delegation matches")

// DuplicateError names the record that is already kept.
type DuplicateError struct{ Existing store.Delegation }

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("%s with these dates is already recorded as %s", DelegationName(e.Existing), e.Existing.ID)
}
func (e *DuplicateError) Unwrap() error { return ErrDuplicate }

// AmbiguousError lists the delegations a reference matched.
type AmbiguousError struct {
	Ref     string
	Matches []store.Delegation
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%q matches %d delegations: use the ID, one of %s", e.Ref, len(e.Matches), strings.Join(e.IDs(), ", "))
}
func (e *AmbiguousError) Unwrap() error { return ErrAmbiguous }

// IDs are the matches' IDs.
func (e *AmbiguousError) IDs() []string {
	ids := make([]string, len(e.Matches))
	for i, d := range e.Matches {
		ids[i] = d.ID
	}
	return ids
}

// Validate checks a delegation record before it is stored.
func Validate(d store.Delegation) error {
	switch {
	case strings.TrimSpace(d.Platform) == "":
		return errors.New("the platform is missing: say where the delegation was granted, for example Invantive Cloud")
	case strings.TrimSpace(d.Grantee) == "":
		return errors.New("the grantee is missing: say who received the delegation, for example the accounting office")
	case d.Ends.IsZero():
		return errors.New("the end date is missing: give the last day of the delegation as YYYY-MM-DD")
	case !d.Starts.IsZero() && d.Starts.DaysUntil(d.Ends) < 0:
		return fmt.Errorf("the end date %s is before the start date %s: give an end date on or after the start", d.Ends, d.Starts)
	}
	return nil
}

// LongerThanUsual reports whether the delegation runs more than the usual 90
// days, counted from its start or, without one, from today (local).
func LongerThanUsual(d store.Delegation) bool {
	return LongerThanUsualAt(d, store.DateOf(time.Now()))
}

// LongerThanUsualAt is LongerThanUsual with "today" given.
func LongerThanUsualAt(d store.Delegation, today store.Date) bool {
	if d.Ends.IsZero() {
		return false
	}
	from := d.Starts
	if from.IsZero() {
		from = today
	}
	return from.DaysUntil(d.Ends) > UsualMaxDays
}

// Add validates d, gives it a new ID and appends it to cfg. A ConnectionID,
// when set, must name a configured connection.
func Add(cfg *store.Config, d store.Delegation) (store.Delegation, error) {
	d.Platform, d.Grantee = strings.TrimSpace(d.Platform), strings.TrimSpace(d.Grantee)
	if err := Validate(d); err != nil {
		return store.Delegation{}, err
	}
	if d.ConnectionID != "" && !hasConnection(cfg, d.ConnectionID) {
		return store.Delegation{}, fmt.Errorf("no connection with ID %q: link the delegation to one of the configured connections", d.ConnectionID)
	}
	if dup := Duplicate(cfg, d); dup != nil {
		return store.Delegation{}, &DuplicateError{Existing: *dup}
	}
	id, err := newID(cfg)
	if err != nil {
		return store.Delegation{}, err
	}
	d.ID = id
	cfg.Delegations = append(cfg.Delegations, d)
	return d, nil
}

// Duplicate returns the kept delegation d repeats (same platform and
// grantee, ignoring case and spacing, same environment and dates), or nil.
func Duplicate(cfg *store.Config, d store.Delegation) *store.Delegation {
	same := func(a, b string) bool {
		return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
	}
	for i, o := range cfg.Delegations {
		if o.ID != d.ID && same(o.Platform, d.Platform) && same(o.Grantee, d.Grantee) && same(o.Environment, d.Environment) &&
			o.Starts == d.Starts && o.Ends == d.Ends {
			return &cfg.Delegations[i]
		}
	}
	return nil
}

// Find returns the ID of the delegation ref names: its ID, or else its
// grantee or its platform (ignoring case) when only one delegation has it.
func Find(cfg *store.Config, ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if cfg.Delegation(ref) != nil {
		return ref, nil
	}
	for _, field := range []func(store.Delegation) string{
		func(d store.Delegation) string { return d.Grantee },
		func(d store.Delegation) string { return d.Platform },
		DelegationName,
	} {
		var found []store.Delegation
		for _, d := range cfg.Delegations {
			if strings.EqualFold(strings.TrimSpace(field(d)), ref) {
				found = append(found, d)
			}
		}
		switch {
		case len(found) == 1:
			return found[0].ID, nil
		case len(found) > 1:
			return "", &AmbiguousError{Ref: ref, Matches: found}
		}
	}
	_, err := find(cfg, ref)
	return "", err
}

// RenewPeriod starts a new grant period: the delegation now runs from
// starts to ends. A renewal is a new grant on the platform, so the usual
// 90 days count from its new start.
func RenewPeriod(cfg *store.Config, id string, starts, ends store.Date) error {
	i, err := find(cfg, id)
	if err != nil {
		return err
	}
	d := cfg.Delegations[i]
	d.Starts, d.Ends = starts, ends
	if err := Validate(d); err != nil {
		return err
	}
	cfg.Delegations[i] = d
	return nil
}

// Renew sets a new end date on the delegation with this ID, keeping its
// start; RenewPeriod also starts a new period.
func Renew(cfg *store.Config, id string, ends store.Date) error {
	i, err := find(cfg, id)
	if err != nil {
		return err
	}
	d := cfg.Delegations[i]
	d.Ends = ends
	if err := Validate(d); err != nil {
		return err
	}
	cfg.Delegations[i] = d
	return nil
}

// Remove deletes the delegation with this ID.
func Remove(cfg *store.Config, id string) error {
	i, err := find(cfg, id)
	if err != nil {
		return err
	}
	cfg.Delegations = append(cfg.Delegations[:i:i], cfg.Delegations[i+1:]...)
	return nil
}

// SortByEnd orders delegations by end date, soonest first; ties by
// platform, grantee and ID so lists do not shuffle.
func SortByEnd(dels []store.Delegation) {
	sort.SliceStable(dels, func(i, j int) bool {
		a, b := dels[i], dels[j]
		if n := a.Ends.DaysUntil(b.Ends); n != 0 && !a.Ends.IsZero() && !b.Ends.IsZero() {
			return n > 0
		}
		if a.Ends.IsZero() != b.Ends.IsZero() {
			return b.Ends.IsZero() // undated ones last
		}
		if a.Platform != b.Platform {
			return a.Platform < b.Platform
		}
		if a.Grantee != b.Grantee {
			return a.Grantee < b.Grantee
		}
		return a.ID < b.ID
	})
}

func find(cfg *store.Config, id string) (int, error) {
	for i, d := range cfg.Delegations {
		if d.ID == id {
			return i, nil
		}
	}
	if len(cfg.Delegations) == 0 {
		return -1, fmt.Errorf("%w %q: there are no delegations yet", ErrUnknownDelegation, id)
	}
	ids := make([]string, len(cfg.Delegations))
	for i, d := range cfg.Delegations {
		ids[i] = d.ID
	}
	return -1, fmt.Errorf("%w %q: the known IDs are %s", ErrUnknownDelegation, id, strings.Join(ids, ", "))
}

func hasConnection(cfg *store.Config, id string) bool {
	for _, c := range cfg.Connections {
		if c.ID == id {
			return true
		}
	}
	return false
}

// newID returns store.NewID, unique in cfg even in the unlikely case of a
// collision.
func newID(cfg *store.Config) (string, error) {
	for range 10 {
		if id := store.NewID(); cfg.Delegation(id) == nil {
			return id, nil
		}
	}
	return "", errors.New("could not make a unique delegation ID; try again")
}
