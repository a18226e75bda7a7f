#!/usr/bin/env bash
# Smoke test of the Linux package, as a user would meet it: unpack, run
# install.sh into a throwaway HOME, start the installed app, switch start at
# login on and start what the autostart entry says, uninstall.
# Usage (inside a desktop session, e.g. scripts/with-session.sh):
#   packaging/smoke-linux.sh dist/exactkeeper-linux-amd64.tar.xz
set -euo pipefail
[ $# -eq 1 ] && [ -f "$1" ] || { echo "usage: $0 PACKAGE.tar.xz (run make package-linux first)" >&2; exit 2; }
[ -n "${DISPLAY:-}" ] && [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || { echo "$0: needs a display and a session bus: run it through scripts/with-session.sh" >&2; exit 2; }
tarball=$(realpath "$1")
work=$(mktemp -d)
SMOKE_OS=linux
SMOKE_LOG=$work/smoke.log
. "$(dirname "$0")/smoke-lib.sh"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
  [ "$failures" -gt 0 ] || rm -rf "$work"
}
trap cleanup EXIT

# A fresh user: nothing installed, no config, no autostart entry.
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config XDG_DATA_HOME=$work/home/.local/share
unset EXACTKEEPER_HOME XDG_BIN_HOME
mkdir -p "$HOME"
bin=$HOME/.local/bin

check "package unpacks" tar -C "$work" -xJf "$tarball"
pkg=$(find "$work" -maxdepth 1 -type d -name 'exactkeeper-linux-*' | head -n1)
check "install.sh runs" sh "$pkg/install.sh"
check "programs in ~/.local/bin" test -x "$bin/exactkeeper" -a -x "$bin/exactkeeper-dashboard" -a -x "$bin/exactkeeperctl"
check "icon in ~/.local/share/icons" test -f "$XDG_DATA_HOME/icons/hicolor/256x256/apps/exactkeeper.png"
check "menu entry valid" desktop-file-validate "$XDG_DATA_HOME/applications/exactkeeper.desktop"
check "menu entry starts the installed app" grep -qxF "Exec=\"$bin/exactkeeper\"" "$XDG_DATA_HOME/applications/exactkeeper.desktop"
check "exactkeeperctl version" bash -c "'$bin/exactkeeperctl' version | grep -q '^exactkeeper '"
check "exactkeeper --version" bash -c "'$bin/exactkeeper' --version | grep -q '^exactkeeper '"

has_tray() { # has_tray PID: the keeper published its StatusNotifierItem
  dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner \
    "string:org.kde.StatusNotifierItem-$1-1" | grep -q 'boolean true'
}
# start NAME LOG COMMAND...: starts COMMAND in its own process group and
# checks that its tray item appears and that it keeps running.
start() {
  local name=$1 log=$2
  shift 2
  setsid "$@" >"$log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  check "$name: tray item published" wait_for 30 has_tray "$pid"
  check "$name: still running" kill -0 "$pid"
  check "$name: no panic" no_crash "$log"
  kill -TERM -- "-$pid" 2>/dev/null || true
  local code=0
  wait "$pid" || code=$?
  check "$name: exits cleanly on SIGTERM (exit $code)" test "$code" -eq 0
  cat "$log" >>"$SMOKE_LOG"
}
start "exactkeeper --demo" "$work/demo.log" "$bin/exactkeeper" --demo

# Start at login, end to end: switch it on, then start what the entry says,
# as the session would.
entry=$XDG_CONFIG_HOME/autostart/exactkeeper.desktop
check "autostart status off at first" bash -c "[ \"\$('$bin/exactkeeperctl' autostart status)\" = off ]"
check "autostart on" "$bin/exactkeeperctl" autostart on
check "autostart entry valid" desktop-file-validate "$entry"
check "autostart status on" bash -c "[ \"\$('$bin/exactkeeperctl' autostart status)\" = on ]"
check "setting saved" grep -q '"autostart": *true' "$XDG_CONFIG_HOME/exactkeeper/config.json"
exec_line=$(sed -n 's/^Exec=//p' "$entry")
check "autostart entry starts the installed app" test "$exec_line" = "$bin/exactkeeper"
start "started at login" "$work/login.log" "$exec_line"
check "autostart off" "$bin/exactkeeperctl" autostart off
check "autostart entry removed" test ! -e "$entry"

check "uninstall.sh runs" sh "$pkg/uninstall.sh"
check "programs removed" test ! -e "$bin/exactkeeper" -a ! -e "$bin/exactkeeper-dashboard" -a ! -e "$bin/exactkeeperctl"
check "settings kept" test -f "$XDG_CONFIG_HOME/exactkeeper/config.json"
finish
