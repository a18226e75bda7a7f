#!/usr/bin/env bash
# Installs the Debian packages Exact Keeper needs to build, test or package,
# and nothing when they are already there. Usage: scripts/deps.sh [build|test|package]
set -euo pipefail
want=(
  # Fyne's cgo build (the tray app and the dashboard)
  pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev
  # the OS keychain (Secret Service) and a session bus
  dbus dbus-daemon dbus-x11 gnome-keyring libsecret-tools
  # Europe/Amsterdam for the keep-alive plan (only Windows builds embed it)
  tzdata
)
case "${1:-build}" in
test)
  # real browser, X server, notification daemon and screenshots for the
  # tests; desktop-file-utils for the .desktop entry test
  want+=(chromium xvfb xauth x11-utils dunst imagemagick xdotool desktop-file-utils) ;;
package)
  # mingw-w64 for the Windows cross-build, wine for its smoke start, xz and
  # zip for the archives, desktop-file-utils to validate .desktop files,
  # the session the smoke tests run in, nsis for the installer, osslsigncode
  # and openssl for signing (and its check), binutils' strings for that check,
  # imagemagick and xdotool for the wine smoke test's screenshots
  want+=(gcc-mingw-w64-x86-64 wine64 xz-utils zip desktop-file-utils xvfb xauth nsis osslsigncode openssl binutils imagemagick xdotool) ;;
esac
command -v dpkg-query >/dev/null || { echo "deps: not a Debian system; install the equivalents of: ${want[*]}" >&2; exit 0; }
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps (${1:-build}): installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
