package assets

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// relayDoc parses the relay page; the tests below read it as a browser would.
func relayDoc(t *testing.T) *html.Node {
	t.Helper()
	// Without scripting, <noscript> holds elements, and they are checked too.
	doc, err := html.ParseWithOptions(bytes.NewReader(RelayPage()), html.ParseOptionEnableScripting(false))
	if err != nil {
		t.Fatalf("parsing relay/login.html: %v", err)
	}
	return doc
}

func walk(n *html.Node, f func(*html.Node)) {
	f(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, f)
	}
}

func elements(doc *html.Node, a atom.Atom) []*html.Node {
	var out []*html.Node
	walk(doc, func(n *html.Node) {
		if n.Type == html.ElementNode && n.DataAtom == a {
			out = append(out, n)
		}
	})
	return out
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && strings.EqualFold(a.Key, key) {
			return a.Val, true
		}
	}
	return "", false
}

// rawText is the text of a script or style element exactly as the browser
// hashes it for the CSP.
func rawText(t *testing.T, n *html.Node) string {
	t.Helper()
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.TextNode {
			t.Fatalf("<%s> holds a %v node; want text only", n.Data, c.Type)
		}
		b.WriteString(c.Data)
	}
	return b.String()
}

func cspHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

func TestRelayPageIsTheFile(t *testing.T) {
	b, err := os.ReadFile("relay/login.html")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, RelayPage()) {
		t.Error("RelayPage() differs from relay/login.html")
	}
	if bytes.Contains(b, []byte("\r")) {
		t.Error("relay/login.html has carriage returns; keep LF line ends so the CSP hashes stay the same on every checkout")
	}
	p := RelayPage()
	p[0] = 'x'
	if RelayPage()[0] == 'x' {
		t.Error("RelayPage() hands out the embedded bytes themselves; a caller could change the page")
	}
}

// The page must load nothing from anywhere: no scripts, styles, fonts,
// images or frames, and no address in any attribute that would fetch one.
func TestRelayPageLoadsNothing(t *testing.T) {
	doc := relayDoc(t)
	// Elements that load, embed or submit something. The page needs none.
	forbidden := map[atom.Atom]bool{
		atom.Link: true, atom.Iframe: true, atom.Frame: true, atom.Frameset: true,
		atom.Object: true, atom.Embed: true, atom.Img: true, atom.Picture: true,
		atom.Source: true, atom.Video: true, atom.Audio: true, atom.Track: true,
		atom.Svg: true, atom.Math: true, atom.Form: true, atom.Input: true,
		atom.Select: true, atom.Base: true, atom.Applet: true, atom.Image: true,
		atom.Canvas: true, atom.Template: true,
	}
	// Attributes that hold an address (or run code, or restyle an element
	// past the CSP). None may appear at all, whatever their value.
	urlAttrs := map[string]bool{
		"src": true, "href": true, "srcset": true, "action": true, "formaction": true,
		"poster": true, "data": true, "background": true, "cite": true, "ping": true,
		"manifest": true, "longdesc": true, "usemap": true, "codebase": true,
		"archive": true, "profile": true, "icon": true, "imagesrcset": true,
		"xlink:href": true, "lowsrc": true, "dynsrc": true, "style": true,
	}
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		if forbidden[n.DataAtom] || n.Namespace != "" {
			t.Errorf("<%s> element: the relay page must not load, embed or submit anything", n.Data)
		}
		for _, a := range n.Attr {
			key := strings.ToLower(a.Key)
			if a.Namespace != "" {
				key = a.Namespace + ":" + key
			}
			if urlAttrs[key] {
				t.Errorf("<%s %s=%q>: no attribute may name an address (or style an element)", n.Data, key, a.Val)
			}
			if strings.HasPrefix(key, "on") {
				t.Errorf("<%s %s=…>: inline event handlers are not allowed; use addEventListener in the script", n.Data, key)
			}
			if strings.Contains(strings.ToLower(a.Val), "://") || strings.Contains(strings.ToLower(a.Val), "url(") {
				if !(n.DataAtom == atom.Meta && key == "content") {
					t.Errorf("<%s %s=%q>: an address in an attribute", n.Data, key, a.Val)
				}
			}
		}
		if n.DataAtom == atom.Meta {
			if v, _ := attr(n, "http-equiv"); strings.EqualFold(v, "refresh") {
				t.Error(`<meta http-equiv="refresh">: the page must not navigate by itself except to the loopback listener`)
			}
		}
		if n.DataAtom == atom.Script {
			for _, a := range n.Attr {
				t.Errorf("<script %s=…>: the one script is inline and plain", a.Key)
			}
		}
		if n.DataAtom == atom.Textarea {
			if _, ro := attr(n, "readonly"); !ro {
				t.Error("<textarea> must be readonly: the page never asks for anything")
			}
		}
	})
	styles := elements(doc, atom.Style)
	if len(styles) != 1 {
		t.Fatalf("%d <style> elements, want exactly one", len(styles))
	}
	css := strings.ToLower(rawText(t, styles[0]))
	for _, bad := range []string{"url(", "@import", "image-set(", "@font-face", "src:", "\\"} {
		if strings.Contains(css, bad) {
			t.Errorf("the style holds %q: CSS must load nothing (and stay plain enough to check)", bad)
		}
	}
	if n := len(elements(doc, atom.Script)); n != 1 {
		t.Errorf("%d <script> elements, want exactly one inline script", n)
	}
}

// The CSP meta tag comes first and allows exactly the inline script and
// style by hash, and connections to 127.0.0.1 only.
func TestRelayPageCSP(t *testing.T) {
	doc := relayDoc(t)
	var csp *html.Node
	for _, m := range elements(doc, atom.Meta) {
		if v, _ := attr(m, "http-equiv"); strings.EqualFold(v, "Content-Security-Policy") {
			if csp != nil {
				t.Fatal("two CSP meta tags")
			}
			csp = m
		}
	}
	if csp == nil {
		t.Fatal("no <meta http-equiv=Content-Security-Policy>")
	}
	if csp.Parent == nil || csp.Parent.DataAtom != atom.Head {
		t.Error("the CSP meta tag must be in <head>")
	}
	// A CSP meta tag covers only what comes after it.
	seenCSP := false
	walk(doc, func(n *html.Node) {
		if n == csp {
			seenCSP = true
		}
		if n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style) && !seenCSP {
			t.Errorf("<%s> comes before the CSP meta tag", n.Data)
		}
	})

	content, _ := attr(csp, "content")
	policy := map[string][]string{}
	for _, d := range strings.Split(content, ";") {
		f := strings.Fields(d)
		if len(f) == 0 {
			continue
		}
		name := strings.ToLower(f[0])
		if _, dup := policy[name]; dup {
			t.Errorf("directive %s appears twice (the browser ignores the second)", name)
		}
		policy[name] = f[1:]
	}
	script := rawText(t, elements(doc, atom.Script)[0])
	style := rawText(t, elements(doc, atom.Style)[0])
	want := map[string]string{
		"default-src": "'none'",
		"script-src":  cspHash(script),
		"style-src":   cspHash(style),
		"connect-src": "http://127.0.0.1:*",
		"img-src":     "'none'",
		"base-uri":    "'none'",
		"form-action": "'none'",
	}
	for name, w := range want {
		got, ok := policy[name]
		switch {
		case !ok:
			t.Errorf("CSP has no %s; want %s %s", name, name, w)
		case strings.Join(got, " ") != w:
			if name == "script-src" || name == "style-src" {
				t.Errorf("CSP %s is %q, but the inline %s hashes to %s: put that in the meta tag",
					name, strings.Join(got, " "), strings.TrimSuffix(name, "-src"), w)
			} else {
				t.Errorf("CSP %s is %q, want %q", name, strings.Join(got, " "), w)
			}
		}
	}
	for name := range policy {
		if _, ok := want[name]; !ok {
			t.Errorf("CSP has an unexpected directive %s", name)
		}
	}
	if strings.Contains(content, "unsafe-") {
		t.Error("CSP allows something unsafe-")
	}
}

func TestRelayPageReferrer(t *testing.T) {
	found := false
	for _, m := range elements(relayDoc(t), atom.Meta) {
		if v, _ := attr(m, "name"); strings.EqualFold(v, "referrer") {
			found = true
			if c, _ := attr(m, "content"); c != "no-referrer" {
				t.Errorf(`<meta name="referrer" content=%q>, want "no-referrer"`, c)
			}
		}
	}
	if !found {
		t.Error(`no <meta name="referrer" content="no-referrer">`)
	}
}

// The page and the listener agree on the public state format, byte for byte.
func TestRelayStateRegexpMatchesLogin(t *testing.T) {
	script := rawText(t, elements(relayDoc(t), atom.Script)[0])
	js := regexp.MustCompile(`(?m)\bvar STATE = /(.*)/;$`).FindAllStringSubmatch(script, -1)
	if len(js) != 1 {
		t.Fatalf("found %d `var STATE = /…/;` lines in the page's script, want 1", len(js))
	}
	src, err := os.ReadFile("../core/login/relay.go")
	if err != nil {
		t.Fatal(err)
	}
	goRe := regexp.MustCompile("\\brelayState\\s*=\\s*regexp\\.MustCompile\\(`([^`]*)`\\)").FindAllSubmatch(src, -1)
	if len(goRe) != 1 {
		t.Fatalf("found %d relayState = regexp.MustCompile(`…`) in core/login/relay.go, want 1", len(goRe))
	}
	if js[0][1] != string(goRe[0][1]) {
		t.Errorf("the page checks the state with\n\t%s\nbut core/login/relay.go with\n\t%s", js[0][1], goRe[0][1])
	}
	if js[0][1] != `^[1-9][0-9]{3,4}\.[A-Za-z0-9_-]+$` {
		t.Errorf("the state format changed to %s: update docs/relay.md (it is public) and this test", js[0][1])
	}
}
