package login

import (
	"bytes"
	"html/template"
	"strings"
)

// outcome names what the browser is told after the callback.
type outcome int

const (
	outcomeOK outcome = iota
	outcomeStateMismatch
	outcomeDenied
	outcomeNoCode
	outcomeFinished
)

type pageText struct{ Title, Body string }

// pages holds the callback page texts. The owner may have chosen Dutch, so
// the page speaks the app's language rather than the browser's.
var pages = map[string]map[outcome]pageText{
	"en": {
		outcomeOK:            {"Connected", "You are connected to Exact Online; you can close this tab and go back to Exact Keeper."},
		outcomeStateMismatch: {"This answer does not belong to the current login", "Start the login again in Exact Keeper and finish it in the browser tab that it opens."},
		outcomeDenied:        {"Exact Online did not give access", "Start the login again in Exact Keeper and allow access when Exact Online asks."},
		outcomeNoCode:        {"Exact Online sent no login code", "Start the login again in Exact Keeper."},
		outcomeFinished:      {"This login has already finished", "Go back to Exact Keeper; if it is not connected, start the login again there."},
	},
	"nl": {
		outcomeOK:            {"Verbonden", "U bent verbonden met Exact Online; u kunt dit tabblad sluiten en teruggaan naar Exact Keeper."},
		outcomeStateMismatch: {"Dit antwoord hoort niet bij de huidige aanmelding", "Start het aanmelden opnieuw in Exact Keeper en rond het af in het tabblad dat daarbij opent."},
		outcomeDenied:        {"Exact Online gaf geen toegang", "Start het aanmelden opnieuw in Exact Keeper en sta de toegang toe wanneer Exact Online erom vraagt."},
		outcomeNoCode:        {"Exact Online stuurde geen aanmeldcode", "Start het aanmelden opnieuw in Exact Keeper."},
		outcomeFinished:      {"Deze aanmelding is al afgerond", "Ga terug naar Exact Keeper; start het aanmelden daar opnieuw als de koppeling niet gelukt is."},
	},
}

var saidLabel = map[string]string{"en": "Exact Online said:", "nl": "Exact Online meldde:"}

var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} - Exact Keeper</title>
<style>body{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;color:#222}
h1{font-size:1.4em;color:{{if .OK}}#1a7f37{{else}}#b3261e{{end}}}</style>
</head><body>
<h1 id="title">{{.Title}}</h1>
{{if .Said}}<p id="said">{{.SaidLabel}} {{.Said}}</p>{{end}}
<p id="advice">{{.Body}}</p>
</body></html>
`))

// lang reduces a language setting to one the pages speak.
func lang(l string) string {
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(l)), "nl") {
		return "nl"
	}
	return "en"
}

// renderPage builds the page shown after the callback. said is Exact's own
// description of a refusal (already sanitised), shown as it came.
func renderPage(language string, o outcome, said string) []byte {
	language = lang(language)
	t := pages[language][o]
	var b bytes.Buffer
	// The template and its data are fixed, so Execute cannot fail halfway.
	_ = pageTmpl.Execute(&b, struct {
		Lang, Title, Body, SaidLabel, Said string
		OK                                 bool
	}{language, t.Title, t.Body, saidLabel[language], said, o == outcomeOK})
	return b.Bytes()
}

// final is the outcome of the code exchange, as Finish reported it.
type final struct {
	who string
	err error
}
