package login

import (
	"errors"
	"html"
	"strings"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/i18n"
)

// outcome names what the browser is told.
type outcome int

const (
	outcomeOK outcome = iota // connected: the code was exchanged and Exact said who logged in
	outcomeStateMismatch
	outcomeDenied
	outcomeNoCode
	outcomeFinished
	outcomeTooLong
	outcomeConnecting  // the code arrived; the exchange is under way
	outcomeWrongSecret // Exact refused the client secret
	outcomeCodeRefused // Exact refused the code (used, expired, other app)
	outcomeUnreachable // Exact could not be reached or failed
	outcomeAPIRefused  // connected, but Exact refuses API calls (403)
	outcomeFailed      // anything else; the app says what
	outcomeStopped     // the app stopped before the exchange ended
)

// The page texts are the catalogue's login.page.<outcome name>.title and
// .body (assets/translations/login). They follow the browser's language,
// not the app's, since the browser may be on another PC than the app.

// The page is put together by hand, each value through html.EscapeString:
// it has no logic beyond two optional lines, and html/template linked into
// every program (this package is in all of them) cost about 3 MB of binary,
// paged in at each start (issue 13). Every value sits in element text or a
// double-quoted attribute, where that escaping is complete.

// outcomeNames are the data-outcome values tests and scripts read.
var outcomeNames = map[outcome]string{
	outcomeOK: "connected", outcomeStateMismatch: "state-mismatch", outcomeDenied: "denied",
	outcomeNoCode: "no-code", outcomeFinished: "finished", outcomeTooLong: "too-long",
	outcomeConnecting: "connecting", outcomeWrongSecret: "wrong-secret", outcomeCodeRefused: "code-refused",
	outcomeUnreachable: "unreachable", outcomeAPIRefused: "api-refused", outcomeFailed: "failed", outcomeStopped: "stopped",
}

// lang reduces a language setting to one the pages speak.
func lang(l string) string {
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(l)), "nl") {
		return "nl"
	}
	return "en"
}

// browserLang picks nl or en from an Accept-Language header by the order
// the browser gives (weights are nearly always descending); "" when the
// header names neither.
func browserLang(header string) string {
	for _, part := range strings.Split(header, ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case tag == "nl" || strings.HasPrefix(tag, "nl-"):
			return "nl"
		case tag == "en" || strings.HasPrefix(tag, "en-"):
			return "en"
		}
	}
	return ""
}

// page is what one browser page shows.
type page struct {
	o       outcome
	said    string // Exact's own words, shown quoted
	who     string // who is now connected
	refresh string // where to ask again ("Connecting…")
}

// finalPage turns how the exchange ended into the page that says so.
func finalPage(f *final) page {
	if f.err == nil {
		return page{o: outcomeOK, who: f.who}
	}
	var te *exact.Error
	switch {
	case errors.Is(f.err, ErrCancelled):
		return page{o: outcomeStopped}
	case exact.Forbidden(f.err):
		var ae *exact.APIError
		errors.As(f.err, &ae)
		return page{o: outcomeAPIRefused, who: f.who, said: ae.Said}
	case errors.As(f.err, &te):
		switch te.Outcome {
		case exact.WrongSecret:
			return page{o: outcomeWrongSecret, said: te.Description}
		case exact.NeedsReconnect:
			return page{o: outcomeCodeRefused, said: te.Description}
		case exact.Transient, exact.RateLimited, exact.TooEarly:
			return page{o: outcomeUnreachable, said: te.Description}
		}
	}
	return page{o: outcomeFailed}
}

// renderPage builds a browser page in language.
func renderPage(language string, p page) []byte {
	language = lang(language)
	key := "login.page." + outcomeNames[p.o]
	title, body := i18n.TIn(language, key+".title"), i18n.TIn(language, key+".body")
	color := "#b3261e"
	switch p.o {
	case outcomeOK:
		color = "#1a7f37"
	case outcomeConnecting, outcomeAPIRefused:
		color = "#7a5b00"
	}
	e := html.EscapeString
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html>
<html lang="` + e(language) + `"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
`)
	if p.refresh != "" {
		b.WriteString(`<meta http-equiv="refresh" content="1;url=` + e(p.refresh) + `">
`)
	}
	b.WriteString(`<title>` + e(title) + ` - Exact Keeper</title>
<style>body{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;color:#222}
h1{font-size:1.4em;color:` + color + `}</style>
</head><body>
<h1 id="title" data-outcome="` + e(outcomeNames[p.o]) + `">` + e(title) + `</h1>
`)
	if p.who != "" {
		b.WriteString(`<p id="who">` + e(p.who) + `</p>`)
	}
	b.WriteString("\n")
	if p.said != "" {
		b.WriteString(`<p id="said">` + e(i18n.TIn(language, "login.page.said")) + ` “` + e(p.said) + `”</p>`)
	}
	b.WriteString(`
<p id="advice">` + e(body) + `</p>
</body></html>
`)
	return []byte(b.String())
}

// final is the outcome of the code exchange, as Finish reported it.
type final struct {
	who string
	err error
}
