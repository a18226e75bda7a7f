package store

import (
	"encoding/json"
	"testing"
	"time"
)

func TestDurationJSON(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{`"720h"`, 720 * time.Hour, false},
		{`"720h0m0s"`, 720 * time.Hour, false},
		{`"1h30m"`, 90 * time.Minute, false},
		{`3600000000000`, time.Hour, false}, // nanoseconds, as a plain time.Duration would write
		{`"forever"`, 0, true},
		{`true`, 0, true},
		{`"24"`, 0, true},
	}
	for _, tt := range tests {
		var d Duration
		err := json.Unmarshal([]byte(tt.in), &d)
		if (err != nil) != tt.wantErr || (err == nil && time.Duration(d) != tt.want) {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v (error %v)", tt.in, time.Duration(d), err, tt.want, tt.wantErr)
		}
	}
	b, err := json.Marshal(Duration(720 * time.Hour))
	if err != nil || string(b) != `"720h0m0s"` {
		t.Errorf("Marshal = %s, %v", b, err)
	}
}

func TestDateJSON(t *testing.T) {
	tests := []struct {
		in      string
		want    Date
		wantErr bool
	}{
		{`"2026-03-31"`, Date{2026, time.March, 31}, false},
		{`"2028-02-29"`, Date{2028, time.February, 29}, false}, // leap year
		{`null`, Date{}, false},
		{`"2026-02-30"`, Date{}, true},
		{`"2027-02-29"`, Date{}, true},
		{`"2026-13-01"`, Date{}, true},
		{`"31-03-2026"`, Date{}, true},
		{`"2026-3-31"`, Date{}, true},
		{`20260331`, Date{}, true},
	}
	for _, tt := range tests {
		var d Date
		err := json.Unmarshal([]byte(tt.in), &d)
		if (err != nil) != tt.wantErr || d != tt.want {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v (error %v)", tt.in, d, err, tt.want, tt.wantErr)
		}
	}
	for _, tt := range []struct {
		d    Date
		want string
	}{
		{Date{2026, time.March, 1}, `"2026-03-01"`},
		{Date{}, `null`},
	} {
		b, err := json.Marshal(tt.d)
		if err != nil || string(b) != tt.want {
			t.Errorf("Marshal(%#v) = %s, %v; want %s", tt.d, b, err, tt.want)
		}
	}
	// Dates inside a struct survive a round trip, an unset one as null.
	in := Delegation{ID: "d", Starts: Date{}, Ends: Date{2026, time.December, 31}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Delegation
	if err := json.Unmarshal(b, &out); err != nil || out != in {
		t.Errorf("round trip of %s = %+v, %v", b, out, err)
	}
}

func TestDateArithmetic(t *testing.T) {
	d := Date{2026, time.March, 28}
	if got := d.AddDays(90); got != (Date{2026, time.June, 26}) {
		t.Errorf("AddDays(90) = %v", got)
	}
	// Across the DST change in Amsterdam (29 March 2026) a day is still a day.
	if got := d.DaysUntil(Date{2026, time.March, 30}); got != 2 {
		t.Errorf("DaysUntil = %d, want 2", got)
	}
	if got := d.DaysUntil(Date{2026, time.March, 27}); got != -1 {
		t.Errorf("DaysUntil backwards = %d, want -1", got)
	}
}
