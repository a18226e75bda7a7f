package login

import (
	"strings"
	"testing"
)

// Exact's error_description and the user's and company's names reach the
// page: every value is escaped, in element text and in attributes alike.
func TestPageEscapesEveryValue(t *testing.T) {
	evil := `<script>alert(1)</script>" onload="x' &`
	got := string(renderPage("en", page{o: outcomeDenied, said: evil, who: evil, refresh: evil}))
	if strings.Contains(got, "<script>") || strings.Contains(got, `" onload="x`) {
		t.Fatalf("a value came through unescaped:\n%s", got)
	}
	want := `&lt;script&gt;alert(1)&lt;/script&gt;&#34; onload=&#34;x&#39; &amp;`
	if n := strings.Count(got, want); n != 3 {
		t.Errorf("escaped value found %d times, want 3 (said, who, refresh):\n%s", n, got)
	}
	for _, part := range []string{`<html lang="en">`, `data-outcome="denied"`, `<p id="said">`, `<p id="who">`, `<meta http-equiv="refresh" content="1;url=`} {
		if !strings.Contains(got, part) {
			t.Errorf("page lacks %s:\n%s", part, got)
		}
	}
	plain := string(renderPage("nl", page{o: outcomeOK}))
	for _, absent := range []string{`id="who"`, `id="said"`, `http-equiv`} {
		if strings.Contains(plain, absent) {
			t.Errorf("a page without that value still has %s:\n%s", absent, plain)
		}
	}
}
