package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/exactkeeper/exactkeeper/core/platform"
)

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The repository's own FyneApp.toml is valid and everything that cannot
// read it at build time (constants in the code, the static Windows resource
// and .desktop files) says the same name and ID. A rename in FyneApp.toml
// fails here until every copy follows.
func TestMetaAgreesWithTheCode(t *testing.T) {
	m, err := loadMeta("../../FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	d := m.Details
	if d.Name != platform.AppName {
		t.Errorf("FyneApp.toml Name %q, core/platform.AppName %q", d.Name, platform.AppName)
	}
	if d.ID != platform.BundleID {
		t.Errorf("FyneApp.toml ID %q, core/platform.BundleID %q", d.ID, platform.BundleID)
	}
	if _, err := os.Stat(filepath.Join("../..", d.Icon)); err != nil {
		t.Errorf("FyneApp.toml Icon: %v", err)
	}

	var res struct {
		RTVersion map[string]map[string]struct {
			Info map[string]map[string]string `json:"info"`
		} `json:"RT_VERSION"`
	}
	b, err := os.ReadFile("../windows/winres.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("winres.json: %v", err)
	}
	langs := 0
	for _, byID := range res.RTVersion {
		for _, byLang := range byID {
			for lang, v := range byLang.Info {
				langs++
				for _, k := range []string{"ProductName", "FileDescription"} {
					if v[k] != d.Name {
						t.Errorf("winres.json %s %s = %q, want FyneApp.toml's Name %q", lang, k, v[k], d.Name)
					}
				}
			}
		}
	}
	if langs == 0 {
		t.Error("winres.json has no version strings")
	}

	f, err := os.Open("../linux/exactkeeper.desktop")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names := 0
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if v, ok := strings.CutPrefix(sc.Text(), "Name="); ok {
			names++
			if v != d.Name {
				t.Errorf("exactkeeper.desktop Name=%q, want %q", v, d.Name)
			}
		}
	}
	if names != 1 {
		t.Errorf("exactkeeper.desktop has %d Name= lines, want 1", names)
	}
}

func TestLoadMetaRefuses(t *testing.T) {
	dir := t.TempDir()
	good := "[Details]\nName = \"Exact Keeper\"\nID = \"nl.exactkeeper.app\"\nVersion = \"1.2.3\"\nIcon = \"a.png\"\nBuild = 4\n"
	for _, c := range []struct{ name, text, msg string }{
		{"not TOML", "[Details\n", "cannot read"},
		{"no name", strings.Replace(good, "Name = \"Exact Keeper\"\n", "", 1), "needs Name"},
		{"no version, no ID", strings.Replace(strings.Replace(good, "Version = \"1.2.3\"\n", "", 1), "ID = \"nl.exactkeeper.app\"\n", "", 1), "needs ID, Version"},
		{"v prefix", strings.Replace(good, "1.2.3", "v1.2.3", 1), "MAJOR.MINOR.PATCH"},
		{"two parts", strings.Replace(good, "1.2.3", "1.2", 1), "MAJOR.MINOR.PATCH"},
		{"prerelease", strings.Replace(good, "1.2.3", "1.2.3-rc1", 1), "MAJOR.MINOR.PATCH"},
		{"too big for Windows", strings.Replace(good, "1.2.3", "1.65536.0", 1), "at most 65535"},
		{"build too big", strings.Replace(good, "Build = 4", "Build = 70000", 1), "0 to 65535"},
		{"misspelt key", good + "Verison = \"2.0.0\"\n", "unknown key Details.Verison"},
	} {
		p := filepath.Join(dir, "FyneApp.toml")
		writeFile(t, p, c.text)
		if _, err := loadMeta(p); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.msg)
		}
	}
	p := filepath.Join(dir, "ok.toml")
	writeFile(t, p, good+"\n[LinuxAndBSD]\nGenericName = \"x\"\n")
	m, err := loadMeta(p)
	if err != nil {
		t.Fatalf("a valid file with another Fyne section: %v", err)
	}
	if w, _ := m.field("winver"); w != "1.2.3.4" {
		t.Errorf("winver %q, want 1.2.3.4", w)
	}
}

func TestFullVersion(t *testing.T) {
	var m appMeta
	m.Details.Version = "0.4.0"
	for describe, want := range map[string]string{
		"":                        "0.4.0",
		"dev":                     "0.4.0",
		"v0.4.0":                  "0.4.0",
		"0.4.0":                   "0.4.0",
		"v0.3.0-12-g6c7a903":      "0.4.0+v0.3.0-12-g6c7a903",
		"v0.4.0-1-g6c7a903-dirty": "0.4.0+v0.4.0-1-g6c7a903-dirty",
		"v0.4.0-dirty":            "0.4.0+v0.4.0-dirty",
		"ce2e7a8":                 "0.4.0+ce2e7a8",
		"ce2e7a8-dirty\n":         "0.4.0+ce2e7a8-dirty",
		"release/x_y":             "0.4.0+release.x.y",
	} {
		got, err := fullVersion(m, describe)
		if err != nil || got != want {
			t.Errorf("fullVersion(%q) = %q, %v; want %q", describe, got, err, want)
		}
		if num := numericVersion(got); num != "0.4.0" {
			t.Errorf("numericVersion(%q) = %q: the Windows and macOS numbers would lose the release", got, num)
		}
	}
	if _, err := fullVersion(m, "v0.5.0"); err == nil || !strings.Contains(err.Error(), "tagged v0.5.0") {
		t.Errorf("a release tag that disagrees with FyneApp.toml: %v", err)
	}
}

func TestMetaAndVersionCommands(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "FyneApp.toml")
	writeFile(t, p, "[Details]\nName = \"Exact Keeper\"\nID = \"nl.exactkeeper.app\"\nVersion = \"2.3.4\"\nIcon = \"a.png\"\nBuild = 7\n")
	for _, c := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"meta", "-meta", p, "name"}, 0, "Exact Keeper\n"},
		{[]string{"meta", "-meta", p, "id"}, 0, "nl.exactkeeper.app\n"},
		{[]string{"meta", "-meta", p, "version"}, 0, "2.3.4\n"},
		{[]string{"meta", "-meta", p, "winver"}, 0, "2.3.4.7\n"},
		{[]string{"meta", "-meta", p, "colour"}, 2, ""},
		{[]string{"meta", "-meta", filepath.Join(dir, "none.toml"), "name"}, 1, ""},
		{[]string{"version", "-meta", p, "-describe", "ce2e7a8-dirty"}, 0, "2.3.4+ce2e7a8-dirty\n"},
		{[]string{"version", "-meta", p, "-describe", "v2.3.4"}, 0, "2.3.4\n"},
		{[]string{"version", "-meta", p, "-describe", "v9.0.0"}, 1, ""},
	} {
		var out, errb bytes.Buffer
		if code := run(c.args, &out, &errb); code != c.code || out.String() != c.out {
			t.Errorf("%v: exit %d, %q (%s); want %d, %q", c.args, code, out.String(), errb.String(), c.code, c.out)
		}
	}
}

// Without a number in VERSION (no tag, VERSION=dev) the Windows file
// version used to be 0.0.0.0; numver now falls back to FyneApp.toml's.
func TestNumverFallsBackToFyneApp(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "FyneApp.toml"), "[Details]\nName = \"X\"\nID = \"nl.x\"\nVersion = \"3.1.4\"\nIcon = \"a.png\"\n")
	t.Chdir(dir)
	for in, want := range map[string]string{"dev": "3.1.4\n", "ce2e7a8-dirty": "3.1.4\n", "v1.2.3-4-gabc": "1.2.3\n"} {
		var out, errb bytes.Buffer
		if code := run([]string{"numver", in}, &out, &errb); code != 0 || out.String() != want {
			t.Errorf("numver %q: exit %d, %q (%s); want %q", in, code, out.String(), errb.String(), want)
		}
	}
}

// The installer's icon: an ICO directory whose entries are square PNGs of
// the sizes it claims, none blown up beyond the 256 px source.
func TestICOCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "app.ico")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"ico", "-meta", "../../FyneApp.toml", "-out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 6 || binary.LittleEndian.Uint16(b[0:]) != 0 || binary.LittleEndian.Uint16(b[2:]) != 1 {
		t.Fatalf("not an ICO header: % x", b[:min(6, len(b))])
	}
	n := int(binary.LittleEndian.Uint16(b[4:]))
	var got []int
	for i := range n {
		e := b[6+16*i : 6+16*(i+1)]
		size, off := int(binary.LittleEndian.Uint32(e[8:])), int(binary.LittleEndian.Uint32(e[12:]))
		if off+size > len(b) {
			t.Fatalf("entry %d runs past the end", i)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(b[off : off+size]))
		if err != nil || cfg.Width != cfg.Height {
			t.Fatalf("entry %d is not a square PNG: %v", i, err)
		}
		dim := int(e[0])
		if dim == 0 {
			dim = 256
		}
		if dim != cfg.Width {
			t.Errorf("entry %d says %d px, holds %d", i, dim, cfg.Width)
		}
		got = append(got, cfg.Width)
	}
	if !reflect.DeepEqual(got, icoSizes) {
		t.Errorf("sizes %v, want %v", got, icoSizes)
	}
}
