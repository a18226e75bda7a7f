package platform

import (
	"os"
	"strings"
	"testing"
)

// The start-up entry and the menu entry address the owner formally ("uw",
// never "je") and speak of koppelingen, Exact's own word.
func TestDesktopEntriesSpeakFormalDutch(t *testing.T) {
	menu, err := os.ReadFile("../../packaging/linux/exactkeeper.desktop")
	if err != nil {
		t.Fatal(err)
	}
	for name, entry := range map[string]string{"autostart": string(DesktopEntry("/opt/exactkeeper", nil)), "menu": string(menu)} {
		var dutch []string
		for _, l := range strings.Split(entry, "\n") {
			if strings.Contains(l, "[nl]=") {
				dutch = append(dutch, l)
			}
		}
		if len(dutch) == 0 {
			t.Errorf("%s entry has no Dutch line", name)
		}
		for _, l := range dutch {
			low := " " + strings.ToLower(l) + " "
			for _, w := range []string{" je ", " jouw ", "login"} {
				if strings.Contains(low, w) {
					t.Errorf("%s entry: %q has %q", name, l, strings.TrimSpace(w))
				}
			}
		}
	}
}
