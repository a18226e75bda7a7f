package platform

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
)

// DownloadsDir is where a file made for the owner (the calendar export)
// goes without asking: the desktop's Downloads folder, else the home
// folder. home is the user's home folder; getenv reads the environment.
//
// On Linux the folder is the XDG user directory (localised by the desktop,
// e.g. ~/Downloads or ~/Téléchargements), read from $XDG_DOWNLOAD_DIR or
// ~/.config/user-dirs.dirs; elsewhere ~/Downloads, as Windows and macOS
// name it for every language.
func DownloadsDir(home string, getenv func(string) string) string {
	candidates := []string{expandHome(getenv("XDG_DOWNLOAD_DIR"), home)}
	cfg := getenv("XDG_CONFIG_HOME")
	if cfg == "" {
		cfg = filepath.Join(home, ".config")
	}
	candidates = append(candidates, userDirsDownload(filepath.Join(cfg, "user-dirs.dirs"), home), filepath.Join(home, "Downloads"))
	for _, dir := range candidates {
		if dir == "" {
			continue
		}
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return dir
		}
	}
	return home
}

// userDirsDownload reads XDG_DOWNLOAD_DIR="$HOME/…" from a user-dirs.dirs
// file; "" when absent.
func userDirsDownload(path, home string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		v, ok := strings.CutPrefix(line, "XDG_DOWNLOAD_DIR=")
		if !ok {
			continue
		}
		return expandHome(strings.Trim(v, `"`), home)
	}
	return ""
}

// expandHome replaces a leading $HOME; only absolute results count.
func expandHome(p, home string) string {
	if rest, ok := strings.CutPrefix(p, "$HOME"); ok {
		p = home + rest
	}
	if !filepath.IsAbs(p) {
		return ""
	}
	return filepath.Clean(p)
}
