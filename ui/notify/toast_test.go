package notify

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/exactkeeper/exactkeeper/core/platform"
)

// toastDoc is the toast schema's part that toastXML writes.
type toastDoc struct {
	XMLName        xml.Name `xml:"toast"`
	ActivationType string   `xml:"activationType,attr"`
	Launch         string   `xml:"launch,attr"`
	Bindings       []struct {
		Template string   `xml:"template,attr"`
		Texts    []string `xml:"text"`
	} `xml:"visual>binding"`
}

func parseToast(t *testing.T, s string) toastDoc {
	t.Helper()
	var d toastDoc
	dec := xml.NewDecoder(strings.NewReader(s))
	dec.Strict = true
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("not well-formed toast XML (%v): %s", err, s)
	}
	return d
}

func TestToastXML(t *testing.T) {
	for _, c := range []struct {
		name, title, body, focus string
		wantFocus                string
	}{
		{"reminder", "Bakkerij De Jong: login lapses in 3 days", "Open Exact Keeper and choose Refresh now.", "reminder:refresh-token:3f2b9a0c11d2:3d", "connection:3f2b9a0c11d2"},
		{"reconnect", "Log in again", "Bakkerij De Jong needs a new login.", "reconnect:3f2b9a0c11d2", "reconnect:3f2b9a0c11d2"},
		{"delegation", "Machtiging loopt af", "Invantive → Kantoor Smit, 5 dagen", "delegation:ab12", "delegation:ab12"},
		{"no subject", "Exact Keeper", "plain", "", ""},
		// Names are the owner's own and may hold anything: markup and
		// quotes stay text, and cannot end the attribute or the element.
		{"markup in texts", `A & B <"Co'> </text><text>x`, "]]> <!-- -->", "connection:ab12", "connection:ab12"},
		{"control characters", "tab\there\x00nul", "line\nbreak\x1b", "", ""},
		// A focus that no link can carry opens the window plainly.
		{"unlinkable focus", "t", "b", `connection:x" onload="y`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := parseToast(t, toastXML(c.title, c.body, c.focus))
			if d.ActivationType != "protocol" {
				t.Errorf("activationType %q, want protocol (a click must launch the link)", d.ActivationType)
			}
			focus, err := platform.ParseLink(d.Launch)
			if err != nil || focus != c.wantFocus {
				t.Errorf("launch %q parses to %q, %v; want %q", d.Launch, focus, err, c.wantFocus)
			}
			if len(d.Bindings) != 1 || d.Bindings[0].Template != "ToastGeneric" {
				t.Fatalf("bindings %+v, want one ToastGeneric", d.Bindings)
			}
			texts := d.Bindings[0].Texts
			if len(texts) != 2 {
				t.Fatalf("texts %q, want title and body", texts)
			}
			// XML cannot hold NUL or ESC: they become U+FFFD; the rest
			// comes back as written.
			clean := strings.NewReplacer("\x00", "\uFFFD", "\x1b", "\uFFFD")
			if texts[0] != clean.Replace(c.title) || texts[1] != clean.Replace(c.body) {
				t.Errorf("texts %q, want %q and %q", texts, c.title, c.body)
			}
		})
	}
}
