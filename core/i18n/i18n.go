// Package i18n is the one catalogue of visible text for the tray, the
// notifications, the dashboard, the command line, the browser pages and the
// calendar export. It reads every <lang>.json under assets/translations
// (flat {"key": "text"} files, the format Fyne's lang package also reads),
// so all of them speak the same words. Texts have {{.Name}} placeholders
// (fields.go). T, Tf and Plural answer in the app's
// language; TIn, TfIn and PluralIn in a given one (a browser's
// Accept-Language, the CLI's LANG).
//
// A key missing from a language falls back to English and then to the key
// itself; the package tests make sure that never happens in a release.
package i18n

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/exactkeeper/exactkeeper/assets"
)

// Fallback is the language used when the OS asks for one we do not have.
const Fallback = "en"

// root is where the catalogues live inside assets.FS.
const root = "translations"

var (
	loadOnce sync.Once
	cat      *catalogue
	loadErr  error

	mu      sync.RWMutex
	current string // "" until first use or SetLanguage
)

func get() *catalogue {
	loadOnce.Do(func() {
		cat, loadErr = load(assets.FS, root)
		if loadErr != nil {
			// The tests load the same files, so this only happens to a
			// hand-edited build; keep running with keys as text.
			cat = &catalogue{texts: map[string]map[string]string{}}
		}
	})
	return cat
}

// SetLanguage chooses the language: "" follows the OS, otherwise a tag such
// as "nl", "nl-BE" or "en_GB". Unsupported languages give English.
func SetLanguage(tag string) {
	var l string
	if tag == "" {
		l = match(get(), osLanguages())
	} else {
		l = match(get(), []string{tag})
	}
	mu.Lock()
	current = l
	mu.Unlock()
}

// Language returns the current language tag ("en" or "nl").
func Language() string {
	mu.RLock()
	l := current
	mu.RUnlock()
	if l != "" {
		return l
	}
	SetLanguage("")
	return Language()
}

// Languages lists the languages the catalogue has, sorted.
func Languages() []string { return get().languages() }

// T returns the text for key in the current language.
func T(key string) string { return get().text(Language(), key) }

// Tf returns the text for key with its {{.Placeholders}} filled from args.
func Tf(key string, args map[string]any) string { return get().format(Language(), key, args) }

// TIn returns the text for key in lang, whatever the current language:
// for pages that follow a browser's Accept-Language, or a CLI that follows
// its own environment. lang is a tag such as "nl", "nl-BE" or "en_GB".
func TIn(lang, key string) string { return get().text(match(get(), []string{lang}), key) }

// TfIn is Tf in lang.
func TfIn(lang, key string, args map[string]any) string {
	return get().format(match(get(), []string{lang}), key, args)
}

// PluralIn is Plural in lang.
func PluralIn(lang, key string, n int, args map[string]any) string {
	full := make(map[string]any, len(args)+1)
	for k, v := range args {
		full[k] = v
	}
	full["N"] = n
	suffix := ".other"
	if n == 1 {
		suffix = ".one"
	}
	return TfIn(lang, key+suffix, full)
}

// Match reduces a language tag or a list of them, best first (an
// Accept-Language header's tags, LANG), to a language the catalogue has,
// or Fallback.
func Match(tags ...string) string { return match(get(), tags) }

// Plural picks key+".one" when n is 1 and key+".other" otherwise (the rule
// of both English and Dutch), with args plus {{.N}} = n filled in.
func Plural(key string, n int, args map[string]any) string {
	full := make(map[string]any, len(args)+1)
	for k, v := range args {
		full[k] = v
	}
	full["N"] = n
	suffix := ".other"
	if n == 1 {
		suffix = ".one"
	}
	return Tf(key+suffix, full)
}

// catalogue holds the texts per language, and their parsed placeholders.
type catalogue struct {
	texts map[string]map[string]string // lang → key → text
	tmu   sync.Mutex
	tmpls map[string][]piece // lang + "\x00" + key; nil for a broken text
}

func (c *catalogue) languages() []string {
	out := make([]string, 0, len(c.texts))
	for l := range c.texts {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

func (c *catalogue) text(lang, key string) string {
	if t, ok := c.texts[lang][key]; ok {
		return t
	}
	if t, ok := c.texts[Fallback][key]; ok {
		return t
	}
	return key
}

func (c *catalogue) format(lang, key string, args map[string]any) string {
	text := c.text(lang, key)
	if !strings.Contains(text, "{{") {
		return text
	}
	id := lang + "\x00" + key
	c.tmu.Lock()
	ps, ok := c.tmpls[id]
	if !ok {
		ps, _ = parseText(text)
		if c.tmpls == nil {
			c.tmpls = map[string][]piece{}
		}
		c.tmpls[id] = ps // nil for a broken text: shown as written
	}
	c.tmu.Unlock()
	if ps == nil {
		return text
	}
	return expand(ps, args)
}

// load reads every <lang>.json below dir. A key may appear in only one file
// per language, so the dashboard's and the tray's files cannot override each
// other silently.
func load(fsys fs.FS, dir string) (*catalogue, error) {
	c := &catalogue{texts: map[string]map[string]string{}}
	where := map[string]string{} // lang + key → file, for the duplicate message
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || path.Ext(p) != ".json" {
			return nil
		}
		lang := strings.TrimSuffix(path.Base(p), ".json")
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		texts, err := parseFlat(data)
		if err != nil {
			return fmt.Errorf("translation file %s is not a flat JSON object of strings: %w", p, err)
		}
		if c.texts[lang] == nil {
			c.texts[lang] = map[string]string{}
		}
		for k, v := range texts {
			if prev, dup := where[lang+"\x00"+k]; dup {
				return fmt.Errorf("translation key %q is in both %s and %s; keep it in one file", k, prev, p)
			}
			where[lang+"\x00"+k] = p
			c.texts[lang][k] = v
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if c.texts[Fallback] == nil {
		return nil, fmt.Errorf("no %s.json under %s; the English catalogue is required", Fallback, dir)
	}
	return c, nil
}

// parseFlat decodes {"key": "text", …}, refusing duplicate keys and
// non-string values, which encoding/json would accept silently.
func parseFlat(data []byte) (map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("want a JSON object")
	}
	out := map[string]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key := tok.(string) // object keys are always strings
		var val string
		if err := dec.Decode(&val); err != nil {
			return nil, fmt.Errorf("key %q: %w", key, err)
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("key %q appears twice", key)
		}
		out[key] = val
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after the object")
	}
	return out, nil
}
