package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
)

// Bundle facts beyond FyneApp.toml, whose ID must match platform.BundleID,
// the LaunchAgent label (TestMetaAgreesWithTheCode).
const (
	executable = "exactkeeper"
	// Go 1.26 runs on macOS 12 and later.
	minimumMacOS = "12.0"
)

// infoPlist is Contents/Info.plist. LSUIElement keeps the keeper out of the
// Dock and the app switcher: it lives in the menu bar.
func infoPlist(m appMeta, version string) []byte {
	num := numericVersion(version)
	if num == "0.0.0" {
		num = m.Details.Version // a VERSION like "dev" carries no number
	}
	entries := []struct {
		key string
		val any
	}{
		{"CFBundleDevelopmentRegion", "en"},
		{"CFBundleDisplayName", m.Details.Name},
		{"CFBundleExecutable", executable},
		{"CFBundleIconFile", "exactkeeper.icns"},
		{"CFBundleIdentifier", m.Details.ID},
		{"CFBundleInfoDictionaryVersion", "6.0"},
		{"CFBundleLocalizations", []string{"en", "nl"}},
		{"CFBundleName", m.Details.Name},
		{"CFBundlePackageType", "APPL"},
		{"CFBundleShortVersionString", num},
		{"CFBundleVersion", num},
		{"LSApplicationCategoryType", "public.app-category.business"},
		{"LSMinimumSystemVersion", minimumMacOS},
		{"LSUIElement", true},
		{"NSHighResolutionCapable", true},
		{"NSHumanReadableCopyright", m.Details.Name + " " + version},
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">` + "\n")
	b.WriteString("<plist version=\"1.0\">\n<dict>\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "\t<key>%s</key>\n", esc(e.key))
		switch v := e.val.(type) {
		case string:
			fmt.Fprintf(&b, "\t<string>%s</string>\n", esc(v))
		case bool:
			fmt.Fprintf(&b, "\t<%t/>\n", v)
		case []string:
			b.WriteString("\t<array>\n")
			for _, s := range v {
				fmt.Fprintf(&b, "\t\t<string>%s</string>\n", esc(s))
			}
			b.WriteString("\t</array>\n")
		}
	}
	b.WriteString("</dict>\n</plist>\n")
	return b.Bytes()
}

func esc(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s)) // a bytes.Buffer does not fail
	return b.String()
}
