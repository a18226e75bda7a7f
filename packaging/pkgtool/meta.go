package main

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/exactkeeper/exactkeeper/core/platform"
)

// appMeta is the part of FyneApp.toml (Fyne v2.7's metadata format:
// fyne.io/fyne/v2/internal/metadata) that packaging uses.
type appMeta struct {
	Website string
	Details struct {
		Icon    string
		Name    string
		ID      string
		Version string
		Build   int
	}
}

// A release version is plain MAJOR.MINOR.PATCH: Windows file versions and
// macOS bundle versions take nothing else.
var releaseVersionRE = regexp.MustCompile(`^\d+\.\d+\.\d+$`)

// loadMeta reads FyneApp.toml and refuses one that lacks what the packages
// need, naming the field, so a broken file fails the build and not a user.
func loadMeta(path string) (appMeta, error) {
	var m appMeta
	md, err := toml.DecodeFile(path, &m)
	if err != nil {
		return m, fmt.Errorf("cannot read %s (%v): it must be Fyne's FyneApp.toml", path, err)
	}
	if un := md.Undecoded(); len(un) > 0 {
		// Fyne knows more sections (Development, Release, LinuxAndBSD…);
		// only a misspelt [Details] key would silently lose a value.
		for _, k := range un {
			if len(k) == 2 && k[0] == "Details" {
				return m, fmt.Errorf("%s: unknown key Details.%s (Fyne knows Icon, Name, ID, Version, Build)", path, k[1])
			}
		}
	}
	d := m.Details
	var missing []string
	for _, f := range []struct{ name, val string }{{"Name", d.Name}, {"ID", d.ID}, {"Version", d.Version}, {"Icon", d.Icon}} {
		if strings.TrimSpace(f.val) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return m, fmt.Errorf("%s: [Details] needs %s", path, strings.Join(missing, ", "))
	}
	if !releaseVersionRE.MatchString(d.Version) {
		return m, fmt.Errorf("%s: Version %q must be MAJOR.MINOR.PATCH, like 1.2.3", path, d.Version)
	}
	for _, part := range strings.Split(d.Version, ".") {
		if n, err := strconv.Atoi(part); err != nil || n > 65535 {
			return m, fmt.Errorf("%s: Version %q: each part must be at most 65535 (Windows file versions are four 16-bit numbers)", path, d.Version)
		}
	}
	if d.Build < 0 || d.Build > 65535 {
		return m, fmt.Errorf("%s: Build %d must be 0 to 65535 (the fourth part of the Windows file version)", path, d.Build)
	}
	return m, nil
}

// An exact `git describe --tags` of a release tag: no -N-gHASH, no -dirty.
var exactTagRE = regexp.MustCompile(`^v?\d+\.\d+\.\d+$`)

// fullVersion is the version the programs report: FyneApp.toml's Version,
// plus `git describe` as SemVer build metadata ("0.1.0+v0.1.0-3-gabc1234",
// "0.1.0+ce2e7a8-dirty") unless the build is of the release's own tag.
// describe may be empty (no git): then the version stands alone.
func fullVersion(m appMeta, describe string) (string, error) {
	v := m.Details.Version
	describe = strings.TrimSpace(describe)
	if describe == "" || describe == "dev" {
		return v, nil
	}
	if exactTagRE.MatchString(describe) {
		if strings.TrimPrefix(describe, "v") != v {
			return "", fmt.Errorf("the commit is tagged %s but FyneApp.toml says Version = %q: make them agree before releasing", describe, v)
		}
		return v, nil
	}
	return v + "+" + buildMetadata(describe), nil
}

// buildMetadata keeps what SemVer allows after the "+": ASCII letters,
// digits, hyphens and dots; anything else becomes a dot.
func buildMetadata(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '.') {
			b[i] = '.'
		}
	}
	return string(b)
}

// field returns one FyneApp.toml value by the name pkgtool meta takes.
func (m appMeta) field(name string) (string, error) {
	d := m.Details
	switch name {
	case "name":
		return d.Name, nil
	case "id":
		return d.ID, nil
	case "version":
		return d.Version, nil
	case "build":
		return fmt.Sprint(d.Build), nil
	case "icon":
		return d.Icon, nil
	case "website":
		return m.Website, nil
	// Names the code fixes (core/platform), for the installer.
	case "aumid":
		return platform.AppUserModelID, nil
	case "urlscheme":
		return platform.URLScheme, nil
	case "runvalue":
		return platform.RunValueName, nil
	case "winver":
		// The Windows FILEVERSION: four 16-bit numbers.
		return d.Version + "." + fmt.Sprint(d.Build), nil
	}
	return "", errors.New("unknown field " + name + "; use name, id, version, build, icon, website, winver, aumid, urlscheme or runvalue")
}
