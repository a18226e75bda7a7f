package dashboard

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/exactkeeper/exactkeeper/core/i18n"
)

// A date field shows and takes the app's language's format, whatever the
// system's region: dd-mm-jjjj (also d-m-jjjj and ISO) in Dutch, ISO in
// English.
func TestDateFieldFollowsTheAppLanguage(t *testing.T) {
	test.NewTempApp(t)
	defer i18n.SetLanguage("en")
	day := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		lang, shown string
		typed       map[string]bool // text → is a date
	}{
		{"nl", "05-03-2026", map[string]bool{"5-3-2026": true, "2026-03-05": true, "03/05/2026": false, "31-02-2026": false}},
		{"en", "2026-03-05", map[string]bool{"2026-03-05": true, "05-03-2026": false, "03/05/2026": false}},
	} {
		i18n.SetLanguage(tt.lang)
		f := newDateField()
		f.SetDate(&day)
		if f.Text != tt.shown || f.Date == nil || !f.Date.Equal(day) {
			t.Errorf("%s: shows %q (date %v), want %q", tt.lang, f.Text, f.Date, tt.shown)
		}
		if f.PlaceHolder != i18n.DateHint() {
			t.Errorf("%s: placeholder %q", tt.lang, f.PlaceHolder)
		}
		var told *time.Time
		f.OnChanged = func(d *time.Time) { told = d }
		for text, ok := range tt.typed {
			f.SetText("")
			told = nil
			f.SetText(text)
			got, invalid := readDate(f)
			if invalid == ok || (ok && (told == nil || !got.In(time.UTC).Equal(day))) {
				t.Errorf("%s: %q read as %v (invalid %v, told %v); a date: %v", tt.lang, text, got, invalid, told, ok)
			}
		}
		f.SetText("")
		if _, invalid := readDate(f); invalid || f.Date != nil {
			t.Errorf("%s: an empty field is not 'no date'", tt.lang)
		}
	}
}
