// Package version reports the build's version from the Go build info, so
// `exactkeeper --version`, `exactkeeperctl version` and the dashboard's About
// agree without a hand-maintained constant.
package version

import (
	"runtime/debug"
	"strings"
)

// Override is set with -ldflags "-X …/internal/version.Override=v1.2.3" by
// release builds.
var Override string

// String is "exactkeeper VERSION (REVISION)", as precise as the build allows.
func String() string {
	v := Override
	var rev string
	var dirty bool
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "dev"
	}
	var b strings.Builder
	b.WriteString("exactkeeper ")
	b.WriteString(v)
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		b.WriteString(" (" + rev)
		if dirty {
			b.WriteString(", modified")
		}
		b.WriteString(")")
	}
	return b.String()
}
