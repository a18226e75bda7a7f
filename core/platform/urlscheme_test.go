package platform

import (
	"errors"
	"strings"
	"testing"
)

func TestParseLink(t *testing.T) {
	for in, want := range map[string]string{
		"exactkeeper:open":                                       "",
		"exactkeeper:open?connection=3f2b9a0c11d2":               "connection:3f2b9a0c11d2",
		"exactkeeper:open?reconnect=3f2b9a0c11d2":                "reconnect:3f2b9a0c11d2",
		"exactkeeper:open?delegation=ab12":                       "delegation:ab12",
		"ExactKeeper:Open?connection=ab12":                       "connection:ab12",
		"exactkeeper://open/?connection=ab12":                    "connection:ab12",
		"exactkeeper:open/":                                      "",
		"exactkeeper:open?connection=a%2Db":                      "connection:a-b",
		"exactkeeper:open?connection=A_z-09":                     "connection:A_z-09",
		"exactkeeper:open?connection=" + strings.Repeat("f", 64): "connection:" + strings.Repeat("f", 64),
	} {
		got, err := ParseLink(in)
		if err != nil || got != want {
			t.Errorf("ParseLink(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, msg := range map[string]string{
		"exactkeeper:delete?connection=ab12":                      "only open",
		"exactkeeper:open?connection=ab12&token=x":                "unknown parameter \"token\"",
		"exactkeeper:open?connection=../../etc":                   "not a valid ID",
		"exactkeeper:open?connection=":                            "not a valid ID",
		"exactkeeper:open?connection=a&connection=b":              "not a valid ID",
		"exactkeeper:open?connection=a%20b":                       "not a valid ID",
		"exactkeeper:open?connection=caf%C3%A9":                   "not a valid ID",
		"exactkeeper:open?connection=" + strings.Repeat("f", 65):  "not a valid ID",
		"exactkeeper:open?connection=ab&delegation=cd":            "more than one subject",
		"exactkeeper:open?connection=%zz":                         "malformed query",
		"exactkeeper:open?connection=" + strings.Repeat("a", 600): "too long",
	} {
		if got, err := ParseLink(in); err == nil || !strings.Contains(err.Error(), msg) || got != "" {
			t.Errorf("ParseLink(%q) = %q, %v; want an error with %q", in, got, err, msg)
		}
	}
	for _, in := range []string{"--demo", "https://exactkeeper.example/open", "C:\\Users\\x", ""} {
		if _, err := ParseLink(in); !errors.Is(err, ErrNotALink) {
			t.Errorf("ParseLink(%q) = %v, want ErrNotALink", in, err)
		}
	}
}

func TestOpenLinkRoundTrips(t *testing.T) {
	for _, focus := range []string{"connection:3f2b9a0c11d2", "reconnect:ab_12", "delegation:x-1", ""} {
		link := OpenLink(focus)
		got, err := ParseLink(link)
		if err != nil || got != focus {
			t.Errorf("ParseLink(OpenLink(%q) = %q) = %q, %v", focus, link, got, err)
		}
	}
	// A focus a link cannot carry opens the default view rather than
	// producing a link the parser refuses.
	for focus, want := range map[string]string{
		"reminder:refresh-token:ab12:7d": "exactkeeper:open?connection=ab12",
		"reminder:reconnect:ab12:now":    "exactkeeper:open?reconnect=ab12",
		"reminder:delegation:cd34:ended": "exactkeeper:open?delegation=cd34",
	} {
		if link := OpenLink(focus); link != want {
			t.Errorf("OpenLink(%q) = %q, want %q", focus, link, want)
		}
	}
	for _, focus := range []string{"reminder:other:ab:7d", "connection:a b", "settings:x"} {
		if link := OpenLink(focus); link != "exactkeeper:open" {
			t.Errorf("OpenLink(%q) = %q, want exactkeeper:open", focus, link)
		}
	}
}
