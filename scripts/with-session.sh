#!/usr/bin/env bash
# Runs a command with an X display, a D-Bus session bus and an unlocked
# gnome-keyring, starting only what is missing: a developer's desktop already
# has all three, CI has none. Order matters: xvfb-run must wrap
# dbus-run-session, because the bus starts dunst for the first notification
# and dunst needs DISPLAY.
set -euo pipefail
self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
if [ -z "${DISPLAY:-}" ]; then
  exec xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" "$self" "$@"
fi
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  export EK_OWN_BUS=1
  exec dbus-run-session -- "$self" "$@"
fi
if [ -n "${EK_OWN_BUS:-}" ]; then
  unset EK_OWN_BUS
  # A private keyring with a throwaway password, unlocked for this session.
  export XDG_DATA_HOME="${XDG_DATA_HOME:-$(mktemp -d)}"
  echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null
fi
exec "$@"
