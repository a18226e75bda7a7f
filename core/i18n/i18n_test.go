package i18n

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"text/template"

	"github.com/exactkeeper/exactkeeper/assets"
)

func mustLoad(t *testing.T) *catalogue {
	t.Helper()
	c, err := load(assets.FS, root)
	if err != nil {
		t.Fatalf("the embedded catalogue does not load: %v", err)
	}
	return c
}

// placeholders lists the {{.Field}} names a text uses; anything else
// between {{ and }} fails the test, since Tf would show it as written.
func placeholders(t *testing.T, key, text string) []string {
	t.Helper()
	ps, ok := parseText(text)
	if !ok {
		t.Errorf("%s: a {{…}} that is not a {{.Name}} placeholder: %q", key, text)
		return nil
	}
	return fields(ps)
}

// Every text of the catalogue comes out of Tf as text/template, which
// earlier versions used, made it: same placeholders, same printing of
// strings, numbers, errors and missing arguments.
func TestExpandIsTextTemplate(t *testing.T) {
	c := mustLoad(t)
	for lang, texts := range c.texts {
		for key, text := range texts {
			ps, ok := parseText(text)
			if !ok {
				t.Errorf("%s/%s: not made of {{.Name}} placeholders: %q", lang, key, text)
				continue
			}
			args := map[string]any{}
			for i, f := range fields(ps) {
				switch i % 3 {
				case 0:
					args[f] = "<a & \"b\">"
				case 1:
					args[f] = 42
				default:
					args[f] = errors.New("boom")
				}
			}
			tm := template.Must(template.New(key).Parse(text))
			var want strings.Builder
			if err := tm.Execute(&want, args); err != nil {
				t.Fatalf("%s/%s: %v", lang, key, err)
			}
			if got := expand(ps, args); got != want.String() {
				t.Errorf("%s/%s: expand = %q, text/template = %q", lang, key, got, want.String())
			}
		}
	}
}

func TestEmbeddedCatalogueIsComplete(t *testing.T) {
	c := mustLoad(t)
	if got := c.languages(); !reflect.DeepEqual(got, []string{"en", "nl"}) {
		t.Fatalf("languages = %v, want [en nl]", got)
	}
	en, nl := c.texts["en"], c.texts["nl"]
	for k, v := range en {
		w, ok := nl[k]
		if !ok {
			t.Errorf("key %q is in en but missing in nl", k)
			continue
		}
		if pe, pn := placeholders(t, k, v), placeholders(t, k, w); !reflect.DeepEqual(pe, pn) {
			t.Errorf("key %q: en uses placeholders %v, nl uses %v", k, pe, pn)
		}
		if strings.TrimSpace(w) == "" || strings.TrimSpace(v) == "" {
			t.Errorf("key %q has an empty text", k)
		}
	}
	for k := range nl {
		if _, ok := en[k]; !ok {
			t.Errorf("key %q is in nl but missing in en", k)
		}
	}
	// Plural pairs must be complete, or Plural shows a raw key for one count.
	for k := range en {
		base, ok := strings.CutSuffix(k, ".one")
		if ok {
			if _, has := en[base+".other"]; !has {
				t.Errorf("key %q has no %s.other", k, base)
			}
		}
	}
}

func TestLoadRejectsBadFiles(t *testing.T) {
	good := &fstest.MapFile{Data: []byte(`{"a": "A"}`)}
	tests := []struct {
		name  string
		files fstest.MapFS
		want  string
	}{
		{"duplicate across files", fstest.MapFS{
			"tr/en.json":           good,
			"tr/dashboard/en.json": {Data: []byte(`{"b": "B", "a": "again"}`)},
		}, `"a" is in both`},
		{"duplicate in one file", fstest.MapFS{
			"tr/en.json": {Data: []byte(`{"a": "A", "a": "B"}`)},
		}, `"a" appears twice`},
		{"nested value", fstest.MapFS{
			"tr/en.json": {Data: []byte(`{"a": {"one": "x"}}`)},
		}, "flat JSON"},
		{"not JSON", fstest.MapFS{
			"tr/en.json": {Data: []byte(`{"a": "A",`)},
		}, "tr/en.json"},
		{"trailing data", fstest.MapFS{
			"tr/en.json": {Data: []byte(`{"a": "A"} {}`)},
		}, "trailing"},
		{"no English", fstest.MapFS{
			"tr/nl.json": good,
		}, "English catalogue is required"},
		{"no directory", fstest.MapFS{}, "tr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(tt.files, "tr")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("load error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestLoadSameKeyInTwoLanguagesIsFine(t *testing.T) {
	c, err := load(fstest.MapFS{
		"tr/en.json":           {Data: []byte(`{"a": "A"}`)},
		"tr/nl.json":           {Data: []byte(`{"a": "Aa"}`)},
		"tr/dashboard/nl.json": {Data: []byte(`{"b": "Bb"}`)},
		"tr/README.md":         {Data: []byte(`not a catalogue`)},
	}, "tr")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.text("nl", "b"); got != "Bb" {
		t.Errorf("nl b = %q, want Bb", got)
	}
	if got := c.text("nl", "zzz"); got != "zzz" {
		t.Errorf("a missing key should show as itself, got %q", got)
	}
}

func TestMatch(t *testing.T) {
	c := mustLoad(t)
	tests := []struct {
		wanted []string
		want   string
	}{
		{[]string{"nl_NL.UTF-8"}, "nl"},
		{[]string{"nl_BE"}, "nl"},
		{[]string{"nl-BE"}, "nl"},
		{[]string{"NL"}, "nl"},
		{[]string{"en_US.UTF-8"}, "en"},
		{[]string{"de_DE.UTF-8"}, "en"},
		{[]string{"de", "nl"}, "nl"},
		{[]string{"fr_BE@euro", "en_GB"}, "en"},
		{nil, "en"},
		{[]string{""}, "en"},
	}
	for _, tt := range tests {
		if got := match(c, tt.wanted); got != tt.want {
			t.Errorf("match(%q) = %q, want %q", tt.wanted, got, tt.want)
		}
	}
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"LANG only", map[string]string{"LANG": "nl_NL.UTF-8"}, []string{"nl_NL.UTF-8"}},
		{"LC_ALL wins", map[string]string{"LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "nl_BE", "LANG": "nl_NL"}, []string{"en_US.UTF-8"}},
		{"LC_MESSAGES before LANG", map[string]string{"LC_MESSAGES": "nl_BE", "LANG": "en_GB"}, []string{"nl_BE"}},
		{"LANGUAGE list first", map[string]string{"LANGUAGE": "nl:de", "LANG": "en_US.UTF-8"}, []string{"nl", "de", "en_US.UTF-8"}},
		{"C disables LANGUAGE", map[string]string{"LANGUAGE": "nl", "LC_ALL": "C"}, nil},
		{"C.UTF-8 too", map[string]string{"LANGUAGE": "nl", "LANG": "C.UTF-8"}, nil},
		{"nothing set", map[string]string{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fromEnv(func(k string) string { return tt.env[k] })
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("fromEnv = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTextsInBothLanguages(t *testing.T) {
	t.Cleanup(func() { SetLanguage("") })
	tests := []struct {
		lang string
		got  func() string
		want string
	}{
		{"en", func() string { return T("tray.quit") }, "Quit"},
		{"nl", func() string { return T("tray.quit") }, "Afsluiten"},
		{"en", func() string { return Tf("tray.reconnect", map[string]any{"Name": "Bakkerij De Jong"}) }, "Reconnect Bakkerij De Jong…"},
		{"nl", func() string { return Tf("tray.reconnect", map[string]any{"Name": "Bakkerij De Jong"}) }, "Opnieuw verbinden met Bakkerij De Jong…"},
		{"en", func() string { return Plural("time.days", 1, nil) }, "1 day"},
		{"en", func() string { return Plural("time.days", 3, nil) }, "3 days"},
		{"nl", func() string { return Plural("time.days", 1, nil) }, "1 dag"},
		{"nl", func() string { return Plural("time.days", 3, nil) }, "3 dagen"},
		{"nl", func() string { return Plural("time.days", 0, nil) }, "0 dagen"},
		{"nl", func() string { return T("no.such.key") }, "no.such.key"},
		// A caller forgetting an argument gets an empty gap, not "<no value>".
		{"en", func() string { return Tf("tray.reconnect", nil) }, "Reconnect …"},
		// Template syntax in an argument is data, not a template.
		{"en", func() string { return Tf("tray.reconnect", map[string]any{"Name": "{{.X}}"}) }, "Reconnect {{.X}}…"},
	}
	for _, tt := range tests {
		SetLanguage(tt.lang)
		if got := tt.got(); got != tt.want {
			t.Errorf("[%s] got %q, want %q", tt.lang, got, tt.want)
		}
	}
}

func TestSetLanguage(t *testing.T) {
	t.Cleanup(func() { SetLanguage("") })
	for tag, want := range map[string]string{"nl": "nl", "nl-BE": "nl", "en": "en", "fr": "en", "xx_YY.UTF-8": "en"} {
		SetLanguage(tag)
		if got := Language(); got != want {
			t.Errorf("SetLanguage(%q): Language() = %q, want %q", tag, got, want)
		}
	}
}

// The parity test relies on fields finding every placeholder; anything but
// {{.Name}} is refused.
func TestFields(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"plain", []string{}},
		{"{{.Name}}: {{.Ago}}", []string{"Ago", "Name"}},
		{"{{.N}} {{.N}}", []string{"N"}},
		{"{{ .Spaced }} and {{.Under_score1}}", []string{"Spaced", "Under_score1"}},
		{"no {{ placeholders }} here", nil},
		{"{{if .X}}{{.Y}}{{end}}", nil},
		{"{{printf \"%d\" .N}}", nil},
		{"{{.}}", nil},
		{"{{.1N}}", nil},
		{"{{.A.B}}", nil},
		{"open {{.N", nil},
	}
	for _, tt := range tests {
		ps, ok := parseText(tt.text)
		if ok != (tt.want != nil) {
			t.Errorf("parseText(%q): ok = %v, want %v", tt.text, ok, tt.want != nil)
			continue
		}
		if got := fields(ps); ok && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("fields(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

// A text whose {{…}} is not a placeholder is shown as written, not half
// expanded.
func TestBrokenTextShownAsWritten(t *testing.T) {
	c := &catalogue{texts: map[string]map[string]string{"en": {"k": "Hi {{if .X}}there{{end}}"}}}
	if got := c.format("en", "k", map[string]any{"X": true}); got != "Hi {{if .X}}there{{end}}" {
		t.Errorf("format = %q", got)
	}
}

// TIn and friends answer in the language asked for, whatever the current
// one: the login page follows the browser, the CLI its environment.
func TestInALanguageOtherThanTheCurrent(t *testing.T) {
	SetLanguage("en")
	t.Cleanup(func() { SetLanguage("") })
	if got := TIn("nl-BE", "time.today"); got != "vandaag" {
		t.Errorf("TIn(nl-BE) = %q", got)
	}
	if got := TfIn("nl_NL.UTF-8", "time.ago", map[string]any{"Duration": "2 uur"}); got != "2 uur geleden" {
		t.Errorf("TfIn(nl) = %q", got)
	}
	if got := PluralIn("nl", "time.days", 3, nil); got != "3 dagen" {
		t.Errorf("PluralIn(nl) = %q", got)
	}
	if got := TIn("fr", "time.today"); got != "today" {
		t.Errorf("TIn(fr) = %q, want the English fallback", got)
	}
	if T("time.today") != "today" {
		t.Errorf("TIn changed the current language")
	}
	for in, want := range map[string]string{"nl_NL.UTF-8": "nl", "en-GB": "en", "C": "en", "": "en", "NL": "nl"} {
		if got := Match(in); got != want {
			t.Errorf("Match(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Match("fr-FR", "nl-BE"); got != "nl" {
		t.Errorf("Match(fr, nl) = %q, want the first one the catalogue has", got)
	}
}

// Dutch as a native speaker writes it for an owner: "u", never "je"; the
// connection is a "koppeling" (Exact's word), never a "login" or "inlog";
// no jargon such as "keten" or "geheimen".
func TestDutchWording(t *testing.T) {
	c := mustLoad(t)
	for k, v := range c.texts["nl"] {
		low := " " + strings.ToLower(v) + " "
		for _, w := range []string{" je ", " jouw ", " jij ", " jullie "} {
			if strings.Contains(low, w) {
				t.Errorf("%s: %q says %q; write u/uw", k, v, strings.TrimSpace(w))
			}
		}
		for _, w := range []string{" login ", "-login", " inlog ", " keten", "geheimen", "de login", "uw login"} {
			if strings.Contains(low, w) {
				t.Errorf("%s: %q says %q; Exact's word is koppeling", k, v, strings.TrimSpace(w))
			}
		}
	}
}
