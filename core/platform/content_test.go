package platform

import (
	"encoding/xml"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/exactkeeper/exactkeeper/internal/testenv"
)

// argvCases are program paths and arguments that quoting gets wrong easily.
var argvCases = []struct {
	name string
	argv []string
}{
	{"plain", []string{"/usr/bin/exactkeeper"}},
	{"space", []string{"/home/Jan de Vries/.local/bin/exactkeeper"}},
	{"reserved", []string{`/opt/a"b$c` + "`d\\e/exactkeeper", "--flag=x y", "100%", ""}},
	{"shell", []string{"/tmp/x;y&z|(w)#*?~<>'/exactkeeper", "a\tb", "line\nbreak"}},
	{"windows", []string{`C:\Program Files\Exact Keeper\exactkeeper.exe`, `C:\dir with space\`, `say "hi"`, `a\\"b`, `tail\`}},
}

// parseDesktopExec reads an Exec value back as the Desktop Entry
// Specification says a launcher does: string escapes first, then quoting,
// then %% as a literal %.
func parseDesktopExec(t *testing.T, v string) []string {
	t.Helper()
	var s strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '\\' {
			s.WriteByte(v[i])
			continue
		}
		i++
		if i == len(v) {
			t.Fatalf("dangling backslash in %q", v)
		}
		s.WriteByte(map[byte]byte{'\\': '\\', 's': ' ', 'n': '\n', 't': '\t', 'r': '\r'}[v[i]])
	}
	in := s.String()
	var argv []string
	for i := 0; i < len(in); {
		if in[i] == ' ' {
			i++
			continue
		}
		var a strings.Builder
		if in[i] == '"' {
			i++
			for ; i < len(in) && in[i] != '"'; i++ {
				if in[i] == '\\' {
					i++
					if i == len(in) || !strings.ContainsRune("\"`$\\", rune(in[i])) {
						t.Fatalf("bad escape in quoted argument of %q", in)
					}
				}
				a.WriteByte(in[i])
			}
			if i == len(in) {
				t.Fatalf("unterminated quote in %q", in)
			}
			i++
		} else {
			for ; i < len(in) && in[i] != ' '; i++ {
				if strings.ContainsRune("\t\n\"'\\><~|&;$*?#()`", rune(in[i])) {
					t.Fatalf("reserved character %q outside quotes in %q", in[i], in)
				}
				a.WriteByte(in[i])
			}
		}
		argv = append(argv, strings.ReplaceAll(a.String(), "%%", "%"))
	}
	return argv
}

func desktopKey(t *testing.T, entry []byte, key string) string {
	t.Helper()
	for _, line := range strings.Split(string(entry), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && k == key {
			return v
		}
	}
	t.Fatalf("no %s in\n%s", key, entry)
	return ""
}

func TestDesktopEntryExecRoundTrips(t *testing.T) {
	for _, c := range argvCases {
		t.Run(c.name, func(t *testing.T) {
			entry := DesktopEntry(c.argv[0], c.argv[1:])
			if strings.Count(string(entry), "\n") != strings.Count(string(DesktopEntry("x", nil)), "\n") {
				t.Fatalf("an argument broke the file into more lines:\n%s", entry)
			}
			got := parseDesktopExec(t, desktopKey(t, entry, "Exec"))
			if !reflect.DeepEqual(got, c.argv) {
				t.Errorf("Exec reads back as %q, want %q", got, c.argv)
			}
			if desktopKey(t, entry, "Type") != "Application" || !desktopEntryEnabled(entry) {
				t.Errorf("not an enabled application entry:\n%s", entry)
			}
		})
	}
}

func TestDesktopEntryPassesDesktopFileValidate(t *testing.T) {
	tool, err := exec.LookPath("desktop-file-validate")
	if err != nil {
		// Under `make test` (EXACTKEEPER_TEST_REAL=1, after scripts/deps.sh
		// test installed desktop-file-utils) a missing tool is a failure,
		// not a silent skip.
		if testenv.Required() {
			t.Fatal("desktop-file-validate is required (EXACTKEEPER_TEST_REAL=1) but not installed; scripts/deps.sh test installs desktop-file-utils")
		}
		t.Skip("desktop-file-validate not installed (scripts/deps.sh test installs desktop-file-utils)")
	}
	for _, c := range argvCases {
		t.Run(c.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), DesktopFileName)
			if err := writeFile(f, DesktopEntry(c.argv[0], c.argv[1:])); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(tool, f).CombinedOutput(); err != nil || len(out) > 0 {
				t.Errorf("desktop-file-validate: %v\n%s", err, out)
			}
		})
	}
}

func TestDesktopEntryEnabled(t *testing.T) {
	for _, c := range []struct {
		name, content string
		want          bool
	}{
		{"ours", string(DesktopEntry("/x", nil)), true},
		{"hidden", "[Desktop Entry]\nType=Application\nHidden=true\n", false},
		{"gnome off", "[Desktop Entry]\nX-GNOME-Autostart-enabled=false\n", false},
		{"gnome off, spaced", "[Desktop Entry]\nX-GNOME-Autostart-enabled = false\n", false},
		{"hidden false", "[Desktop Entry]\nHidden=false\n", true},
		{"other group", "[Desktop Entry]\nType=Application\n[Desktop Action x]\nHidden=true\n", true},
		{"empty", "", true},
	} {
		if got := desktopEntryEnabled([]byte(c.content)); got != c.want {
			t.Errorf("%s: enabled = %v, want %v", c.name, got, c.want)
		}
	}
}

// plistValue decodes the subset of Apple's property list XML the agent
// uses, independently of how LaunchAgentPlist writes it.
func plistValue(t *testing.T, d *xml.Decoder, start xml.StartElement) any {
	t.Helper()
	switch start.Name.Local {
	case "string", "key":
		var s string
		if err := d.DecodeElement(&s, &start); err != nil {
			t.Fatal(err)
		}
		return s
	case "true", "false":
		if err := d.Skip(); err != nil {
			t.Fatal(err)
		}
		return start.Name.Local == "true"
	case "array":
		list := []string{}
		for {
			tok, err := d.Token()
			if err != nil {
				t.Fatal(err)
			}
			switch tok := tok.(type) {
			case xml.StartElement:
				list = append(list, plistValue(t, d, tok).(string))
			case xml.EndElement:
				return list
			}
		}
	case "dict":
		m := map[string]any{}
		var key string
		for {
			tok, err := d.Token()
			if err != nil {
				t.Fatal(err)
			}
			switch tok := tok.(type) {
			case xml.StartElement:
				v := plistValue(t, d, tok)
				if tok.Name.Local == "key" {
					key = v.(string)
				} else {
					m[key] = v
				}
			case xml.EndElement:
				return m
			}
		}
	}
	t.Fatalf("unexpected plist element <%s>", start.Name.Local)
	return nil
}

// parsePlist returns the top-level dict of a property list.
func parsePlist(t *testing.T, b []byte) map[string]any {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(string(b)))
	d.Strict = true
	var top map[string]any
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, b)
		}
		if s, ok := tok.(xml.StartElement); ok && s.Name.Local == "dict" {
			top = plistValue(t, d, s).(map[string]any)
		}
	}
	if top == nil {
		t.Fatalf("no dict in\n%s", b)
	}
	return top
}

func TestLaunchAgentPlistParsesBack(t *testing.T) {
	for _, c := range argvCases {
		t.Run(c.name, func(t *testing.T) {
			p := parsePlist(t, LaunchAgentPlist(c.argv[0], c.argv[1:]))
			want := map[string]any{
				"Label":                  BundleID,
				"ProgramArguments":       c.argv,
				"RunAtLoad":              true,
				"ProcessType":            "Interactive",
				"LimitLoadToSessionType": "Aqua",
			}
			if !reflect.DeepEqual(p, want) {
				t.Errorf("plist reads back as %#v, want %#v", p, want)
			}
		})
	}
}

// commandLineToArgv splits a command line as Windows' CommandLineToArgvW
// does: the program name ends at the closing quote, without escapes; in the
// arguments 2n backslashes before a quote are n backslashes and a quote
// toggles quoting, 2n+1 are n and a literal quote, other backslashes are
// literal.
func commandLineToArgv(t *testing.T, s string) []string {
	t.Helper()
	if !strings.HasPrefix(s, `"`) {
		t.Fatalf("program path not quoted in %q", s)
	}
	end := strings.IndexByte(s[1:], '"')
	if end < 0 {
		t.Fatalf("unterminated program path in %q", s)
	}
	argv := []string{s[1 : end+1]}
	rest := s[end+2:]
	var cur strings.Builder
	inArg, quoted := false, false
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		switch {
		case c == '\\':
			n := 0
			for i < len(rest) && rest[i] == '\\' {
				n++
				i++
			}
			if i < len(rest) && rest[i] == '"' {
				cur.WriteString(strings.Repeat(`\`, n/2))
				if n%2 == 1 {
					cur.WriteByte('"')
				} else {
					quoted = !quoted
				}
			} else {
				cur.WriteString(strings.Repeat(`\`, n))
				i--
			}
			inArg = true
		case c == '"':
			quoted = !quoted
			inArg = true
		case (c == ' ' || c == '\t') && !quoted:
			if inArg {
				argv = append(argv, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteByte(c)
			inArg = true
		}
	}
	if inArg {
		argv = append(argv, cur.String())
	}
	return argv
}

func TestRunValue(t *testing.T) {
	for _, c := range []struct {
		argv []string
		want string
	}{
		{[]string{`C:\Program Files\Exact Keeper\exactkeeper.exe`}, `"C:\Program Files\Exact Keeper\exactkeeper.exe"`},
		{[]string{`C:\x\exactkeeper.exe`, "--demo"}, `"C:\x\exactkeeper.exe" --demo`},
		{[]string{`C:\x.exe`, `a b`, ""}, `"C:\x.exe" "a b" ""`},
		{[]string{`C:\x.exe`, `C:\dir with space\`}, `"C:\x.exe" "C:\dir with space\\"`},
		{[]string{`C:\x.exe`, `say "hi"`}, `"C:\x.exe" "say \"hi\""`},
		{[]string{`C:\x.exe`, `a\b`}, `"C:\x.exe" a\b`},
	} {
		if got := RunValue(c.argv[0], c.argv[1:]); got != c.want {
			t.Errorf("RunValue(%q) = %s, want %s", c.argv, got, c.want)
		}
	}
	for _, c := range argvCases {
		if strings.Contains(c.argv[0], `"`) {
			continue // Windows paths cannot contain quotes
		}
		got := commandLineToArgv(t, RunValue(c.argv[0], c.argv[1:]))
		if !reflect.DeepEqual(got, c.argv) {
			t.Errorf("%s: Windows reads %q back as %q", c.name, RunValue(c.argv[0], c.argv[1:]), got)
		}
	}
}

func TestStartupApprovedDisabled(t *testing.T) {
	for _, c := range []struct {
		b    []byte
		want bool
	}{
		{nil, false},
		{[]byte{2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, false},
		{[]byte{6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, false},
		{[]byte{3, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}, true},
		{[]byte{7}, true},
	} {
		if got := startupApprovedDisabled(c.b); got != c.want {
			t.Errorf("startupApprovedDisabled(% x) = %v, want %v", c.b, got, c.want)
		}
	}
}

func TestAppUserModelIDValues(t *testing.T) {
	for _, c := range []struct {
		name, id, display, icon string
		wantKey                 string
		wantValues              map[string]string
		wantErr                 string
	}{
		{name: "with icon", id: AppUserModelID, display: AppName, icon: `C:\Users\Jan\AppData\Local\Exact Keeper\exactkeeper.png`,
			wantKey:    `Software\Classes\AppUserModelId\ExactKeeper.ExactKeeper`,
			wantValues: map[string]string{"DisplayName": "Exact Keeper", "IconUri": `C:\Users\Jan\AppData\Local\Exact Keeper\exactkeeper.png`}},
		{name: "no icon", id: "A.B", display: "AB", wantKey: `Software\Classes\AppUserModelId\A.B`, wantValues: map[string]string{"DisplayName": "AB"}},
		{name: "UNC icon", id: "A.B", display: "AB", icon: `\\server\share\i.ico`, wantKey: `Software\Classes\AppUserModelId\A.B`,
			wantValues: map[string]string{"DisplayName": "AB", "IconUri": `\\server\share\i.ico`}},
		{name: "space in id", id: "Exact Keeper", display: "x", wantErr: "not a valid AppUserModelID"},
		{name: "backslash in id", id: `A\B`, display: "x", wantErr: "not a valid AppUserModelID"},
		{name: "empty id", id: "", display: "x", wantErr: "not a valid AppUserModelID"},
		{name: "long id", id: strings.Repeat("a", 129), display: "x", wantErr: "not a valid AppUserModelID"},
		{name: "no name", id: "A.B", display: " ", wantErr: "display name"},
		{name: "relative icon", id: "A.B", display: "x", icon: `icons\app.png`, wantErr: "absolute path"},
	} {
		t.Run(c.name, func(t *testing.T) {
			key, values, err := AppUserModelIDValues(c.id, c.display, c.icon)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one about %q", err, c.wantErr)
				}
				if RegisterAppUserModelID(c.id, c.display, c.icon) == nil {
					t.Error("RegisterAppUserModelID accepted what AppUserModelIDValues refuses")
				}
				return
			}
			if err != nil || key != c.wantKey || !reflect.DeepEqual(values, c.wantValues) {
				t.Errorf("got %q %v %v, want %q %v", key, values, err, c.wantKey, c.wantValues)
			}
		})
	}
}
