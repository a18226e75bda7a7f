#!/bin/sh
# Installs Exact Keeper for the current user into ~/.local (no root needed):
# the programs into ~/.local/bin, the menu entry into
# ~/.local/share/applications and the icon into ~/.local/share/icons.
# Running it again updates an installed copy; a running keeper carries on
# with its old program until it is restarted.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
: "${HOME:?HOME must be set to your home folder}"
bindir="${XDG_BIN_HOME:-$HOME/.local/bin}"
datadir="${XDG_DATA_HOME:-$HOME/.local/share}"
appdir="$datadir/applications"
icondir="$datadir/icons/hicolor/256x256/apps"

for f in exactkeeper exactkeeper-dashboard exactkeeperctl exactkeeper.png exactkeeper.desktop; do
  [ -f "$here/$f" ] || { echo "install.sh: $f is missing next to install.sh; unpack the whole archive and run it again" >&2; exit 1; }
done
mkdir -p "$bindir" "$appdir" "$icondir"

# Copy, then rename over the old file: a running keeper keeps its program,
# and an interrupted install never leaves half a program behind.
for b in exactkeeper exactkeeper-dashboard exactkeeperctl; do
  cp "$here/$b" "$bindir/.$b.new"
  chmod 755 "$bindir/.$b.new"
  mv -f "$bindir/.$b.new" "$bindir/$b"
done
cp "$here/exactkeeper.png" "$icondir/exactkeeper.png"

# The menu entry names the program by its full path, quoted as the Desktop
# Entry Specification asks (\ " ` $ escaped, \ doubled again as a string
# escape, % doubled), because ~/.local/bin is not on every desktop's PATH.
exec_path=$(printf '%s' "$bindir/exactkeeper" | sed -e 's/\\/\\\\\\\\/g' -e 's/["`$]/\\\\&/g' -e 's/%/%%/g')
while IFS= read -r line; do
  case $line in
    Exec=*) printf 'Exec="%s"\n' "$exec_path" ;;
    *) printf '%s\n' "$line" ;;
  esac
done <"$here/exactkeeper.desktop" >"$appdir/.exactkeeper.desktop.new"
mv -f "$appdir/.exactkeeper.desktop.new" "$appdir/exactkeeper.desktop"

command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$appdir" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$datadir/icons/hicolor" 2>/dev/null || true

echo "Exact Keeper is installed in $bindir."
echo "Start it from your applications menu (Exact Keeper), or run: $bindir/exactkeeper"
echo "Try it without an Exact Online account: $bindir/exactkeeper --demo"
case ":${PATH:-}:" in
  *":$bindir:"*) ;;
  *) echo "Note: $bindir is not on your PATH; add it to use exactkeeperctl by name." ;;
esac
