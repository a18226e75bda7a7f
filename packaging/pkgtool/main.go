// Command pkgtool does the parts of packaging that need more than a shell.
// FyneApp.toml at the top of the repository is the one source of the app's
// name, ID and version; every command that needs them reads it (-meta):
//
//	pkgtool meta [-meta FyneApp.toml] name|id|version|build|icon|website|winver|aumid|urlscheme|runvalue
//	    prints one value of FyneApp.toml (winver: the four-part Windows
//	    file version, Version.Build), or one of the Windows names that
//	    core/platform fixes (aumid, urlscheme, runvalue), for the installer.
//	pkgtool version [-meta FyneApp.toml] -describe "$(git describe --tags --always --dirty)"
//	    prints the version the programs report: FyneApp.toml's Version,
//	    with the git description as build metadata after a "+" unless the
//	    commit carries the release's own tag (a different tag is an error).
//	pkgtool numver VERSION
//	    prints the numeric MAJOR.MINOR.PATCH in a version string (git
//	    describe output like v1.2.3-4-gabcdef-dirty, or 0.1.0+ce2e7a8), or
//	    FyneApp.toml's Version when it has none, for the Windows file
//	    version and macOS bundle versions, which must be numeric.
//	pkgtool ico [-meta FyneApp.toml] -out FILE.ico
//	    writes the app icon as a Windows .ico (installer, uninstaller).
//	pkgtool macapp [-meta FyneApp.toml] -version V -out "Exact Keeper.app"
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
		fmt.Fprintln(stderr, "usage: pkgtool meta FIELD | pkgtool version -describe DESC | pkgtool numver VERSION | pkgtool macapp -version V -out DIR.app")
		return 2
	}
	switch args[0] {
	case "meta":
		fs := flag.NewFlagSet("pkgtool meta", flag.ContinueOnError)
		fs.SetOutput(stderr)
		metaPath := fs.String("meta", "FyneApp.toml", "Fyne's app metadata file")
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		if fs.NArg() != 1 {
			fmt.Fprintln(stderr, "usage: pkgtool meta [-meta FyneApp.toml] name|id|version|build|icon|website|winver|aumid|urlscheme|runvalue")
			return 2
		}
		m, err := loadMeta(*metaPath)
		if err != nil {
			fmt.Fprintf(stderr, "pkgtool meta: %v\n", err)
			return 1
		}
		v, err := m.field(fs.Arg(0))
		if err != nil {
			fmt.Fprintf(stderr, "pkgtool meta: %v\n", err)
			return 2
		}
		fmt.Fprintln(stdout, v)
		return 0
	case "version":
		fs := flag.NewFlagSet("pkgtool version", flag.ContinueOnError)
		fs.SetOutput(stderr)
		metaPath := fs.String("meta", "FyneApp.toml", "Fyne's app metadata file")
		describe := fs.String("describe", "", "the output of git describe --tags --always --dirty (may be empty)")
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		m, err := loadMeta(*metaPath)
		if err == nil {
			var v string
			if v, err = fullVersion(m, *describe); err == nil {
				fmt.Fprintln(stdout, v)
				return 0
			}
		}
		fmt.Fprintf(stderr, "pkgtool version: %v\n", err)
		return 1
	case "numver":
		if len(args) != 2 {
			fmt.Fprintln(stderr, "usage: pkgtool numver VERSION")
			return 2
		}
		num := numericVersion(args[1])
		if num == "0.0.0" {
			// A VERSION without a number ("dev", a bare commit hash) must
			// not give Windows a 0.0.0.0 file version: FyneApp.toml's.
			m, err := loadMeta("FyneApp.toml")
			if err != nil {
				fmt.Fprintf(stderr, "pkgtool numver: %v\n", err)
				return 1
			}
			num = m.Details.Version
		}
		fmt.Fprintln(stdout, num)
		return 0
	case "ico":
		fs := flag.NewFlagSet("pkgtool ico", flag.ContinueOnError)
		fs.SetOutput(stderr)
		metaPath := fs.String("meta", "FyneApp.toml", "Fyne's app metadata file: its Icon is the source")
		out := fs.String("out", "", "the .ico file to write")
		if err := fs.Parse(args[1:]); err != nil || *out == "" {
			fmt.Fprintln(stderr, "usage: pkgtool ico [-meta FyneApp.toml] -out FILE.ico")
			return 2
		}
		m, err := loadMeta(*metaPath)
		if err == nil {
			var src, ico []byte
			if src, err = os.ReadFile(metaRelative(*metaPath, m.Details.Icon)); err == nil {
				if ico, err = makeICO(src); err == nil {
					err = os.WriteFile(*out, ico, 0o644)
				}
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "pkgtool ico: %v\n", err)
			return 1
		}
		return 0
	case "macapp":
		fs := flag.NewFlagSet("pkgtool macapp", flag.ContinueOnError)
		fs.SetOutput(stderr)
		version := fs.String("version", "", "the full version (pkgtool version); default: FyneApp.toml's Version")
		metaPath := fs.String("meta", "FyneApp.toml", "Fyne's app metadata file: name, ID, version and icon")
		out := fs.String("out", "", "the bundle to write, ending in .app")
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		if filepath.Ext(*out) != ".app" {
			fmt.Fprintln(stderr, "pkgtool macapp: -out must name a folder ending in .app")
			return 2
		}
		m, err := loadMeta(*metaPath)
		if err != nil {
			fmt.Fprintf(stderr, "pkgtool macapp: %v\n", err)
			return 1
		}
		if *version == "" {
			*version = m.Details.Version
		}
		if err := writeBundle(*out, m, *version, metaRelative(*metaPath, m.Details.Icon)); err != nil {
			fmt.Fprintf(stderr, "pkgtool macapp: %v\n", err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "pkgtool: unknown command %q; use meta, version, numver or macapp\n", args[0])
	return 2
}

// metaRelative resolves a path in FyneApp.toml, which is relative to the
// file itself.
func metaRelative(metaPath, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(metaPath), p)
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
func writeBundle(app string, m appMeta, version, iconPNG string) error {
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
		"Info.plist":                 infoPlist(m, version),
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
