package gateway

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestPowerQueryRecipe makes the requests the README's Power Query snippet
// makes: its first page from the path it names, with its two headers, then
// every __next link exactly as given, until a page has none.
func TestPowerQueryRecipe(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "```m\n")
	snippet, _, ok2 := strings.Cut(after, "```")
	if !ok || !ok2 {
		t.Fatal("README has no ```m block")
	}
	for _, want := range []string{`Authorization = "Bearer " & Key`, `Accept = "application/json"`, `_[d][__next]`, `_[d][results]`} {
		if !strings.Contains(snippet, want) {
			t.Fatalf("the snippet no longer has %s; change this test with it", want)
		}
	}
	m := regexp.MustCompile(`GetPage\(Base & "([^"]+)"\)`).FindStringSubmatch(snippet)
	if m == nil {
		t.Fatal("the snippet's first page is not GetPage(Base & \"/api/v1/…\")")
	}
	w := newWorld(t, nil, nil, nil)
	key := w.cfg.addKey(t, "powerbi")
	headers := func(r *http.Request) { r.Header.Set("Accept", "application/json") }
	url := "http://127.0.0.1:" + w.port + m[1]
	rows := 0
	for pages := 0; url != ""; pages++ {
		a := w.call("GET", url, key, headers)
		if a.status != 200 {
			t.Fatalf("page %d (%s): %d %s", pages, url, a.status, a.raw)
		}
		d := a.json(t)["d"].(map[string]any)
		for _, r := range d["results"].([]any) {
			if r.(map[string]any)["Name"] == nil {
				t.Fatalf("row without Name: %v", r)
			}
			rows++
		}
		url, _ = d["__next"].(string)
		if pages > 10 {
			t.Fatal("paging does not end")
		}
	}
	if rows != 150 {
		t.Fatalf("%d rows, want all 150", rows)
	}
}
