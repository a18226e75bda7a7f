package i18n

import (
	"fmt"
	"sort"
	"strings"
)

// A text's placeholders are {{.Name}}, nothing else: that is all the
// catalogue uses, and the package tests keep it so. A small expander of our
// own instead of text/template, because text/template's reflection keeps the
// linker from dropping unused methods: it made every program that speaks
// (the keeper, the command line) about 3 MB larger, paged in at each start.

// piece is a literal run of text, or, when field is set, a placeholder.
type piece struct {
	lit, field string
}

// parseText splits text into pieces; ok is false when a "{{" does not open
// a well-formed {{.Name}} (the text is then shown as written).
func parseText(text string) (ps []piece, ok bool) {
	for {
		i := strings.Index(text, "{{")
		if i < 0 {
			if text != "" {
				ps = append(ps, piece{lit: text})
			}
			return ps, true
		}
		if i > 0 {
			ps = append(ps, piece{lit: text[:i]})
		}
		j := strings.Index(text[i:], "}}")
		if j < 0 {
			return nil, false
		}
		name, isField := strings.CutPrefix(strings.TrimSpace(text[i+2:i+j]), ".")
		if !isField || !identifier(name) {
			return nil, false
		}
		ps = append(ps, piece{field: name})
		text = text[i+j+2:]
	}
}

// identifier reports whether s is a Go identifier of ASCII letters, digits
// and underscores, as a template field name is.
func identifier(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// fields lists the placeholder names of pieces, sorted and once each. The
// tests compare them across languages.
func fields(ps []piece) []string {
	set := map[string]bool{}
	for _, p := range ps {
		if p.field != "" {
			set[p.field] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// expand fills the placeholders from args, printed as fmt.Sprint prints
// them (text/template's way); a missing argument leaves an empty gap, and
// text in an argument is data, never expanded again.
func expand(ps []piece, args map[string]any) string {
	var b strings.Builder
	for _, p := range ps {
		if p.field == "" {
			b.WriteString(p.lit)
			continue
		}
		if v, ok := args[p.field]; ok && v != nil {
			fmt.Fprint(&b, v)
		}
	}
	return b.String()
}
