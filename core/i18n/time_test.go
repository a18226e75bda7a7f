package i18n

import (
	"errors"
	"testing"
	"time"
)

func TestTimePhrases(t *testing.T) {
	t.Cleanup(func() { SetLanguage("") })
	day := 24 * time.Hour
	tests := []struct {
		lang string
		got  func() string
		want string
	}{
		{"en", func() string { return Duration(0) }, "0 minutes"},
		{"en", func() string { return Duration(90 * time.Second) }, "1 minute"},
		{"nl", func() string { return Duration(59 * time.Minute) }, "59 minuten"},
		{"nl", func() string { return Duration(time.Hour) }, "1 uur"},
		{"en", func() string { return Duration(23*time.Hour + 59*time.Minute) }, "23 hours"},
		{"nl", func() string { return Duration(day) }, "1 dag"},
		{"en", func() string { return Duration(30 * day) }, "30 days"},
		{"en", func() string { return Ago(-time.Hour) }, "just now"},
		{"nl", func() string { return Ago(59 * time.Second) }, "zojuist"},
		{"nl", func() string { return Ago(2 * time.Hour) }, "2 uur geleden"},
		{"en", func() string { return Ago(3 * day) }, "3 days ago"},
		{"en", func() string { return InDays(-2) }, "today"},
		{"nl", func() string { return InDays(0) }, "vandaag"},
		{"nl", func() string { return InDays(1) }, "morgen"},
		{"en", func() string { return InDays(7) }, "in 7 days"},
		{"nl", func() string { return InDays(7) }, "over 7 dagen"},
		{"en", func() string { return Date(time.Date(2026, 3, 4, 23, 0, 0, 0, time.UTC)) }, "2026-03-04"},
		{"nl", func() string { return Date(time.Date(2026, 3, 4, 23, 0, 0, 0, time.UTC)) }, "04-03-2026"},
	}
	for _, tt := range tests {
		SetLanguage(tt.lang)
		if got := tt.got(); got != tt.want {
			t.Errorf("[%s] got %q, want %q", tt.lang, got, tt.want)
		}
	}
}

func TestParseAndFormatDate(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		lang, in string
		want     time.Time // zero: refused
	}{
		{"nl", "31-03-2026", day(2026, 3, 31)},
		{"nl", "4-3-2026", day(2026, 3, 4)},
		{"nl", "04-3-2026", day(2026, 3, 4)},
		{"nl", " 2026-03-31 ", day(2026, 3, 31)},
		{"nl-BE", "1-12-2026", day(2026, 12, 1)},
		{"nl", "31-02-2026", time.Time{}},
		{"nl", "31/03/2026", time.Time{}},
		{"nl", "31-03-26", time.Time{}},
		{"nl", "morgen", time.Time{}},
		{"en", "2026-03-31", day(2026, 3, 31)},
		{"en_GB.UTF-8", "2026-12-01", day(2026, 12, 1)},
		{"en", "31-03-2026", time.Time{}},
		{"en", "2026-02-30", time.Time{}},
		{"en", "", time.Time{}},
		{"fr", "2026-03-31", day(2026, 3, 31)}, // unknown languages are English
	}
	for _, tt := range tests {
		got, err := ParseDateIn(tt.lang, tt.in)
		if tt.want.IsZero() {
			if err == nil || !errors.Is(err, ErrNotADate) {
				t.Errorf("ParseDateIn(%q, %q) = %v, %v; want an ErrNotADate", tt.lang, tt.in, got, err)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseDateIn(%q, %q) = %v, %v; want %v", tt.lang, tt.in, got, err, tt.want)
		}
	}

	// The error names the format of its language, with an example in it.
	_, err := ParseDateIn("nl", "31-02-2026")
	if want := `"31-02-2026" is geen datum: gebruik dd-mm-jjjj, bijvoorbeeld 31-03-2026`; err == nil || err.Error() != want {
		t.Errorf("nl error = %v, want %q", err, want)
	}
	_, err = ParseDateIn("en", "31-03-2026")
	if want := `"31-03-2026" is not a date: use YYYY-MM-DD, for example 2026-03-31`; err == nil || err.Error() != want {
		t.Errorf("en error = %v, want %q", err, want)
	}

	// Display and entry agree: what FormatDateIn writes, ParseDateIn reads.
	for _, lang := range []string{"en", "nl"} {
		for _, d := range []time.Time{day(2026, 1, 2), day(2026, 12, 31), day(2028, 2, 29)} {
			s := FormatDateIn(lang, d)
			back, err := ParseDateIn(lang, s)
			if err != nil || !back.Equal(d) {
				t.Errorf("[%s] %v → %q → %v, %v", lang, d, s, back, err)
			}
		}
	}
	if got := FormatDateIn("nl", day(2026, 3, 4)); got != "04-03-2026" {
		t.Errorf("nl FormatDateIn = %q, want 04-03-2026", got)
	}
	if got := FormatDateIn("en", day(2026, 3, 4)); got != "2026-03-04" {
		t.Errorf("en FormatDateIn = %q, want 2026-03-04", got)
	}
	if DateHintIn("nl") != "dd-mm-jjjj" || DateHintIn("en") != "YYYY-MM-DD" {
		t.Errorf("hints: %q, %q", DateHintIn("nl"), DateHintIn("en"))
	}
}
