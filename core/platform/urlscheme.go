package platform

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// URLScheme is the scheme the Windows installer registers for the keeper
// (HKCU\Software\Classes\exactkeeper): a click on a toast opens
// exactkeeper:open?connection=ID, which Windows hands to exactkeeper.exe as
// its one argument.
const URLScheme = "exactkeeper"

// The subjects a link may open the dashboard at, as URL query keys; each
// becomes the dashboard's --focus "<key>:<id>".
var linkSubjects = []string{"connection", "reconnect", "delegation"}

// validLinkID: IDs are store.NewID's 12 hex characters; a little room for
// older or hand-made ones (1 to 64 letters, digits, '-' and '_'), and
// nothing that could be read as more than an ID. A loop rather than a
// regexp, whose `{1,64}` compiled at every start of every program
// (docs/performance.md).
func validLinkID(id string) bool {
	if len(id) < 1 || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// ErrNotALink means the argument is not an exactkeeper: URL at all, so the
// caller may treat it as something else (a flag, a file).
var ErrNotALink = errors.New("not an exactkeeper: link")

// OpenLink is the exactkeeper: URL that opens the dashboard at focus
// ("connection:<id>", "reconnect:<id>", "delegation:<id>"), or at its
// default view when focus is empty or not one of those.
// A reminder's focus ("reminder:<kind>:<id>:<threshold>") becomes its
// subject's.
func OpenLink(focus string) string {
	kind, id, _ := strings.Cut(focus, ":")
	if kind == "reminder" {
		kind, id, _ = strings.Cut(id, ":")
		id, _, _ = strings.Cut(id, ":")
		if kind == "refresh-token" { // remind.KindRefreshToken
			kind = "connection"
		}
	}
	for _, k := range linkSubjects {
		if k == kind && validLinkID(id) {
			return URLScheme + ":open?" + url.Values{kind: {id}}.Encode()
		}
	}
	return URLScheme + ":open"
}

// ParseLink reads an exactkeeper: URL and returns the dashboard focus it
// asks for ("" for the default view). Any web page can start such a URL, so
// only "open" with at most one known subject and a plain ID is accepted;
// anything else is an error that names what is wrong, never acted on.
func ParseLink(raw string) (focus string, err error) {
	scheme, rest, ok := strings.Cut(raw, ":")
	if !ok || !strings.EqualFold(scheme, URLScheme) {
		return "", ErrNotALink
	}
	if len(raw) > 512 {
		return "", errors.New("the exactkeeper: link is too long")
	}
	// Browsers and Windows may add "//" or a trailing "/" to an opaque URL.
	rest = strings.TrimPrefix(rest, "//")
	action, query, _ := strings.Cut(rest, "?")
	action = strings.TrimSuffix(action, "/")
	if !strings.EqualFold(action, "open") {
		return "", fmt.Errorf("the exactkeeper: link asks for %q; only open is known", action)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", errors.New("the exactkeeper: link has a malformed query")
	}
	for key, vals := range q {
		known := false
		for _, k := range linkSubjects {
			known = known || k == key
		}
		switch {
		case !known:
			return "", fmt.Errorf("the exactkeeper: link has an unknown parameter %q", key)
		case len(vals) != 1 || !validLinkID(vals[0]):
			return "", fmt.Errorf("the exactkeeper: link's %s is not a valid ID", key)
		case focus != "":
			return "", errors.New("the exactkeeper: link names more than one subject")
		}
		focus = key + ":" + vals[0]
	}
	return focus, nil
}
