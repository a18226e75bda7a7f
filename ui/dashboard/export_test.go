package dashboard

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/exactkeeper/exactkeeper/core/store"
)

// "Export to calendar" writes the file into the Downloads folder under a
// name in the owner's language, without Fyne's file dialog (whose folder
// names it cannot translate), says where it is, and opens it on request.
func TestExportToCalendar(t *testing.T) {
	for _, tt := range []struct{ lang, file, says string }{
		{"en", "exactkeeper-delegations.ics", "The end dates of your delegations are in"},
		{"nl", "exactkeeper-machtigingen.ics", "De einddatums van uw machtigingen staan in"},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			f := newFake()
			f.settings.Language = tt.lang
			f.dels = []store.Delegation{{ID: "d1", Platform: "Invantive Cloud", Grantee: "Kantoor Smit", Ends: store.DateOf(fixedNow).AddDays(30)}}
			dir := t.TempDir()
			var opened []string
			h := start(t, f, Options{exportDir: dir, openURL: func(u *url.URL) error {
				opened = append(opened, u.String())
				return nil
			}})
			h.d.exportDialog()
			h.settle()
			path := filepath.Join(dir, tt.file)
			data, err := os.ReadFile(path)
			if err != nil || !strings.Contains(string(data), "BEGIN:VCALENDAR") {
				t.Fatalf("%s: %v, %q", path, err, data)
			}
			od := h.d.dlg
			if od == nil {
				t.Fatal("no dialog says where the file is")
			}
			shown := false
			for _, o := range test.LaidOutObjects(h.d.win.Canvas().Overlays().Top()) {
				if l, ok := o.(*widget.Label); ok && strings.Contains(l.Text, tt.says) && strings.Contains(l.Text, path) {
					shown = true
				}
			}
			if !shown || od.dismiss.Text != map[string]string{"en": "Close", "nl": "Sluiten"}[tt.lang] {
				t.Errorf("the dialog does not say where the file is (%q, %v)", od.dismiss.Text, shown)
			}
			test.Tap(od.confirm)
			if len(opened) != 1 || !strings.HasPrefix(opened[0], "file://") || !strings.HasSuffix(opened[0], tt.file) {
				t.Fatalf("opened %v, want the file", opened)
			}
		})
	}
}
