package help

import (
	"os"
	"strings"
	"testing"
)

type recorder struct{ opened []string }

func (r *recorder) Open(url string) error { r.opened = append(r.opened, url); return nil }

func TestOpenShowsTheFAQ(t *testing.T) {
	var r recorder
	if err := Open(&r); err != nil {
		t.Fatal(err)
	}
	if len(r.opened) != 1 || r.opened[0] != "https://github.com/exactkeeper/exactkeeper#faq" {
		t.Fatalf("opened %v", r.opened)
	}
}

// The anchor the Help items open exists in the README, once, with the four
// questions the FAQ must answer.
func TestReadmeHasTheFAQ(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	if n := strings.Count(readme, "\n## FAQ\n"); n != 1 {
		t.Fatalf("README has %d '## FAQ' headings, want 1 (the #%s anchor)", n, Anchor)
	}
	faq := readme[strings.Index(readme, "\n## FAQ\n"):]
	if end := strings.Index(faq[1:], "\n## "); end > 0 {
		faq = faq[:end+1]
	}
	for _, topic := range []string{"### Moving to a new PC", "### What \"Remove\" does", "### Uninstalling", "keychain",
		"secret-tool clear service exactkeeper", "Credential Manager", "### Why two PCs or programs on the same login break each other"} {
		if !strings.Contains(faq, topic) {
			t.Errorf("the FAQ lacks %q", topic)
		}
	}
}
