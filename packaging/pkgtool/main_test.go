package main

import (
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestNumericVersion(t *testing.T) {
	for in, want := range map[string]string{
		"v1.2.3":                  "1.2.3",
		"1.2.3":                   "1.2.3",
		"v1.2":                    "1.2.0",
		"v2":                      "2.0.0",
		"v1.2.3-4-g6c7a903-dirty": "1.2.3",
		"v1.2.3+build.5":          "1.2.3",
		"6c7a903":                 "0.0.0",
		"6c7a903-dirty":           "0.0.0",
		"dev":                     "0.0.0",
		"":                        "0.0.0",
		"v1.2.3.4":                "0.0.0",
	} {
		if got := numericVersion(in); got != want {
			t.Errorf("numericVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

// readPlist decodes a property list's top-level dict of strings, booleans
// and string arrays, checking that it is well-formed XML first: this is
// what plutil -lint would refuse.
func readPlist(t *testing.T, b []byte) map[string]any {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	m := map[string]any{}
	var key, text string
	var list []string
	depth := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Info.plist is not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			depth++
			text = ""
			switch tok.Name.Local {
			case "array":
				list = []string{}
			case "true", "false":
				m[key] = tok.Name.Local == "true"
			}
		case xml.CharData:
			text += string(tok)
		case xml.EndElement:
			depth--
			switch tok.Name.Local {
			case "key":
				key = text
			case "string":
				if list != nil {
					list = append(list, text)
				} else {
					m[key] = text
				}
			case "array":
				m[key], list = list, nil
			}
		}
	}
	if depth != 0 {
		t.Fatal("unbalanced plist")
	}
	return m
}

func TestInfoPlist(t *testing.T) {
	var m appMeta
	m.Details.Name, m.Details.ID, m.Details.Version = "Exact Keeper", "nl.exactkeeper.app", "1.4.2"
	p := readPlist(t, infoPlist(m, "1.4.2+v1.4.2-3-gabc & <co>"))
	want := map[string]any{
		"CFBundleIdentifier":         "nl.exactkeeper.app",
		"CFBundleExecutable":         "exactkeeper",
		"CFBundleIconFile":           "exactkeeper.icns",
		"CFBundlePackageType":        "APPL",
		"CFBundleShortVersionString": "1.4.2",
		"CFBundleVersion":            "1.4.2",
		"CFBundleLocalizations":      []string{"en", "nl"},
		"LSUIElement":                true,
		"NSHumanReadableCopyright":   "Exact Keeper 1.4.2+v1.4.2-3-gabc & <co>",
	}
	for k, v := range want {
		if !reflect.DeepEqual(p[k], v) {
			t.Errorf("%s = %#v, want %#v", k, p[k], v)
		}
	}
}

func TestMacAppBundle(t *testing.T) {
	app := filepath.Join(t.TempDir(), "Exact Keeper.app")
	var out, errb bytes.Buffer
	if code := run([]string{"macapp", "-meta", "../../FyneApp.toml", "-version", "v0.3.0", "-out", app}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	plist, err := os.ReadFile(filepath.Join(app, "Contents", "Info.plist"))
	if err != nil {
		t.Fatal(err)
	}
	if v := readPlist(t, plist)["CFBundleShortVersionString"]; v != "0.3.0" {
		t.Errorf("version %v", v)
	}
	if b, _ := os.ReadFile(filepath.Join(app, "Contents", "PkgInfo")); string(b) != "APPL????" {
		t.Errorf("PkgInfo = %q", b)
	}
	icns, err := os.ReadFile(filepath.Join(app, "Contents", "Resources", "exactkeeper.icns"))
	if err != nil {
		t.Fatal(err)
	}
	got := readICNS(t, icns)
	want := map[string]int{"icp4": 16, "icp5": 32, "ic11": 32, "icp6": 64, "ic12": 64, "ic07": 128, "ic08": 256, "ic13": 256}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("icns entries %v, want %v (nothing blown up beyond the 256 px source)", got, want)
	}
}

// readICNS checks the container and returns each entry's type and PNG size.
func readICNS(t *testing.T, b []byte) map[string]int {
	t.Helper()
	if len(b) < 8 || string(b[:4]) != "icns" || int(binary.BigEndian.Uint32(b[4:8])) != len(b) {
		t.Fatalf("bad icns header % x", b[:min(8, len(b))])
	}
	sizes := map[string]int{}
	for rest := b[8:]; len(rest) > 0; {
		if len(rest) < 8 {
			t.Fatalf("truncated entry")
		}
		n := int(binary.BigEndian.Uint32(rest[4:8]))
		if n < 8 || n > len(rest) {
			t.Fatalf("entry %q has length %d of %d left", rest[:4], n, len(rest))
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(rest[8:n]))
		if err != nil || cfg.Width != cfg.Height {
			t.Fatalf("entry %q is not a square PNG: %v %dx%d", rest[:4], err, cfg.Width, cfg.Height)
		}
		sizes[string(rest[:4])] = cfg.Width
		rest = rest[n:]
	}
	return sizes
}

func TestMacAppRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	notPNG := filepath.Join(dir, "icon.png")
	if err := os.WriteFile(notPNG, []byte("GIF89a"), 0o644); err != nil {
		t.Fatal(err)
	}
	metaWithIcon := func(icon string) string {
		p := filepath.Join(dir, icon+".toml")
		writeFile(t, p, "[Details]\nName = \"X\"\nID = \"nl.x\"\nVersion = \"1.0.0\"\nIcon = \""+icon+"\"\n")
		return p
	}
	for _, c := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no .app", []string{"macapp", "-out", filepath.Join(dir, "x")}, 2, "ending in .app"},
		{"missing icon", []string{"macapp", "-meta", metaWithIcon("none.png"), "-out", filepath.Join(dir, "a.app")}, 1, "cannot read the icon"},
		{"not a PNG", []string{"macapp", "-meta", metaWithIcon("icon.png"), "-out", filepath.Join(dir, "b.app")}, 1, "not a PNG"},
		{"no FyneApp.toml", []string{"macapp", "-meta", filepath.Join(dir, "none.toml"), "-out", filepath.Join(dir, "c.app")}, 1, "FyneApp.toml"},
		{"unknown command", []string{"dmg"}, 2, "unknown command"},
	} {
		var out, errb bytes.Buffer
		if code := run(c.args, &out, &errb); code != c.code || !strings.Contains(errb.String(), c.msg) {
			t.Errorf("%s: exit %d, %q; want %d with %q", c.name, code, errb.String(), c.code, c.msg)
		}
	}
}
