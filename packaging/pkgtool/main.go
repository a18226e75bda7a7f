// Command pkgtool does the parts of packaging that need more than a shell:
//
//	pkgtool numver VERSION
//	    prints the numeric MAJOR.MINOR.PATCH in a version string (git
//	    describe output like v1.2.3-4-gabcdef-dirty), or 0.0.0 when it has
//	    none, for the Windows file version and macOS bundle versions, which
//	    must be numeric.
//	pkgtool macapp -version V -icon app.png -out "Exact Keeper.app"
//	    writes a macOS bundle's Info.plist, PkgInfo and .icns icon, so
//	    nothing but the executables has to come from a Mac.
//
// It is pure Go, so Linux CI builds and tests what goes into the Mac bundle.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: pkgtool numver VERSION | pkgtool macapp -version V -icon PNG -out DIR.app")
		return 2
	}
	switch args[0] {
	case "numver":
		if len(args) != 2 {
			fmt.Fprintln(stderr, "usage: pkgtool numver VERSION")
			return 2
		}
		fmt.Fprintln(stdout, numericVersion(args[1]))
		return 0
	case "macapp":
		fs := flag.NewFlagSet("pkgtool macapp", flag.ContinueOnError)
		fs.SetOutput(stderr)
		version := fs.String("version", "dev", "the version string (git describe)")
		icon := fs.String("icon", "assets/icons/app.png", "the app icon, a square PNG")
		out := fs.String("out", "", "the bundle to write, ending in .app")
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		if filepath.Ext(*out) != ".app" {
			fmt.Fprintln(stderr, "pkgtool macapp: -out must name a folder ending in .app")
			return 2
		}
		if err := writeBundle(*out, *version, *icon); err != nil {
			fmt.Fprintf(stderr, "pkgtool macapp: %v\n", err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "pkgtool: unknown command %q; use numver or macapp\n", args[0])
	return 2
}

// A leading v, one to three numbers, then the end or a -suffix/+build: so a
// bare commit hash such as 6c7a903 is not read as version 6.
var versionRE = regexp.MustCompile(`^v?(\d+(?:\.\d+){0,2})(?:[-+].*)?$`)

// numericVersion extracts MAJOR.MINOR.PATCH, padding missing parts with 0.
func numericVersion(v string) string {
	m := versionRE.FindStringSubmatch(v)
	if m == nil {
		return "0.0.0"
	}
	parts := strings.Split(m[1], ".")
	for len(parts) < 3 {
		parts = append(parts, "0")
	}
	return parts[0] + "." + parts[1] + "." + parts[2]
}

// writeBundle writes everything of the .app but the executables.
func writeBundle(app, version, iconPNG string) error {
	png, err := os.ReadFile(iconPNG)
	if err != nil {
		return fmt.Errorf("cannot read the icon (%v): pass -icon with the app's PNG", err)
	}
	icns, err := makeICNS(png)
	if err != nil {
		return err
	}
	contents := filepath.Join(app, "Contents")
	for _, d := range []string{"MacOS", "Resources"} {
		if err := os.MkdirAll(filepath.Join(contents, d), 0o755); err != nil {
			return fmt.Errorf("cannot create the bundle (%v): check that you may write to %s", err, filepath.Dir(app))
		}
	}
	files := map[string][]byte{
		"Info.plist":                 infoPlist(version),
		"PkgInfo":                    []byte("APPL????"),
		"Resources/exactkeeper.icns": icns,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(contents, name), data, 0o644); err != nil {
			return fmt.Errorf("cannot write %s (%v)", name, err)
		}
	}
	return nil
}
