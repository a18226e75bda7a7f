#!/bin/sh
# Removes what install.sh installed and the start-at-login entry. Your
# connections (~/.config/exactkeeper) and the secrets in your keychain stay,
# so a reinstall carries on; the last lines say how to remove them too.
set -eu
: "${HOME:?HOME must be set to your home folder}"
bindir="${XDG_BIN_HOME:-$HOME/.local/bin}"
datadir="${XDG_DATA_HOME:-$HOME/.local/share}"
confdir="${XDG_CONFIG_HOME:-$HOME/.config}"
rm -f "$bindir/exactkeeper" "$bindir/exactkeeper-dashboard" "$bindir/exactkeeperctl" \
  "$datadir/applications/exactkeeper.desktop" \
  "$datadir/icons/hicolor/256x256/apps/exactkeeper.png" \
  "$confdir/autostart/exactkeeper.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$datadir/applications" || true
echo "Exact Keeper is uninstalled. Quit it from its tray menu if it is still running."
echo "Your settings are kept in ${EXACTKEEPER_HOME:-$confdir/exactkeeper} and your secrets in the keychain"
echo "(service \"exactkeeper\"): delete that folder and those keychain entries to remove them too."
