package i18n

import "strings"

// match returns the first of the wanted tags that the catalogue has, by
// primary language ("nl_BE.UTF-8" → "nl"), or Fallback.
func match(c *catalogue, wanted []string) string {
	for _, w := range wanted {
		l := primary(w)
		if _, ok := c.texts[l]; ok {
			return l
		}
	}
	return Fallback
}

// primary reduces a POSIX locale or BCP 47 tag to its language subtag.
func primary(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_.@"); i >= 0 {
		tag = tag[:i]
	}
	return tag
}

// fromEnv lists the wanted languages the way gettext does: the locale for
// messages is LC_ALL, else LC_MESSAGES, else LANG; LANGUAGE, a colon
// separated list of preferences, goes first unless that locale is set to
// "C" or "POSIX" (gettext also ignores it when nothing is set; a desktop
// session always sets LANG, so we are lenient there).
func fromEnv(getenv func(string) string) []string {
	var loc string
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if loc = getenv(v); loc != "" {
			break
		}
	}
	var out []string
	if loc != "C" && loc != "POSIX" && !strings.HasPrefix(loc, "C.") {
		for _, l := range strings.Split(getenv("LANGUAGE"), ":") {
			if l != "" {
				out = append(out, l)
			}
		}
		if loc != "" {
			out = append(out, loc)
		}
	}
	return out
}
