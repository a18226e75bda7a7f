#!/usr/bin/env bash
# Authenticode-signs Windows executables and installers in place with
# osslsigncode, once Exact Keeper has a code-signing certificate. Without one
# (SIGN_PFX unset) it says so and changes nothing: the packages are unsigned
# (packaging/README.md, "Signing", says what SmartScreen then shows).
#
#   SIGN_PFX            the certificate and private key, a PKCS#12 (.pfx) file
#   SIGN_PASS_FILE      a file holding the .pfx password (never a variable or
#                       an argument: both end up in process lists and logs)
#   SIGN_TIMESTAMP_URL  an RFC 3161 time-stamp server, so signatures outlive
#                       the certificate; empty: no time stamp (tests only)
#   SIGN_NAME, SIGN_URL the description and link Windows shows in the UAC
#                       and SmartScreen dialogs
#
# Usage: packaging/windows/sign.sh FILE.exe...
set -euo pipefail
if [ -z "${SIGN_PFX:-}" ]; then
  echo "sign: SIGN_PFX is not set, so $# file(s) stay unsigned (packaging/README.md, Signing)"
  exit 0
fi
command -v osslsigncode >/dev/null || { echo "sign: osslsigncode is missing: apt-get install osslsigncode" >&2; exit 1; }
[ -r "$SIGN_PFX" ] || { echo "sign: cannot read SIGN_PFX=$SIGN_PFX" >&2; exit 1; }
pass=()
if [ -n "${SIGN_PASS_FILE:-}" ]; then
  [ -r "$SIGN_PASS_FILE" ] || { echo "sign: cannot read SIGN_PASS_FILE=$SIGN_PASS_FILE" >&2; exit 1; }
  pass=(-readpass "$SIGN_PASS_FILE")
fi
ts=()
[ -z "${SIGN_TIMESTAMP_URL-http://timestamp.digicert.com}" ] || ts=(-ts "${SIGN_TIMESTAMP_URL-http://timestamp.digicert.com}")
for f in "$@"; do
  rm -f "$f.signed"
  osslsigncode sign -pkcs12 "$SIGN_PFX" "${pass[@]}" -h sha256 \
    -n "${SIGN_NAME:-Exact Keeper}" -i "${SIGN_URL:-https://github.com/exactkeeper/exactkeeper}" \
    "${ts[@]}" -in "$f" -out "$f.signed" >/dev/null
  mv "$f.signed" "$f"
  echo "sign: signed $f"
done
