#!/usr/bin/env bash
# Smoke test of the Windows installer under wine, the way an owner uses it:
# install silently (per user), check what it registered (files, Start-menu
# shortcut, exactkeeper: scheme, start at sign-in, Apps & Features entry
# with the version), start the installed keeper, connect it to the Exact
# Online simulator (run by the installed exactkeeperctl.exe on 127.0.0.1)
# with a scripted browser login, ask the running keeper for a token, the
# status and a refresh, then uninstall silently and check that everything
# is gone except the secrets (a silent uninstall keeps them).
# The window, exactkeeper-dashboard.exe, must reach the keeper over its
# named pipe: the one the keeper opens itself (no connection yet, then at an
# exactkeeper: link) and one started directly; each logs the IPC handshake
# on stderr, which is checked. Screenshots of the windows and the tray are
# best effort (OpenGL under wine is fragile) and go to SMOKE_SHOTS (default
# dist/smoke-screenshots), printed at the end.
# Given the core/netproxy test binary, its Windows tests run too: the
# registry reader and a proxy script evaluated by WinHTTP.
# Usage (inside a desktop session, e.g. scripts/with-session.sh):
#   packaging/smoke-windows-installer.sh dist/exactkeeper-windows-amd64-setup.exe [netproxy.test.exe]
set -euo pipefail
[ $# -ge 1 ] && [ -f "$1" ] || { echo "usage: $0 SETUP.exe [netproxy.test.exe] (run make package-windows first)" >&2; exit 2; }
proxytest=${2:+$(realpath "$2")}
[ -n "${DISPLAY:-}" ] || { echo "$0: needs a display: run it through scripts/with-session.sh" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
setup=$(realpath "$1")
work=$(mktemp -d)
SMOKE_OS=windows-installer
SMOKE_LOG=$work/smoke.log
. "$here/smoke-lib.sh"

wine=$(command -v wine64 || command -v wine || echo /usr/lib/wine/wine64)
[ -x "$wine" ] || { echo "$0: wine is not installed: run scripts/deps.sh package" >&2; exit 2; }
wineserver=$(command -v wineserver || echo "$(dirname "$(realpath "$wine")")/wineserver")
export WINEPREFIX=$work/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" LANG=en_US.UTF-8
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  "$wineserver" -k 2>/dev/null || true
  [ "$failures" -gt 0 ] || rm -rf "$work"
}
trap cleanup EXIT
w() { "$wine" "$@" 2>>"$SMOKE_LOG" | tr -d '\r'; }
shots=${SMOKE_SHOTS:-$(dirname "$setup")/smoke-screenshots}
mkdir -p "$shots"
rm -f "$shots"/*.png
# handshake LOG [N]: the window logged reaching the keeper over the named
# pipe (ui/dashboard's handshake line) at least N times (default 1).
handshake() { [ "$(grep -c '^dashboard: connected.* to the keeper over named pipe' "$1")" -ge "${2:-1}" ]; }
# shoot NAME WINDOW-ID [CONVERT-OPTION...]: raises the X window wine made and
# saves it as NAME.png (through convert with the options, if any); best effort (needs xdotool and imagemagick, which
# scripts/deps.sh test installs), so it never fails the smoke.
shoot() {
  local name=$1 id=$2
  shift 2
  [ -n "$id" ] && command -v import >/dev/null || return 0
  xdotool windowraise "$id" >/dev/null 2>&1 || true
  # The raise is asynchronous and a window repaints on expose; there is no
  # event to wait for from here.
  sleep 2
  import -window "$id" "$shots/$name.png" >>"$SMOKE_LOG" 2>&1 || return 0
  [ $# -eq 0 ] || convert "$shots/$name.png" "$@" "$shots/$name.png" >>"$SMOKE_LOG" 2>&1 || true
  echo "note  $SMOKE_OS: screenshot $shots/$name.png"
}
# window_of PID: the dashboard window of a wine process (wine sets
# _NET_WM_PID), else any dashboard window.
window_of() {
  local id
  id=$(xdotool search --pid "$1" --name '^Exact Keeper$' 2>/dev/null | tail -1 || true)
  [ -n "$id" ] || id=$(xdotool search --name '^Exact Keeper$' 2>/dev/null | tail -1 || true)
  echo "$id"
}
# A free loopback port (the kernel picks it; reused at once by wine).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

check "wine prefix ready" "$wine" wineboot -i
check "ProcessPrng shim builds" x86_64-w64-mingw32-gcc -shared -O2 -o "$work/bcryptprimitives.dll" "$here/windows/processprng.c" -ladvapi32
check "ProcessPrng shim installed" cp "$work/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"

if [ -n "$proxytest" ]; then
  check "Windows proxy tests of core/netproxy (2 pass)" bash -c "'$wine' '$proxytest' -test.run '^(TestReadRegistry|TestWinHTTPPAC)\$' -test.v 2>&1 | tr -d '\r' | tee -a '$SMOKE_LOG' | grep -c '^--- PASS' | grep -qx 2"
fi

check "silent install (/S /NOSTART)" "$wine" "$setup" /S /NOSTART
local_app=$("$wine" winepath -u "$(w cmd /c echo %LOCALAPPDATA%)" 2>/dev/null | tr -d '\r')
app_data=$("$wine" winepath -u "$(w cmd /c echo %APPDATA%)" 2>/dev/null | tr -d '\r')
dir="$local_app/Programs/Exact Keeper"
for f in exactkeeper.exe exactkeeper-dashboard.exe exactkeeperctl.exe exactkeeper.png README.txt uninstall.exe; do
  check "installed $f" test -f "$dir/$f"
done
check "Start-menu shortcut" test -f "$app_data/Microsoft/Windows/Start Menu/Programs/Exact Keeper.lnk"
reg_has() { w reg query "$1" /v "$2" | grep -F -- "$3"; }
check "exactkeeper: scheme opens exactkeeper.exe" reg_has 'HKCU\Software\Classes\exactkeeper\shell\open\command' '' 'exactkeeper.exe" "%1"'
check "exactkeeper: is a URL scheme" reg_has 'HKCU\Software\Classes\exactkeeper' 'URL Protocol' 'URL Protocol'
check "starts at sign-in (Run value)" reg_has 'HKCU\Software\Microsoft\Windows\CurrentVersion\Run' ExactKeeper 'exactkeeper.exe"'
ctl="$dir/exactkeeperctl.exe"
version=$(w "$ctl" version | head -1 | awk '{print $2}')
check "exactkeeperctl.exe reports a version ($version)" test -n "$version"
check "Apps & Features entry with that version" reg_has 'HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\ExactKeeper' DisplayVersion "$version"
check "Apps & Features entry uninstalls" reg_has 'HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\ExactKeeper' UninstallString 'uninstall.exe'

# The simulator, by the installed command line, with a loopback redirect
# URI for the scripted login.
sim_port=$(free_port)
cb_port=$(free_port)
"$wine" "$ctl" sim --addr "127.0.0.1:$sim_port" --redirect-uri "http://127.0.0.1:$cb_port/callback" >"$work/sim.out" 2>&1 &
sim=$!
pids+=($sim)
check "simulator answers" wait_for 60 curl -fsS "http://127.0.0.1:$sim_port/"
client_id=$(tr -d '\r' <"$work/sim.out" | sed -n 's/^App: client ID \([^,]*\), client secret \([^,]*\),.*/\1/p')
client_secret=$(tr -d '\r' <"$work/sim.out" | sed -n 's/^App: client ID \([^,]*\), client secret \([^,]*\),.*/\2/p')
check "simulator names its demo app" test -n "$client_id" -a -n "$client_secret"

# The installed keeper, as the Run value starts it (-v: it logs where it
# opens the dashboard).
"$wine" "$dir/exactkeeper.exe" -v >"$work/keeper.log" 2>&1 &
keeper=$!
pids+=($keeper)
# With no connection yet, the keeper opens the window (onboarding) itself,
# with its stderr into the keeper's log: the first client of the pipe.
check "the window the keeper opened reached it over the named pipe" wait_for 120 handshake "$work/keeper.log"
# connect --no-browser prints the login address first; the "browser" is
# curl: the login form posts the same fields as that address's query.
printf '%s\n' "$client_secret" | "$wine" "$ctl" connect --name Smoke --base-url "http://127.0.0.1:$sim_port" \
  --client-id "$client_id" --client-secret-stdin --redirect-uri "http://127.0.0.1:$cb_port/callback" --no-browser \
  >"$work/connect.out" 2>"$work/connect.err" &
connect=$!
pids+=($connect)
check "connect prints the login address" wait_for 60 grep -q '^http' "$work/connect.out"
auth=$(head -1 "$work/connect.out" | tr -d '\r')
login() {
  local back
  back=$(curl -fsS -o /dev/null -w '%{redirect_url}' --data "${auth#*\?}&username=demo&password=demo" "http://127.0.0.1:$sim_port/api/oauth2/auth")
  [ -n "$back" ] && curl -fsS -o /dev/null "$back"
}
check "scripted browser login" login
code=0
wait "$connect" || code=$?
cat "$work/connect.out" "$work/connect.err" >>"$SMOKE_LOG"
check "connect succeeds (exit $code)" test "$code" = 0
check "the keeper runs" kill -0 "$keeper"
# The first client of a keeper built before core/ipc's claimStrayInstance
# missed the CLI's 5 s ping under wine; polling keeps the check fair to a
# slow machine.
check "token from the running keeper" wait_for 60 bash -c "'$wine' '$ctl' token Smoke 2>>'$SMOKE_LOG' | tr -d '\r' | grep -Eq '^[A-Za-z0-9._~+/=-]{8,}$'"
check "status names the connection" bash -c "'$wine' '$ctl' status 2>>'$SMOKE_LOG' | tr -d '\r' | grep -q Smoke"
check "refresh" "$wine" "$ctl" refresh Smoke
# The tray under wine: without a tray host on the X display, wine's
# explorer shows the icons in a small "Wine System Tray" window.
tray_win=$(xdotool search --name '^Wine System Tray$' 2>/dev/null | head -1 || true)
shoot tray "$tray_win" -scale 300%
# Its menu (fyne.io/systray) opens on a right click on the icon. Best
# effort too.
tray_menu() {
  local X Y WIDTH HEIGHT WINDOW SCREEN
  eval "$(xdotool getwindowgeometry --shell "$tray_win")"
  xdotool mousemove $((X + 10)) $((Y + 10)) click 3
  sleep 2 # the menu is drawn by another process; nothing to wait on
  # The menu opens beside the pointer, above it near the screen's top.
  import -window root "$work/root.png" &&
    convert "$work/root.png" -crop "360x240+$((X > 40 ? X - 40 : 0))+$((Y > 120 ? Y - 120 : 0))" +repage "$shots/tray-menu.png" &&
    echo "note  $SMOKE_OS: screenshot $shots/tray-menu.png"
  # Escape, and a click on the bare screen beside it, close the menu.
  xdotool key Escape mousemove 1270 790 click 1
}
if [ -n "$tray_win" ] && command -v import >/dev/null; then
  tray_menu 2>>"$SMOKE_LOG" || true
fi

# The window started directly, as a shortcut to it would: its handshake
# goes to its own stderr.
"$wine" "$dir/exactkeeper-dashboard.exe" >"$work/dashboard.log" 2>&1 &
dash=$!
pids+=($dash)
check "exactkeeper-dashboard.exe started directly reached the keeper over the named pipe" wait_for 120 handshake "$work/dashboard.log"
shoot dashboard "$(window_of "$dash")"
kill "$dash" 2>/dev/null || true
check "the directly started window ended" wait_for 30 bash -c "! kill -0 $dash"
cat "$work/dashboard.log" >>"$SMOKE_LOG"
# A click on a toast: Windows runs the registered exactkeeper: command
# (checked above) with the link as "%1", and that second start hands the
# subject to the running keeper. Wine's shell does not look in
# HKCU\Software\Classes, so the command is run as Windows would run it.
conn_id=$(sed -n 's/^ *"id": "\([0-9a-f]*\)",$/\1/p' "$app_data/exactkeeper/config.json" | head -1)
check "the connection has an ID ($conn_id)" test -n "$conn_id"
# Before core/ipc's pipeInUse, a second start under wine could open the
# same pipe name again and wait as a keeper of its own; each try stays
# bounded in case anything like it comes back.
handover() {
  local i
  for i in 1 2 3; do
    timeout 60 "$wine" "$dir/exactkeeper.exe" "exactkeeper:open?connection=$conn_id" && return 0
    echo "handover try $i failed" >&2
  done
  return 1
}
check "an exactkeeper: link hands over to the running keeper" handover
check "the running keeper opens the dashboard at that connection" wait_for 60 grep -q "focus=connection:$conn_id" "$work/keeper.log"
check "that window reached the keeper over the named pipe" wait_for 120 handshake "$work/keeper.log" 2
shoot dashboard-at-connection "$(xdotool search --name '^Exact Keeper$' 2>/dev/null | tail -1 || true)"

# The simulator runs from the installed exactkeeperctl.exe: end it first,
# or its file could not be removed.
kill "$sim" 2>/dev/null || true
wait "$sim" 2>/dev/null || true
check "no exactkeeperctl.exe left running" wait_for 30 bash -c "! pgrep -f 'exactkeeperctl[.]exe'"
# A silent uninstall keeps the secrets. The uninstaller copies itself to
# a temporary folder and returns at once (wine quotes the folder, so _?=,
# which would keep it in place, is not seen): it has finished when the
# install folder is gone.
check "silent uninstall" "$wine" "$dir/uninstall.exe" /S
check "the uninstaller finished (folder removed)" wait_for 90 test ! -e "$dir"
check "the uninstaller stopped the keeper" wait_for 30 bash -c "! kill -0 $keeper"
for f in exactkeeper.exe exactkeeper-dashboard.exe exactkeeperctl.exe; do
  check "removed $f" test ! -e "$dir/$f"
done
check "Start-menu shortcut removed" test ! -e "$app_data/Microsoft/Windows/Start Menu/Programs/Exact Keeper.lnk"
check "scheme removed" bash -c "! '$wine' reg query 'HKCU\\Software\\Classes\\exactkeeper' >/dev/null 2>&1"
check "Run value removed" bash -c "! '$wine' reg query 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run' /v ExactKeeper >/dev/null 2>&1"
check "Apps & Features entry removed" bash -c "! '$wine' reg query 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\ExactKeeper' >/dev/null 2>&1"
check "the connection is kept for a reinstall" grep -q '"Smoke"' "$app_data/exactkeeper/config.json"

# Reinstalled, the kept connection works without a new login; an uninstall
# with /REMOVESECRETS then removes it and its secrets.
check "reinstall (/S /NOSTART)" "$wine" "$setup" /S /NOSTART
"$wine" "$ctl" sim --addr "127.0.0.1:$sim_port" --redirect-uri "http://127.0.0.1:$cb_port/callback" >>"$work/sim.out" 2>&1 &
sim=$!
pids+=($sim)
check "simulator answers again" wait_for 60 curl -fsS "http://127.0.0.1:$sim_port/"
check "the kept connection still gives a token" bash -c "'$wine' '$ctl' token Smoke 2>>'$SMOKE_LOG' | tr -d '\r' | grep -Eq '^[A-Za-z0-9._~+/=-]{8,}$'"
kill "$sim" 2>/dev/null || true
wait "$sim" 2>/dev/null || true
check "no exactkeeperctl.exe left running (2)" wait_for 30 bash -c "! pgrep -f 'exactkeeperctl[.]exe'"
check "its secrets are in Credential Manager" bash -c "'$wine' reg query 'HKCU\Software\Wine\Credential Manager' /s 2>/dev/null | tr -d '\r' | grep -qi 'exactkeeper'"
check "silent uninstall with /REMOVESECRETS" "$wine" "$dir/uninstall.exe" /S /REMOVESECRETS
check "the uninstaller finished (folder removed) (2)" wait_for 90 test ! -e "$dir"
check "the connection is gone" bash -c "! grep -q '\"Smoke\"' '$app_data/exactkeeper/config.json'"
check "its secrets are gone from Credential Manager" bash -c "! '$wine' reg query 'HKCU\Software\Wine\Credential Manager' /s 2>/dev/null | tr -d '\r' | grep -qi 'exactkeeper'"
cat "$work/keeper.log" >>"$SMOKE_LOG"
check "the keeper did not panic" no_keeper_crash "$work/keeper.log"
# The window under wine is best effort (its OpenGL there is fragile: seen
# panicking inside glfw on a mouse move); said, not failed.
if dashboard_crashed "$work/keeper.log" || dashboard_crashed "$work/dashboard.log"; then
  echo "note  windows-installer: the dashboard crashed under wine (OpenGL; see the log)"
fi
if ls "$shots"/*.png >/dev/null 2>&1; then
  echo "note  windows-installer: screenshots in $shots"
fi
finish
