package login

import (
	"bytes"
	"errors"
	"html/template"
	"strings"

	"github.com/exactkeeper/exactkeeper/core/exact"
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

type pageText struct{ Title, Body string }

// pages holds the callback page texts. They follow the browser's language,
// since the browser may be on another PC than the app.
var pages = map[string]map[outcome]pageText{
	"en": {
		outcomeOK:            {"Connected", "Exact Keeper is connected to Exact Online and keeps the connection alive; you can close this tab."},
		outcomeStateMismatch: {"This answer does not belong to a login in progress", "Nothing was changed. Start the login in Exact Keeper and finish it in the browser tab that it opens."},
		outcomeDenied:        {"Exact Online did not give access", "Start the login again in Exact Keeper and allow access when Exact Online asks."},
		outcomeNoCode:        {"Exact Online sent no login code", "Start the login again in Exact Keeper."},
		outcomeFinished:      {"This login has already finished", "Go back to Exact Keeper; if it is not connected, start the login again there."},
		outcomeTooLong:       {"This address is far too long to be an answer from Exact Online", "Nothing was changed; the login in Exact Keeper is still waiting."},
		outcomeConnecting:    {"Connecting…", "Exact Keeper is exchanging the login code with Exact Online. This page shows the result in a moment; Exact Online can take up to a few minutes."},
		outcomeWrongSecret:   {"Not connected: the client secret is wrong", "Exact Online refused the app's client secret. Copy it again from your app in Exact Online's App Center, enter it in Exact Keeper (never in a web page) and log in again."},
		outcomeCodeRefused:   {"Not connected: Exact Online refused the login code", "A login code works once and for about 3 minutes. Start the login again in Exact Keeper."},
		outcomeUnreachable:   {"Not connected: Exact Online did not answer properly", "Nothing was saved. Check the internet connection and start the login again in Exact Keeper in a few minutes."},
		outcomeAPIRefused:    {"Connected, but Exact Online refuses the app's requests", "The login is kept, but Exact Online answers the app with \"forbidden\". Check in the App Center that the app has the scopes it needs, and that the licence and the user's rights allow it. Exact Keeper shows the details."},
		outcomeFailed:        {"Not connected", "Exact Keeper could not finish the connection. It shows what went wrong and what to do."},
		outcomeStopped:       {"Not connected: Exact Keeper stopped the login", "Start the login again in Exact Keeper."},
	},
	"nl": {
		outcomeOK:            {"Gekoppeld", "Exact Keeper is gekoppeld aan Exact Online en houdt de koppeling in stand; u kunt dit tabblad sluiten."},
		outcomeStateMismatch: {"Dit antwoord hoort niet bij een lopende aanmelding", "Er is niets gewijzigd. Start het aanmelden in Exact Keeper en rond het af in het tabblad dat daarbij opent."},
		outcomeDenied:        {"Exact Online gaf geen toegang", "Start het aanmelden opnieuw in Exact Keeper en sta de toegang toe wanneer Exact Online erom vraagt."},
		outcomeNoCode:        {"Exact Online stuurde geen aanmeldcode", "Start het aanmelden opnieuw in Exact Keeper."},
		outcomeFinished:      {"Deze aanmelding is al afgerond", "Ga terug naar Exact Keeper; start het aanmelden daar opnieuw als de koppeling niet gelukt is."},
		outcomeTooLong:       {"Dit adres is veel te lang voor een antwoord van Exact Online", "Er is niets gewijzigd; de aanmelding in Exact Keeper wacht nog."},
		outcomeConnecting:    {"Bezig met koppelen…", "Exact Keeper wisselt de aanmeldcode in bij Exact Online. Deze pagina toont zo het resultaat; Exact Online kan er enkele minuten over doen."},
		outcomeWrongSecret:   {"Niet gekoppeld: het clientgeheim klopt niet", "Exact Online weigerde het clientgeheim (client secret) van de app. Kopieer het opnieuw uit uw app in het App Center van Exact Online, vul het in Exact Keeper in (nooit op een webpagina) en meld u opnieuw aan."},
		outcomeCodeRefused:   {"Niet gekoppeld: Exact Online weigerde de aanmeldcode", "Een aanmeldcode werkt één keer en ongeveer 3 minuten. Start het aanmelden opnieuw in Exact Keeper."},
		outcomeUnreachable:   {"Niet gekoppeld: Exact Online antwoordde niet goed", "Er is niets opgeslagen. Controleer de internetverbinding en start het aanmelden over een paar minuten opnieuw in Exact Keeper."},
		outcomeAPIRefused:    {"Gekoppeld, maar Exact Online weigert de verzoeken van de app", "De koppeling blijft bewaard, maar Exact Online antwoordt de app met \"verboden\". Controleer in het App Center of de app de benodigde scopes heeft, en of de licentie en de rechten van de gebruiker het toelaten. Exact Keeper toont de details."},
		outcomeFailed:        {"Niet gekoppeld", "Exact Keeper kon de koppeling niet afronden. Het programma toont wat er misging en wat u kunt doen."},
		outcomeStopped:       {"Niet gekoppeld: Exact Keeper heeft het aanmelden gestopt", "Start het aanmelden opnieuw in Exact Keeper."},
	},
}

var saidLabel = map[string]string{"en": "Exact Online said:", "nl": "Exact Online meldde:"}

var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
{{if .Refresh}}<meta http-equiv="refresh" content="1;url={{.Refresh}}">
{{end}}<title>{{.Title}} - Exact Keeper</title>
<style>body{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;color:#222}
h1{font-size:1.4em;color:{{.Color}}}</style>
</head><body>
<h1 id="title" data-outcome="{{.Outcome}}">{{.Title}}</h1>
{{if .Who}}<p id="who">{{.Who}}</p>{{end}}
{{if .Said}}<p id="said">{{.SaidLabel}} “{{.Said}}”</p>{{end}}
<p id="advice">{{.Body}}</p>
</body></html>
`))

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
	t := pages[language][p.o]
	color := "#b3261e"
	switch p.o {
	case outcomeOK:
		color = "#1a7f37"
	case outcomeConnecting, outcomeAPIRefused:
		color = "#7a5b00"
	}
	var b bytes.Buffer
	// The template and its data are fixed, so Execute cannot fail halfway.
	_ = pageTmpl.Execute(&b, struct {
		Lang, Title, Body, SaidLabel, Said, Who, Refresh, Color, Outcome string
	}{language, t.Title, t.Body, saidLabel[language], p.said, p.who, p.refresh, color, outcomeNames[p.o]})
	return b.Bytes()
}

// final is the outcome of the code exchange, as Finish reported it.
type final struct {
	who string
	err error
}
