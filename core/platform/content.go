package platform

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
)

// DesktopEntry is the XDG .desktop file that starts exe with args at login.
// Exec follows the Desktop Entry Specification: arguments with reserved
// characters are double-quoted with \ " ` $ escaped, % is doubled, and the
// string escapes (\\, \n, …) are applied on top.
func DesktopEntry(exe string, args []string) []byte {
	var b bytes.Buffer
	b.WriteString("[Desktop Entry]\n")
	b.WriteString("Type=Application\n")
	b.WriteString("Name=" + AppName + "\n")
	b.WriteString("Comment=Keeps your Exact Online connections alive\n")
	b.WriteString("Comment[nl]=Houdt uw koppelingen met Exact Online actief\n")
	b.WriteString("Exec=" + desktopExec(append([]string{exe}, args...)) + "\n")
	b.WriteString("Icon=" + strings.TrimSuffix(DesktopFileName, ".desktop") + "\n")
	b.WriteString("Terminal=false\n")
	b.WriteString("X-GNOME-Autostart-enabled=true\n")
	return b.Bytes()
}

// desktopExec joins argv into an Exec value.
func desktopExec(argv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		parts[i] = desktopQuote(a)
	}
	return desktopEscape(strings.Join(parts, " "))
}

// desktopQuote applies the Exec quoting rule to one argument.
func desktopQuote(arg string) string {
	arg = strings.ReplaceAll(arg, "%", "%%")
	if arg != "" && !strings.ContainsAny(arg, " \t\n\"'\\><~|&;$*?#()`") {
		return arg
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range arg {
		if strings.ContainsRune("\"`$\\", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// desktopEscape applies the escapes of the string value type.
func desktopEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\t", `\t`, "\r", `\r`).Replace(s)
}

// desktopEntryEnabled reports whether a .desktop file in an autostart folder
// is active: desktops hide entries the user switched off with Hidden=true
// or X-GNOME-Autostart-enabled=false instead of deleting them.
func desktopEntryEnabled(content []byte) bool {
	inMain := false
	for _, line := range strings.Split(string(content), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			inMain = line == "[Desktop Entry]"
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !inMain || !ok {
			continue
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if (key == "Hidden" && value == "true") || (key == "X-GNOME-Autostart-enabled" && value == "false") {
			return false
		}
	}
	return true
}

// LaunchAgentPlist is the LaunchAgent property list that starts exe with
// args at login. It does not keep the keeper alive: a user who quits it
// means it until the next login.
func LaunchAgentPlist(exe string, args []string) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">` + "\n")
	b.WriteString(`<plist version="1.0">` + "\n<dict>\n")
	b.WriteString("\t<key>Label</key>\n\t<string>" + xmlText(BundleID) + "</string>\n")
	b.WriteString("\t<key>ProgramArguments</key>\n\t<array>\n")
	for _, a := range append([]string{exe}, args...) {
		b.WriteString("\t\t<string>" + xmlText(a) + "</string>\n")
	}
	b.WriteString("\t</array>\n")
	b.WriteString("\t<key>RunAtLoad</key>\n\t<true/>\n")
	b.WriteString("\t<key>ProcessType</key>\n\t<string>Interactive</string>\n")
	b.WriteString("\t<key>LimitLoadToSessionType</key>\n\t<string>Aqua</string>\n")
	b.WriteString("</dict>\n</plist>\n")
	return b.Bytes()
}

func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder does not fail
	return b.String()
}

// RunValue is the command line stored under the Run key: the program path
// in quotes (Windows paths cannot contain quotes, and the first word is not
// backslash-escaped), then each argument quoted as CommandLineToArgvW reads
// it back.
func RunValue(exe string, args []string) string {
	var b strings.Builder
	b.WriteString(`"` + exe + `"`)
	for _, a := range args {
		b.WriteByte(' ')
		b.WriteString(windowsQuote(a))
	}
	return b.String()
}

// windowsQuote quotes one argument for CommandLineToArgvW: backslashes are
// literal unless they precede a quote, so those are doubled, and so are the
// ones before the closing quote.
func windowsQuote(arg string) string {
	if arg != "" && !strings.ContainsAny(arg, " \t\n\v\"") {
		return arg
	}
	var b strings.Builder
	b.WriteByte('"')
	slashes := 0
	for i := 0; i < len(arg); i++ {
		c := arg[i]
		switch c {
		case '\\':
			slashes++
		case '"':
			b.WriteString(strings.Repeat(`\`, slashes+1))
			slashes = 0
		default:
			slashes = 0
		}
		b.WriteByte(c)
	}
	b.WriteString(strings.Repeat(`\`, slashes))
	b.WriteByte('"')
	return b.String()
}

// startupApprovedDisabled reads a value under Explorer\StartupApproved\Run,
// where Task Manager records that the user switched a Run entry off: an odd
// first byte means off.
func startupApprovedDisabled(b []byte) bool { return len(b) > 0 && b[0]&1 == 1 }

// AppUserModelIDValues is the registry key (under HKEY_CURRENT_USER) and the
// string values that register id for toast notifications: DisplayName, and
// IconUri when iconPath (an absolute path to a .png or .ico) is given.
func AppUserModelIDValues(id, displayName, iconPath string) (key string, values map[string]string, err error) {
	if id == "" || len(id) > 128 || strings.ContainsAny(id, " \\/\t\r\n") {
		return "", nil, fmt.Errorf("%q is not a valid AppUserModelID: use at most 128 characters without spaces or slashes, like Company.Product", id)
	}
	if strings.TrimSpace(displayName) == "" {
		return "", nil, errors.New("the AppUserModelID needs a display name: Windows shows it above each notification")
	}
	values = map[string]string{"DisplayName": displayName}
	if iconPath != "" {
		if !windowsAbs(iconPath) {
			return "", nil, fmt.Errorf("the notification icon %q must be an absolute path like C:\\…\\exactkeeper.png", iconPath)
		}
		values["IconUri"] = iconPath
	}
	return `Software\Classes\AppUserModelId\` + id, values, nil
}

// windowsAbs reports whether p is an absolute Windows path (drive or UNC),
// whatever OS this runs on.
func windowsAbs(p string) bool {
	if strings.HasPrefix(p, `\\`) {
		return len(p) > 2
	}
	return len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') &&
		(('a' <= p[0] && p[0] <= 'z') || ('A' <= p[0] && p[0] <= 'Z'))
}
