#!/usr/bin/env bash
# Installs the Debian packages that packaging and its smoke tests need, and
# nothing when they are already there: mingw-w64 for the Windows cross-build,
# wine for the Windows smoke start, xz and zip for the archives,
# desktop-file-utils to validate .desktop files. Usage: packaging/deps.sh
set -euo pipefail
want=(
  gcc-mingw-w64-x86-64 wine64 xz-utils zip desktop-file-utils
  # the session the smoke tests run in (scripts/with-session.sh)
  xvfb xauth dbus dbus-daemon gnome-keyring
)
command -v dpkg-query >/dev/null || { echo "packaging deps: not a Debian system; install the equivalents of: ${want[*]}" >&2; exit 0; }
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "packaging deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
