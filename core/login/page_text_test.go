package login

import (
	"strings"
	"testing"
)

// Every page the browser can show has its own title and advice from the
// catalogue in both languages: no raw key, no English in a Dutch page, and
// "koppeling" rather than "login" in Dutch.
func TestEveryPageIsTranslated(t *testing.T) {
	for o, name := range outcomeNames {
		en := string(renderPage("en-GB", page{o: o}))
		nl := string(renderPage("nl-BE", page{o: o}))
		for _, pg := range []string{en, nl} {
			if strings.Contains(pg, "login.page.") {
				t.Errorf("%s: a raw catalogue key in the page:\n%s", name, pg)
			}
		}
		if !strings.Contains(nl, `<html lang="nl">`) || !strings.Contains(en, `<html lang="en">`) {
			t.Errorf("%s: lang attribute wrong", name)
		}
		if title := between(nl, `<h1 id="title" data-outcome="`+name+`">`, "</h1>"); title == "" || title == between(en, `data-outcome="`+name+`">`, "</h1>") {
			t.Errorf("%s: the Dutch title %q is missing or English", name, title)
		}
		if advice := between(nl, `<p id="advice">`, "</p>"); advice == "" || advice == between(en, `<p id="advice">`, "</p>") || strings.Contains(advice, "login") {
			t.Errorf("%s: the Dutch advice %q is missing, English, or says login", name, advice)
		}
	}
	p := string(renderPage("nl", page{o: outcomeDenied, said: "access_denied"}))
	if !strings.Contains(p, "Exact Online meldde: “access_denied”") {
		t.Errorf("Exact's words are not quoted in Dutch:\n%s", p)
	}
}

func between(s, from, to string) string {
	_, after, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	in, _, _ := strings.Cut(after, to)
	return in
}
