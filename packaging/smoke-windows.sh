#!/usr/bin/env bash
# Smoke test of the Windows package under wine: the exe is a GUI-subsystem
# program with resources, `exactkeeper.exe --demo` starts and keeps running
# for 10 seconds without a crash, exactkeeperctl.exe prints its version and
# switches start at login on and off in the (wine) registry; given the
# core/platform test binary, its registry tests run too.
# Usage (inside a desktop session, e.g. scripts/with-session.sh):
#   packaging/smoke-windows.sh dist/exactkeeper-windows-amd64.zip [platform.test.exe]
set -euo pipefail
[ $# -ge 1 ] && [ -f "$1" ] || { echo "usage: $0 PACKAGE.zip [platform.test.exe] (run make package-windows first)" >&2; exit 2; }
[ -n "${DISPLAY:-}" ] || { echo "$0: needs a display: run it through scripts/with-session.sh" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
zip=$(realpath "$1")
testexe=${2:+$(realpath "$2")}
work=$(mktemp -d)
SMOKE_OS=windows
SMOKE_LOG=$work/smoke.log
. "$here/smoke-lib.sh"

wine=$(command -v wine64 || command -v wine || echo /usr/lib/wine/wine64)
[ -x "$wine" ] || { echo "$0: wine is not installed: run scripts/deps.sh package" >&2; exit 2; }
wineserver=$(command -v wineserver || echo "$(dirname "$(realpath "$wine")")/wineserver")
# A prefix of our own, so the wineserver we stop at the end is ours alone.
export WINEPREFIX=$work/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
cleanup() {
  "$wineserver" -k 2>/dev/null || true
  [ "$failures" -gt 0 ] || rm -rf "$work"
}
trap cleanup EXIT

check "package unzips" unzip -q "$zip" -d "$work/app"
app=$work/app
check "README.txt has Windows line ends" grep -q $'\r$' "$app/README.txt"
objdump=x86_64-w64-mingw32-objdump
check "exactkeeper.exe is a GUI program" bash -c "$objdump -p '$app/exactkeeper.exe' | grep -Eq '^Subsystem[[:space:]]+0+2[[:space:]]'"
check "exactkeeper.exe has resources (icon, version, manifest)" bash -c "$objdump -h '$app/exactkeeper.exe' | grep -q '\.rsrc'"
check "exactkeeper-dashboard.exe is a GUI program" bash -c "$objdump -p '$app/exactkeeper-dashboard.exe' | grep -Eq '^Subsystem[[:space:]]+0+2[[:space:]]'"
check "exactkeeper-dashboard.exe has resources" bash -c "$objdump -h '$app/exactkeeper-dashboard.exe' | grep -q '\.rsrc'"

check "wine prefix ready" "$wine" wineboot -i
# Go 1.26 programs need ProcessPrng, which wine 8 lacks: a shim DLL in
# system32 (next to the exe it is not found).
check "ProcessPrng shim builds" x86_64-w64-mingw32-gcc -shared -O2 -o "$work/bcryptprimitives.dll" "$here/windows/processprng.c" -ladvapi32
check "ProcessPrng shim installed" cp "$work/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"

check "exactkeeperctl.exe version" bash -c "'$wine' '$app/exactkeeperctl.exe' version | grep -q '^exactkeeper '"

# exactkeeperctl finds exactkeeper.exe next to itself and writes the Run value.
check "autostart on" "$wine" "$app/exactkeeperctl.exe" autostart on
check "Run value starts exactkeeper.exe" bash -c "'$wine' reg query 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run' /v ExactKeeper | grep -q 'exactkeeper.exe\"'"
check "autostart status on" bash -c "'$wine' '$app/exactkeeperctl.exe' autostart status | tr -d '\r' | grep -qx on"
check "autostart off" "$wine" "$app/exactkeeperctl.exe" autostart off
check "Run value removed" bash -c "! '$wine' reg query 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run' /v ExactKeeper"

if [ -n "$testexe" ]; then
  # Only the registry tests: wine cannot remove the temporary folders the
  # file tests leave (Go's RemoveAll uses calls wine lacks).
  check "registry tests of core/platform (2 pass)" bash -c "'$wine' '$testexe' -test.run '^(TestRunEntryLifecycle|TestRegisterAppUserModelID)\$' -test.v | tr -d '\r' | tee /dev/stderr | grep -c '^--- PASS' | grep -qx 2"
fi

# The tray app in demo mode for 10 seconds: it must still run, or have
# ended with exit code 0, and say nothing of a panic.
"$wine" "$app/exactkeeper.exe" --demo >"$work/demo.log" 2>&1 &
pid=$!
code=running
if wait_for 10 bash -c "! kill -0 $pid"; then
  code=0
  wait "$pid" || code=$?
fi
check "exactkeeper.exe --demo survives 10 s (status: $code)" test "$code" = running -o "$code" = 0
check "exactkeeper.exe --demo: no panic" no_crash "$work/demo.log"
# The tray takes ICO on Windows; PNG bytes gave "unable to set icon".
check "exactkeeper.exe --demo: the tray icon was set" bash -c "! grep -q 'unable to set icon' '$work/demo.log'"
cat "$work/demo.log" >>"$SMOKE_LOG"
finish
