package i18n

import (
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
		{"nl", func() string { return Date(time.Date(2026, 3, 4, 23, 0, 0, 0, time.UTC)) }, "4-3-2026"},
	}
	for _, tt := range tests {
		SetLanguage(tt.lang)
		if got := tt.got(); got != tt.want {
			t.Errorf("[%s] got %q, want %q", tt.lang, got, tt.want)
		}
	}
}
