#!/usr/bin/env bash
# Runs the performance bench (internal/tools/bench) in a private session:
# its own D-Bus, X display and unlocked gnome-keyring (scripts/with-session.sh),
# never the desktop's, because it seeds hundreds of keychain items and starts
# several tray programs side by side. Arguments go to the bench: -idle D,
# -day D, -days N, -sizes 1,50,500, -doc FILE, -smoke.
# Usage: scripts/bench.sh -doc docs/performance.md
set -euo pipefail
cd "$(dirname "$0")/.."
exec env -u DBUS_SESSION_BUS_ADDRESS -u DISPLAY -u XDG_DATA_HOME EXACTKEEPER_BENCH_PRIVATE=1 \
  scripts/with-session.sh go run ./internal/tools/bench "$@"
