#!/usr/bin/env bash
# Runs the reliability harness (internal/reliability) in a private session:
# its own D-Bus, X display and unlocked gnome-keyring (scripts/with-session.sh),
# never the desktop's, because the keychain rows stop, lock and restart the
# keyring's daemon. Arguments go to the harness: -kills N, -quick, -doc FILE,
# -only AREA, -v. Usage: scripts/reliability.sh -kills 100 -doc docs/reliability.md
set -euo pipefail
cd "$(dirname "$0")/.."
exec env -u DBUS_SESSION_BUS_ADDRESS -u XDG_DATA_HOME EXACTKEEPER_RELIABILITY_PRIVATE=1 \
  scripts/with-session.sh go run ./internal/reliability "$@"
